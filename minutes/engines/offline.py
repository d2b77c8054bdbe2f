"""Offline switches for every model library. Applied on `import minutes`, before torch or a hub client loads."""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "PYANNOTE_METRICS_ENABLED": "0",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    """Force the offline settings; a user's environment cannot switch the hubs back on."""
    os.environ.update(OFFLINE_ENV)


def offline_report() -> dict[str, str | None]:
    """The offline settings as they are in force now (for `minutes doctor`)."""
    return {key: os.environ.get(key) for key in OFFLINE_ENV}

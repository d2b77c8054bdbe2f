"""Offline switches for every model library. Applied on `import minutes`, before torch or a hub client loads.

`ORT_DISABLE_TELEMETRY`: official onnxruntime builds (used by faster-whisper's Silero VAD) start a 1DS telemetry
uploader when the first session is created: it writes a device id and event store under ~/.cache/Microsoft and,
about 9 s later and every 5 s after, looks up mobile.events.data.microsoft.com from C++, where no Python guard
sees it. `disable_telemetry_events()` does not stop the uploader; this variable, read when ORT initialises, does.
"""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "PYANNOTE_METRICS_ENABLED": "0",
    "ORT_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    """Force the offline settings; a user's environment cannot switch the hubs back on."""
    os.environ.update(OFFLINE_ENV)


def offline_report() -> dict[str, str | None]:
    """The offline settings as they are in force now (for `minutes doctor`)."""
    return {key: os.environ.get(key) for key in OFFLINE_ENV}

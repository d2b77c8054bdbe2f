"""Settings: defaults < `MINUTES_HOME/config.toml` < environment variables < command-line flags.

The layering is pydantic-settings' sources; the environment source reads exactly the three documented
variables (MINUTES_DB, MINUTES_MODELS, MINUTES_DEVICE), not a prefix: MINUTES_MODELS names the models folder,
which a `MINUTES_` prefix would read as the `[models]` table. MINUTES_HOME picks the home (and with it the
config file) before any of this. Empty variables and flags not given count as unset.

Example `config.toml`:

    db = "postgresql+psycopg://clerk@localhost/minutes"
    device = "auto"

    [models]
    asr = "whisper-base"
    extractor_backend = "llama.cpp"

    [transcribe]           # see minutes.core.speech_params.TranscribeParams
    window_seconds = 600

    [diarisation]          # see DiarisationParams
    threshold = 0.275

    [speakers]             # see minutes.core.speech_params.SpeakerParams
    name_threshold = 0.5
    from_talk = "apply"    # names from the talk: "apply" (clear ones), "suggest" (all wait), "off"

    [drafting]             # see minutes.core.drafting_params.DraftingParams
    max_second_looks = 12

    [models.local.whisper-large-v3]
    role = "asr"
    path = "/srv/models/faster-whisper-large-v3"

    [retention]
    audio_days_after_release = 30
    transcript_days_after_release = 365

    [notice]
    contact = "Mrs A. Clerk, clerk@school.example, 01234 567890"

    [limits]
    max_audio_hours = 8
    max_evidence_mb = 50

    [store]                # several machines: recordings, evidence and exports in one shared folder
    shared = "/mnt/minutes-store"

    [queue]                # `minutes worker` and `minutes batch --enqueue` (PostgreSQL only)
    name = "minutes"
    retries = 2

    [web]                  # `minutes serve` behind a reverse proxy on this machine (default: none trusted)
    trusted_proxies = ["127.0.0.1"]
"""

from __future__ import annotations

import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from minutes.core.drafting_params import DraftingParams
from minutes.core.speech_params import SpeakerParams, TranscribeParams
from minutes.errors import UsageError

CONFIG_NAME = "config.toml"
ENV = {"MINUTES_DB": "db", "MINUTES_MODELS": "models_dir", "MINUTES_DEVICE": "device"}


class Role(StrEnum):
    ASR = "asr"
    SEGMENTATION = "segmentation"
    EMBEDDING = "embedding"
    EXTRACTOR = "extractor"
    DIARISATION = "diarisation"  # a complete pyannote pipeline folder a user registers


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalModelConfig(_Strict):
    role: Role
    path: Path
    description: str = "registered in the config file"


class ModelChoice(_Strict):
    asr: str = "whisper-tiny.en"
    segmentation: str = "pyannote-segmentation-3.0"
    embedding: str = "campplus-zh-en"
    extractor: str = "qwen2.5-coder-1.5b-instruct"
    extractor_backend: Literal["llama.cpp"] = "llama.cpp"  # the only one: replies under JSON-schema grammars
    diarisation_pipeline: str | None = None  # name of a registered pyannote pipeline folder, used instead
    local: dict[str, LocalModelConfig] = Field(default_factory=dict)


class Retention(_Strict):
    audio_days_after_release: int = Field(30, ge=0)
    transcript_days_after_release: int = Field(365, ge=0)


class Notice(_Strict):
    organisation: str = "the school"
    contact: str = "the clerk to the meeting"


class Limits(_Strict):
    """Bounds on input files, so a file that lies about itself cannot exhaust memory or disk."""

    max_audio_hours: float = Field(8.0, gt=0, le=1000)
    max_evidence_mb: float = Field(50.0, gt=0, le=10_000)

    @property
    def max_audio_seconds(self) -> float:
        return self.max_audio_hours * 3600

    @property
    def max_evidence_bytes(self) -> int:
        return int(self.max_evidence_mb * 1_000_000)


class Store(_Strict):
    """Where files live. `shared`: a folder every worker machine mounts (SMB/NFS); files in it are named by
    their sha256, so two machines, or a retry, write the same name and never a second copy."""

    shared: Path | None = None


class Queue(_Strict):
    """The distributed queue (procrastinate on the PostgreSQL database). A worker that sends no heartbeat for
    `stalled_after_seconds` is taken as dead and its job is retried by another worker."""

    name: str = Field("minutes", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    retries: int = Field(2, ge=0, le=20)  # retries after an unexpected error or a dead worker
    heartbeat_seconds: float = Field(10.0, gt=0, le=600)
    stalled_after_seconds: float = Field(30.0, gt=0, le=3600)


class Web(_Strict):
    """`minutes serve`. `trusted_proxies`: the addresses of the reverse proxies in front of it (an https proxy on
    this machine: ["127.0.0.1"]); only a request from one of them may say, in X-Forwarded-For, which client it
    is for. None by default: the sign-in limiter counts the address that connected, which a client cannot
    forge."""

    trusted_proxies: list[str] = Field(default_factory=list)


class DiarisationParams(_Strict):
    """The diarisation stage's tunable settings, as pyannote SpeakerDiarization hyper-parameters.

    Chosen by `bench/tune_diarisation.py` (a grid search on the real AMI dev audio, with meeting-demo and
    sample.wav as guards); the figures are in minutes/engines/diarisation.py. segmentation-3.0 is a powerset
    model, so there is no segmentation threshold (onset) to tune: its frames are already hard decisions.
    """

    threshold: float = Field(
        0.275, ge=0.0, le=2.0
    )  # clustering: cosine distance at which clusters stop merging
    method: Literal["average", "centroid", "complete", "median", "single", "ward", "weighted"] = "average"
    min_cluster_size: int = Field(6, ge=1, le=20)  # smaller clusters are merged into the nearest large one
    min_duration_off: float = Field(
        0.25, ge=0.0, le=1.0
    )  # segmentation: a speaker's gaps shorter than this close
    exclude_overlap: bool = False  # embed each speaker only where nobody else talks (pipeline option)
    step: float = Field(
        0.2, gt=0.0, le=1.0
    )  # segmentation: 10 s windows start this fraction of a window apart (pyannote's default is 0.1)
    precision: Literal["auto", "float32", "bfloat16"] = (
        "auto"  # CAM++ embeddings on the CPU; auto: bfloat16 where the CPU has it natively (AVX-512 BF16)
    )

    def hyper_parameters(self) -> dict:
        """The `SpeakerDiarization.instantiate` argument."""
        return {
            "segmentation": {"min_duration_off": self.min_duration_off},
            "clustering": {
                "method": self.method,
                "min_cluster_size": self.min_cluster_size,
                "threshold": self.threshold,
            },
        }


class _Environment(PydanticBaseSettingsSource):
    """The documented MINUTES_* variables, by their own names."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[None, str, bool]:
        return None, field_name, False  # unused: __call__ reads the variables itself

    def __call__(self) -> dict[str, str]:
        return {field: value for name, field in ENV.items() if (value := os.environ.get(name))}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid")

    home: Path
    db: str | None = None
    models_dir: Path | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    models: ModelChoice = Field(default_factory=ModelChoice)
    transcribe: TranscribeParams = Field(default_factory=TranscribeParams)
    diarisation: DiarisationParams = Field(default_factory=DiarisationParams)
    speakers: SpeakerParams = Field(default_factory=SpeakerParams)
    drafting: DraftingParams = Field(default_factory=DraftingParams)
    retention: Retention = Field(default_factory=Retention)
    notice: Notice = Field(default_factory=Notice)
    limits: Limits = Field(default_factory=Limits)
    store: Store = Field(default_factory=Store)
    queue: Queue = Field(default_factory=Queue)
    web: Web = Field(default_factory=Web)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Highest first: flags (the constructor's arguments), the MINUTES_* variables, home/config.toml."""
        assert isinstance(init_settings, InitSettingsSource)
        toml = TomlConfigSettingsSource(settings_cls, Path(init_settings.init_kwargs["home"]) / CONFIG_NAME)
        return init_settings, _Environment(settings_cls), toml

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.home / 'minutes.db'}"

    @property
    def models_root(self) -> Path:
        return self.models_dir or Path(platformdirs.user_cache_dir("minutes")) / "models"

    @property
    def files_dir(self) -> Path:
        """Recordings, evidence and exports kept by the store: under MINUTES_HOME, or the shared folder that
        every worker machine reaches (`[store] shared`)."""
        return self.store.shared or self.home / "files"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"


def default_home() -> Path:
    return Path(os.environ.get("MINUTES_HOME") or platformdirs.user_data_dir("minutes"))


def load_settings(home: Path | None = None, db: str | None = None, device: str | None = None) -> Settings:
    """Build the effective settings. Arguments are the command-line flags (None when not given)."""
    home = Path(home or default_home()).expanduser()
    path = home / CONFIG_NAME
    flags: dict[str, Any] = {k: v for k, v in {"db": db, "device": device}.items() if v}
    try:
        return Settings(home=home, **flags)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(
            f"bad setting '{where}': {err['msg']}", f"check {path} and the MINUTES_* variables"
        ) from None

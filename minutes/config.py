"""Settings: defaults < `MINUTES_HOME/config.toml` < environment variables < command-line flags.

Example `config.toml`:

    db = "postgresql+psycopg://clerk@localhost/minutes"
    device = "auto"

    [models]
    asr = "whisper-base"
    extractor_backend = "llama.cpp"

    [models.local.whisper-large-v3]
    role = "asr"
    path = "/srv/models/faster-whisper-large-v3"

    [retention]
    audio_days_after_release = 30
    transcript_days_after_release = 365

    [notice]
    contact = "Mrs A. Clerk, clerk@school.example, 01234 567890"
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from minutes.engines.registry import Role
from minutes.engines.store import LocalModel, ModelStore
from minutes.errors import UsageError

CONFIG_NAME = "config.toml"


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


class Settings(_Strict):
    home: Path
    db: str | None = None
    models_dir: Path | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    models: ModelChoice = Field(default_factory=ModelChoice)
    retention: Retention = Field(default_factory=Retention)
    notice: Notice = Field(default_factory=Notice)

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.home / 'minutes.db'}"

    @property
    def models_root(self) -> Path:
        return self.models_dir or Path(platformdirs.user_cache_dir("minutes")) / "models"

    @property
    def files_dir(self) -> Path:
        """Recordings, evidence and exports kept by the store (never anything outside MINUTES_HOME)."""
        return self.home / "files"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    def model_store(self) -> ModelStore:
        local = [LocalModel(n, m.role, m.path.expanduser(), m.description) for n, m in self.models.local.items()]
        return ModelStore(self.models_root, local)


def default_home() -> Path:
    return Path(os.environ.get("MINUTES_HOME") or platformdirs.user_data_dir("minutes"))


def load_settings(home: Path | None = None, db: str | None = None, device: str | None = None) -> Settings:
    """Build the effective settings. Arguments are the command-line flags (None when not given)."""
    home = Path(home or default_home()).expanduser()
    raw: dict = {}
    path = home / CONFIG_NAME
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: not valid TOML: {exc}") from None
    env = {"db": os.environ.get("MINUTES_DB"), "models_dir": os.environ.get("MINUTES_MODELS"),
           "device": os.environ.get("MINUTES_DEVICE")}
    flags = {"db": db, "device": device}
    for layer in (env, flags):
        raw.update({k: v for k, v in layer.items() if v})
    try:
        return Settings(home=home, **raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(f"bad setting '{where}': {err['msg']}", f"check {path} and the MINUTES_* variables") from None

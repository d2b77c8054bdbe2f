"""Load a faster-whisper (CTranslate2) model once, from the verified store or a local folder; never downloads.

`model` may be a registered name (`whisper-tiny.en`, `whisper-base`), a model the user registered in the config
file (`[models.local.NAME]` with role "asr"), or the path of a CTranslate2 Whisper folder. Device "auto" means
CUDA with float16 when CTranslate2 sees a GPU, else CPU with int8.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minutes.core.config import Settings
from minutes.engines.registry import REGISTRY, Role
from minutes.engines.store import model_store
from minutes.errors import ModelError, UsageError

DEVICES = ("auto", "cpu", "cuda")
MULTILINGUAL_VOCABULARY = (
    51865  # CTranslate2's rule: a Whisper vocabulary this large holds the language tokens
)


@dataclass
class AsrEngine:
    """A loaded Whisper model and how it was loaded; reuse it for every file of a batch."""

    model: Any  # faster_whisper.WhisperModel
    name: str
    path: Path
    device: str
    compute_type: str

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)


def resolve_model(settings: Settings, model: str | None) -> tuple[str, Path]:
    """(name, folder) of the ASR model to load: a registered or configured name, or a local folder."""
    name = model or settings.models.asr
    store = model_store(settings)
    if name in store.local:
        if store.local[name].role != Role.ASR:
            raise UsageError(f"model '{name}' is registered with role '{store.local[name].role}', not 'asr'")
        return name, store.require(name)
    if name in REGISTRY:
        if REGISTRY[name].role != Role.ASR:
            raise UsageError(f"model '{name}' is not a speech recognition model")
        return name, store.require(name)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(f"{path}: not a CTranslate2 Whisper folder (no model.bin)")
        return path.name, path
    asr = sorted(
        [n for n, s in REGISTRY.items() if s.role == Role.ASR]
        + [n for n, m in store.local.items() if m.role == Role.ASR]
    )
    raise UsageError(f"unknown ASR model '{name}'", f"use one of {', '.join(asr)} or a model folder")


def is_multilingual(folder: Path) -> bool | None:
    """Whether a CTranslate2 Whisper folder holds a multilingual model, read from its vocabulary size without
    loading it; None when there is no vocabulary file to count."""
    if (folder / "vocabulary.json").is_file():
        return (
            len(json.loads((folder / "vocabulary.json").read_text(encoding="utf-8")))
            >= MULTILINGUAL_VOCABULARY
        )
    if (folder / "vocabulary.txt").is_file():
        with (folder / "vocabulary.txt").open(encoding="utf-8") as fh:
            return sum(1 for _ in fh) >= MULTILINGUAL_VOCABULARY
    return None


def pick_device(requested: str | None, compute_type: str | None) -> tuple[str, str]:
    """(device, compute_type): auto -> cuda/float16 when CTranslate2 sees a GPU, else cpu/int8."""
    import ctranslate2

    requested = requested or "auto"
    if requested not in DEVICES:
        raise UsageError(f"unknown device '{requested}'", f"use one of {', '.join(DEVICES)}")
    gpus = ctranslate2.get_cuda_device_count()
    if requested == "cuda" and gpus == 0:
        raise UsageError("device 'cuda' requested but CTranslate2 sees no CUDA device", "use --device cpu")
    device = "cuda" if requested == "cuda" or (requested == "auto" and gpus > 0) else "cpu"
    if compute_type is None:
        compute_type = "float16" if device == "cuda" else "int8"
    supported = ctranslate2.get_supported_compute_types(device)
    if compute_type not in supported and compute_type not in ("auto", "default"):
        raise UsageError(
            f"compute type '{compute_type}' is not supported on {device}",
            f"use one of {', '.join(sorted(supported))}",
        )
    return device, compute_type


def load_asr(
    settings: Settings,
    model: str | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    threads: int = 0,
) -> AsrEngine:
    """Load the Whisper model once; the engine is reused for many files. `threads`: CPU threads (0: CTranslate2's
    default)."""
    from faster_whisper import WhisperModel

    name, path = resolve_model(settings, model)
    device, compute_type = pick_device(device or settings.device, compute_type)
    try:
        whisper = WhisperModel(
            str(path), device=device, compute_type=compute_type, cpu_threads=threads, local_files_only=True
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load ASR model '{name}' from {path}: {str(exc).splitlines()[0]}") from None
    return AsrEngine(model=whisper, name=name, path=path, device=device, compute_type=compute_type)

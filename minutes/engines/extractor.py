"""Loading the local instruct model behind extraction (minutes.drafting.extract.Engine), on llama.cpp.

The default extractor is the shipped Q4_K_M GGUF, run as it is (no conversion step): llama.cpp decodes under
JSON-schema grammars, so replies parse by construction (see minutes.engines.llama for why and for the speed
figures). A model a user registers is a folder holding one GGUF file. Nothing is fetched; models come from the
verified store or a folder registered in the config file.
"""

from __future__ import annotations

from pathlib import Path

from minutes.core.files import private_dir
from minutes.engines import llama
from minutes.engines.registry import REGISTRY, Role
from minutes.engines.store import model_store
from minutes.errors import ModelError, UsageError

BACKENDS: tuple[str, ...] = ("llama.cpp",)
Extractor = llama.LlamaExtractor


def resolve_extractor(settings, model: str | None = None) -> tuple[str, Path]:
    """(name, GGUF file) of the extractor to load: UsageError or ModelError before anything is loaded."""
    name = model or settings.models.extractor
    store = model_store(settings)
    if name in store.local:
        local = store.local[name]
        if local.role != Role.EXTRACTOR:
            raise UsageError(f"model '{name}' is registered with role '{local.role}', not 'extractor'")
        return name, _one_gguf(store.require(name))
    if name in REGISTRY and REGISTRY[name].role == Role.EXTRACTOR:
        return name, store.require(name) / REGISTRY[name].files[0].target
    known = [n for n, s in REGISTRY.items() if s.role == Role.EXTRACTOR]
    known += [n for n, m in store.local.items() if m.role == Role.EXTRACTOR]
    raise UsageError(f"unknown extractor model '{name}'", f"known extractor models: {', '.join(known)}")


def load_extractor(settings, model: str | None = None, threads: int = 0) -> Extractor:
    """Load the configured (or given) extractor model; ModelError if it is not usable."""
    name, gguf = resolve_extractor(settings, model)
    states = private_dir(settings.home, "cache", "prompt-states") if settings.home.is_dir() else None
    return llama.load(name, gguf, threads, states=states)


def _one_gguf(folder: Path) -> Path:
    ggufs = sorted(folder.glob("*.gguf"))
    if len(ggufs) != 1:
        raise ModelError(
            f"{folder}: expected one .gguf file, found {len(ggufs)}",
            "register a folder holding the model as a single GGUF file",
        )
    return ggufs[0]

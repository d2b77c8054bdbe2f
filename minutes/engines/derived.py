"""Models built here from pulled ones, such as the CTranslate2 int8 copy of the GGUF extractor.

A derived folder carries `manifest.json` (sha256 and size of every file, written when it was built) and is
verified against it like a pulled model. The conversion runs once, at `minutes models pull`, never at run time.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minutes.engines.registry import REGISTRY
from minutes.engines.store import ModelStore, model_store, sha256_file
from minutes.errors import ModelError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DerivedSpec:
    name: str
    source: str  # the pulled model it is built from
    description: str
    quantization: str = "int8"


CT2_SUFFIX = "-ct2-int8"
DERIVED: dict[str, DerivedSpec] = {
    f"{src}{CT2_SUFFIX}": DerivedSpec(f"{src}{CT2_SUFFIX}", src, f"CTranslate2 int8 conversion of {src}")
    for src in ("qwen2.5-coder-1.5b-instruct", "smollm2-135m-instruct")
}


def ct2_name(source: str) -> str:
    return f"{source}{CT2_SUFFIX}"


def for_sources(names: tuple[str, ...]) -> list[str]:
    return [d.name for d in DERIVED.values() if d.source in names]


def problems(folder: Path, full: bool = True) -> list[str]:
    """Check a derived folder against its manifest; [] when it is complete and intact."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return [f"{folder / MANIFEST}: missing or unreadable (not built yet)"]
    found = []
    for name, entry in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            found.append(f"{path}: missing")
        elif path.stat().st_size != entry["size"]:
            found.append(f"{path}: size {path.stat().st_size}, expected {entry['size']} (truncated)")
        elif full and sha256_file(path) != entry["sha256"]:
            found.append(f"{path}: sha256 does not match its manifest (corrupt)")
    return found


def require(store: ModelStore, name: str, full: bool = False) -> Path:
    folder = store.folder(name)
    found = problems(folder, full=full)
    if found:
        spec = DERIVED[name]
        raise ModelError(f"model '{name}' is not usable: {found[0]}",
                         f"run `minutes models pull {spec.source}` to build it")
    return folder


def build(settings, name: str, force: bool = False, say: Callable[[str], None] = print) -> Path:
    """Convert the GGUF source once: transformers dequantises it, CTranslate2 quantises it to int8."""
    spec = DERIVED[name]
    store: ModelStore = model_store(settings)
    out = store.folder(name)
    if not force and not problems(out, full=False):
        say(f"{name}: present")
        return out
    src = store.require(spec.source)
    gguf = REGISTRY[spec.source].files[0].target
    say(f"{name}: converting {spec.source} to CTranslate2 {spec.quantization} (once; a few minutes)")
    with tempfile.TemporaryDirectory(prefix=".convert-", dir=store.root) as tmp:
        hf_dir = Path(tmp) / "hf"
        _dequantise(src, gguf, hf_dir)
        staged = Path(tmp) / "ct2"
        import ctranslate2.converters

        ctranslate2.converters.TransformersConverter(str(hf_dir), low_cpu_mem_usage=True).convert(
            str(staged), quantization=spec.quantization, force=True)
        for extra in hf_dir.iterdir():  # tokenizer and chat template travel with the converted weights
            if extra.suffix in (".json", ".jinja", ".txt") and not (staged / extra.name).exists():
                shutil.copy2(extra, staged / extra.name)
        _write_manifest(staged)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staged, out)
    say(f"{name}: built and verified")
    return out


def _dequantise(src: Path, gguf: str, hf_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with torch.inference_mode():
        tokenizer = AutoTokenizer.from_pretrained(src, gguf_file=gguf)
        model = AutoModelForCausalLM.from_pretrained(src, gguf_file=gguf, dtype=torch.float32)
        model.eval()
        model.hf_quantizer = None  # a plain float copy: no quantisation left to describe
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(hf_dir)
        tokenizer.save_pretrained(hf_dir)
    del model
    gc.collect()


def _write_manifest(folder: Path) -> None:
    files = {p.name: {"sha256": sha256_file(p), "size": p.stat().st_size}
             for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    (folder / MANIFEST).write_text(json.dumps({"files": files}, indent=1))

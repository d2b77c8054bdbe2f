"""Detect and repair the CPU-torch / CUDA-linked torchaudio mismatch (see the README, "Troubleshooting").

pyannote.audio 4.0.7 pulls torchaudio from PyPI, whose compiled libraries link CUDA (`libc10_cuda.so`). Beside a
CPU build of torch they cannot load, and `import torchaudio` (hence pyannote and transformers) fails. torchaudio
falls back to pure Python when its libraries are absent, which covers what this project uses (resample, Kaldi
fbank). The fix moves the libraries aside as `*.so.disabled`, so it is visible and can be undone.

Run as `python -m minutes.engines.torchstack [--fix]`. It never fires where torch itself has CUDA.
Importing this module imports neither torch nor torchaudio.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

CUDA_MARKER = b"libc10_cuda.so"


@dataclass
class StackReport:
    torch_cuda: bool
    torchaudio_dir: Path | None
    cuda_linked: list[Path] = field(default_factory=list)
    disabled: list[Path] = field(default_factory=list)

    @property
    def mismatch(self) -> bool:
        return not self.torch_cuda and bool(self.cuda_linked)


def _torch_has_cuda() -> bool:
    """Whether the installed torch is a CUDA build, read from its version file without importing torch."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return False
    version_py = Path(spec.origin).parent / "version.py"
    text = version_py.read_text() if version_py.exists() else ""
    return "cuda = None" not in text and "cuda: Optional[str] = None" not in text


def inspect() -> StackReport:
    spec = importlib.util.find_spec("torchaudio")
    if spec is None or not spec.origin:
        return StackReport(_torch_has_cuda(), None)
    lib = Path(spec.origin).parent / "lib"
    linked = [so for so in sorted(lib.glob("*.so")) if CUDA_MARKER in so.read_bytes()]
    return StackReport(_torch_has_cuda(), lib.parent, linked, sorted(lib.glob("*.so.disabled")))


def fix(report: StackReport) -> list[Path]:
    moved = []
    for so in report.cuda_linked:
        target = so.with_name(so.name + ".disabled")
        so.replace(target)
        moved.append(target)
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true", help="move the CUDA-linked torchaudio libraries aside")
    args = parser.parse_args(argv)
    report = inspect()
    version = importlib.metadata.version("torch") if importlib.util.find_spec("torch") else "absent"
    if report.torch_cuda:
        print(f"torch stack: torch {version} has CUDA; torchaudio's compiled libraries are used as shipped")
        return 0
    if not report.mismatch:
        state = (
            f"{len(report.disabled)} CUDA-linked libraries already disabled"
            if report.disabled
            else "consistent"
        )
        print(f"torch stack: CPU torch {version}; torchaudio {state}")
        return 0
    names = ", ".join(p.name for p in report.cuda_linked)
    if not args.fix:
        print(
            f"torch stack: MISMATCH: CPU torch {version} beside CUDA-linked torchaudio ({names}); "
            "run `python -m minutes.engines.torchstack --fix`"
        )
        return 1
    moved = fix(report)
    print(
        f"torch stack: CPU torch {version} beside CUDA-linked torchaudio: disabled {len(moved)} libraries "
        f"({names}) in {report.torchaudio_dir}/lib; torchaudio now uses its pure-Python fallbacks"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

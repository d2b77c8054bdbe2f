"""`minutes doctor`: is this installation able to do its job, offline? Every check says what to do if it fails."""

from __future__ import annotations

import importlib.metadata
import platform
import shutil
from dataclasses import asdict, dataclass, field

from minutes.core.config import Settings
from minutes.engines import torchstack
from minutes.engines.offline import OFFLINE_ENV, offline_report
from minutes.engines.store import model_store
from minutes.errors import MinutesError

PACKAGES = (
    "minutes",
    "torch",
    "torchaudio",
    "faster-whisper",
    "ctranslate2",
    "pyannote.audio",
    "llama-cpp-python",
    "sqlmodel",
    "alembic",
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    needed: bool = True


@dataclass
class Report:
    versions: dict[str, str]
    cuda: dict[str, object]
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if c.needed)

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "versions": self.versions,
            "cuda": self.cuda,
            "checks": [asdict(c) for c in self.checks],
        }


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cuda() -> dict[str, object]:
    import ctranslate2

    devices = ctranslate2.get_cuda_device_count()
    return {"usable": devices > 0, "devices": devices, "torch_build_cuda": torchstack.inspect().torch_cuda}


def needed_models(settings: Settings) -> set[str]:
    m = settings.models
    names = {m.asr, m.segmentation, m.embedding, m.extractor}
    if m.diarisation_pipeline:
        names.add(m.diarisation_pipeline)
    return names


def diagnose(settings: Settings, full: bool = False) -> Report:
    report = Report(
        versions={"python": platform.python_version(), **{p: _version(p) for p in PACKAGES}}, cuda=_cuda()
    )
    add = report.checks.append

    stack = torchstack.inspect()
    add(
        Check(
            "torch stack",
            not stack.mismatch,
            "consistent"
            if not stack.mismatch
            else "CPU torch beside CUDA-linked torchaudio: run `python -m minutes.engines.torchstack --fix`",
        )
    )

    offline = offline_report()
    add(Check("offline", offline == OFFLINE_ENV, ", ".join(f"{k}={v}" for k, v in offline.items())))

    store = model_store(settings)
    needed = needed_models(settings)
    for name in store.names():
        st = store.status(name, full=full)
        detail = (
            f"{st.source}, {st.size / 1e6:.0f} MB, {st.path}"
            if st.verified
            else (st.problems[0] if st.problems else "not installed")
            + f" (fix: `minutes models pull {name}`)"
        )
        add(Check(f"model {name}", st.verified, detail, needed=name in needed))

    add(_database(settings))
    for label, path in (("disk (home)", settings.home), ("disk (models)", store.root)):
        probe = path if path.exists() else next((p for p in path.parents if p.exists()), path)
        free = shutil.disk_usage(probe).free
        add(Check(label, free > 2e9, f"{free / 1e9:.1f} GB free at {probe}", needed=False))
    return report


def _database(settings: Settings) -> Check:
    from minutes.core.store import Database, safe_url

    try:
        db = Database.open(settings)
    except MinutesError as exc:
        return Check("database", False, str(exc))
    try:
        current, head = db.schema_version(), db.head_version()
        return Check("database", current == head, f"{safe_url(db.url)} (schema {current}, latest {head})")
    finally:
        db.close()

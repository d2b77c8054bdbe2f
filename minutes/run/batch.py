"""`minutes batch`: many recordings, one model load, resumable after a crash, one summary at the end.

Sources:
- a CSV manifest with columns `file,title,date,participants` and optionally `consent_evidence,consent_method,
  consent_by`. `participants` is "Name[:role]" separated by ";". With `consent_evidence` (a signed form, relative
  to the manifest), every listed participant is recorded as giving every scope, with that form as evidence.
  Without it, consent must already be recorded for a meeting of that title and date.
- a folder: each audio file in it must already be attached to a meeting (`minutes attach MEETING FILE`); it is
  matched by content (sha256), so renaming the file does not matter.

Each recording is a Job row. Its status moves queued -> running -> done | blocked | failed, each change committed.
A rerun with `--resume` skips done jobs and picks up the others where their stages stopped.
"""

from __future__ import annotations

import csv
import ctypes
import hashlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlmodel import select

from minutes.consent import ledger
from minutes.consent.errors import ConsentError
from minutes.core.config import Settings
from minutes.core.files import sha256_file, sweep_temps
from minutes.core.logs import setup_logging
from minutes.core.progress import PlainReporter, QuietReporter, Reporter
from minutes.core.store import Database
from minutes.dates import parse_date
from minutes.db import Job, Meeting, Recording, utcnow
from minutes.db.ids import stored_id
from minutes.errors import MinutesError, StateError, UsageError
from minutes.records.meetings import create_meeting, parse_participant_spec
from minutes.run import runlock
from minutes.run.pipeline import Engines, Options, process

LOG = logging.getLogger("minutes.run.batch")
AUDIO_SUFFIXES = {
    ".wav",
    ".flac",
    ".mp3",
    ".m4a",
    ".ogg",
    ".opus",
    ".webm",
    ".mp4",
    ".mkv",
    ".mov",
    ".aac",
    ".wma",
}
MANIFEST_COLUMNS = ("file", "title", "date", "participants")
EXIT_PARTIAL, EXIT_NONE_DONE = 6, 7


@dataclass
class BatchEntry:
    """One recording of the batch, as read from the manifest or folder."""

    source: str
    title: str | None = None
    date: str | None = None
    participants: list[str] = field(default_factory=list)
    consent_evidence: str | None = None
    consent_method: str = "form"
    consent_by: str = "clerk"
    problem: str | None = None  # a row that cannot be processed, reported as failed


@dataclass
class JobOutcome:
    job_id: int
    source: str
    status: str
    meeting_id: int | None
    draft_id: int | None
    reason: str | None
    audio_seconds: float = 0.0


@dataclass
class BatchSummary:
    batch: str
    outcomes: list[JobOutcome]

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        done = self.count("done")
        if done == len(self.outcomes):
            return 0
        return EXIT_PARTIAL if done else EXIT_NONE_DONE

    def to_json(self) -> dict:
        return {
            "batch": self.batch,
            "done": self.count("done"),
            "blocked": self.count("blocked"),
            "failed": self.count("failed"),
            "exit_code": self.exit_code,
            "jobs": [o.__dict__ for o in self.outcomes],
        }


def read_source(source: Path) -> list[BatchEntry]:
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        if not files:
            raise UsageError(f"{source}: no audio files in this folder")
        return [BatchEntry(str(p.resolve())) for p in files]
    if not source.is_file():
        raise UsageError(f"{source}: no such manifest or folder")
    return _read_manifest(source)


def _read_manifest(path: Path) -> list[BatchEntry]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"{path}: not a readable CSV manifest ({exc})") from None
    if not rows:
        raise UsageError(f"{path}: the manifest has no rows")
    missing = [c for c in MANIFEST_COLUMNS if c not in rows[0]]
    if missing:
        raise UsageError(
            f"{path}: missing column(s) {', '.join(missing)}",
            f"the header must include {','.join(MANIFEST_COLUMNS)}",
        )
    entries = []
    for i, row in enumerate(rows, start=2):
        file = (row.get("file") or "").strip()
        source = str((path.parent / file).resolve()) if file else f"{path.name}:row {i}"
        e = BatchEntry(
            source,
            (row.get("title") or "").strip(),
            (row.get("date") or "").strip(),
            [p.strip() for p in (row.get("participants") or "").split(";") if p.strip()],
            (row.get("consent_evidence") or "").strip() or None,
            (row.get("consent_method") or "form").strip(),
            (row.get("consent_by") or "clerk").strip(),
        )
        if e.consent_evidence:
            e.consent_evidence = str((path.parent / e.consent_evidence).resolve())
        if not file or not e.title or not e.date:
            e.problem = f"row {i}: file, title and date are required"
        entries.append(e)
    return entries


def batch_name(source: Path) -> str:
    digest = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:8]
    return f"{source.name}-{digest}"


def prepare_jobs(db: Database, name: str, entries: list[BatchEntry], resume: bool) -> list[int]:
    """Create the batch's jobs once; a rerun without --resume is refused so nothing is processed twice."""
    with db.session() as s:
        existing = {j.source: j for j in s.exec(select(Job).where(Job.batch == name)).all()}
        if existing and not resume:
            done = sum(j.status == "done" for j in existing.values())
            raise StateError(
                f"batch {name} was started before ({done} of {len(existing)} done)",
                "rerun with --resume to finish it",
            )
        ids = []
        for e in entries:
            job = existing.get(e.source) or Job(batch=name, source=e.source)
            s.add(job)
            s.flush()
            ids.append(stored_id(job))
        return ids


def _set_job(db: Database, job_id: int, **values) -> None:
    with db.session() as s:
        job = s.get_one(Job, job_id)
        for k, v in values.items():
            setattr(job, k, v)
        job.updated_at = utcnow()


def meeting_for(db: Database, job_id: int, e: BatchEntry, actor: str, files_dir: Path) -> int:
    """The job's meeting: attached file (folder mode) or created from the manifest row, with its consent,
    in one transaction together with the job's link to it (so a crash cannot create it twice)."""
    with db.session() as s:
        job = s.get_one(Job, job_id)
        if job.meeting_id:
            return job.meeting_id
        if e.title is None:  # folder mode
            rec = s.exec(select(Recording).where(Recording.sha256 == sha256_file(Path(e.source)))).first()
            if rec is None:
                raise UsageError(
                    "this file is not attached to any meeting",
                    "attach it with `minutes attach MEETING FILE`, or list it in a manifest",
                )
            job.meeting_id = rec.meeting_id
            return rec.meeting_id
        day = parse_date(e.date or "", "the manifest's date")  # none: the usual one-line error
        meeting = s.exec(select(Meeting).where(Meeting.title == e.title, Meeting.date == day)).first()
        if meeting is None:
            meeting = create_meeting(s, e.title, day, e.participants, actor=actor)
            if e.consent_evidence:
                for p in e.participants:  # "Name[:role]" read as create_meeting reads it (the last colon)
                    ledger.give(
                        s,
                        stored_id(meeting),
                        parse_participant_spec(p)[0],
                        "all",
                        e.consent_method,
                        recorded_by=e.consent_by,
                        evidence_file=e.consent_evidence,
                        files_dir=files_dir,
                    )
        job.meeting_id = stored_id(meeting)
        return job.meeting_id


def run_batch(
    db: Database,
    engines: Engines,
    source: Path,
    resume: bool = False,
    reporter_for: Callable[[str], Reporter] | None = None,
    on_job: Callable[[JobOutcome, int, int], None] | None = None,
    workers: int = 1,
) -> BatchSummary:
    """Process every job of the batch; a failure is recorded on its job and the batch goes on.

    With `workers` > 1, that many processes each load the models once and take jobs in turn; each gets an
    equal share of the CPU threads. They die with the parent, so a killed batch leaves no process behind.
    """
    entries = read_source(source)
    name = batch_name(source)
    job_ids = prepare_jobs(db, name, entries, resume)
    outcomes: list[JobOutcome] = []

    def collect(outcome: JobOutcome) -> None:
        outcomes.append(outcome)
        if on_job:
            on_job(outcome, len(outcomes), len(entries))

    if workers <= 1:
        for job_id, e in zip(job_ids, entries, strict=True):
            collect(_run_job(db, engines, job_id, e, reporter_for))
        return BatchSummary(name, outcomes)
    threads = max(1, (os.cpu_count() or 1) // workers)
    options = replace(engines.options, threads=threads)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_init, initargs=(engines.settings, options)
    ) as pool:
        futures = [pool.submit(_worker_job, job_id, e) for job_id, e in zip(job_ids, entries, strict=True)]
        for future in as_completed(futures):
            collect(future.result())
    order = {job_id: i for i, job_id in enumerate(job_ids)}
    return BatchSummary(name, sorted(outcomes, key=lambda o: order[o.job_id]))


_WORKER: tuple[Database, Engines] | None = None


def _worker_init(settings: Settings, options: Options) -> None:
    """In each worker process: die with the parent, open the database, prepare models (loaded on first use)."""
    global _WORKER
    _die_with_parent()
    setup_logging(settings.log_dir)
    _WORKER = (Database.open(settings, migrate=False), Engines(settings, options))


def _worker_job(job_id: int, e: BatchEntry) -> JobOutcome:
    assert _WORKER is not None, "the pool's initializer sets it in every worker"
    db, engines = _WORKER
    return _run_job(db, engines, job_id, e, lambda name: PlainReporter(prefix=f"{name}: "))


def _die_with_parent() -> None:
    """Linux: ask the kernel to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _run_job(
    db: Database, engines: Engines, job_id: int, e: BatchEntry, reporter_for: Callable[[str], Reporter] | None
) -> JobOutcome:
    with db.session() as s:
        job = s.get_one(Job, job_id)
        if job.status == "done":
            return JobOutcome(job_id, e.source, "done", job.meeting_id, None, "done before")
        job.status, job.attempts, job.reason, job.updated_at = "running", job.attempts + 1, None, utcnow()
    meeting_id, draft_id, seconds = None, None, 0.0
    try:
        if e.problem:
            raise UsageError(e.problem)
        meeting_id = meeting_for(db, job_id, e, engines.options.actor, engines.settings.files_dir)
        inner = reporter_for(Path(e.source).name) if reporter_for else QuietReporter()
        result = process(db, engines, meeting_id, e.source, _JobReporter(inner, db, job_id))
        draft_id, seconds = result.draft_id, result.audio_seconds
        status, reason = ("blocked", result.blocked) if result.blocked else ("done", None)
    except (MinutesError, ConsentError) as exc:
        status, reason = "failed", str(exc)
    except Exception as exc:  # one bad file must not stop the batch
        LOG.exception("job %s failed", job_id)
        status, reason = "failed", f"internal error ({type(exc).__name__})"
    _set_job(db, job_id, status=status, reason=reason, meeting_id=meeting_id)
    LOG.info("batch job %s %s", job_id, status)
    return JobOutcome(job_id, e.source, status, meeting_id, draft_id, reason, seconds)


class _JobReporter:
    """Passes progress on, and records the stage a job is in on its Job row (for `minutes batch` summaries)."""

    def __init__(self, inner: Reporter, db: Database, job_id: int):
        self.inner, self.db, self.job_id = inner, db, job_id

    def start(self, stage: str, total: float | None = None) -> None:
        _set_job(self.db, self.job_id, stage=stage)
        self.inner.start(stage, total)

    def update(self, done: float, total: float | None = None, unit: str | None = None) -> None:
        self.inner.update(done, total, unit)

    def finish(self, status: str, detail: str = "") -> None:
        self.inner.finish(status, detail)

    def note(self, text: str) -> None:
        self.inner.note(text)


def sweep_temp_files(files_dir: Path) -> list[Path]:
    """Remove temporary files left by a killed process: this machine's once their writer's pid is gone,
    another machine's once untouched for as long as a run lease (`runlock.LEASE`)."""
    return sweep_temps(files_dir, runlock.LEASE.total_seconds())

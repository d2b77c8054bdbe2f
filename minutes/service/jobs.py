"""Recordings and their processing: the upload check, the job queue the worker takes from, and live progress.

An upload is checked before anything is stored: its size (`MAX_UPLOAD_BYTES`), its suffix (the audio suffixes
batch accepts) and its first bytes (a known audio or video container). It is written under a random name in
the store (the uploaded name never becomes a path) and queued as a Job row (batch `web`), the same records
`minutes batch` keeps. Processing runs only in the worker process (`minutes.service.worker`), or on the
distributed queue when the deployment runs one (`minutes.service.queue.submit_upload`), never in a request.
Once the recording is stored in the meeting's folder, the upload copy is deleted.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select

from minutes.db import Draft, Job, Recording, StageRun, utcnow
from minutes.db.audit import append_event
from minutes.errors import StateError, UsageError
from minutes.records.retention import audio_path
from minutes.run.batch import AUDIO_SUFFIXES
from minutes.service.context import Ctx
from minutes.service.meetings import require_meeting

WEB_BATCH = "web"  # uploads the web app's own worker runs
QUEUED_WEB_BATCH = "web-queue"  # uploads on the distributed queue (minutes.service.queue)
MAX_UPLOAD_BYTES = 2 * 1024**3
STAGES = ("record", "transcribe", "diarise", "summarise")
STAGE_LABELS = {
    "record": "Store the recording",
    "transcribe": "Transcribe speech",
    "diarise": "Recognise who spoke",
    "summarise": "Draft the minutes (AI)",
}
_MAGIC = (
    (0, b"RIFF"),
    (0, b"fLaC"),
    (0, b"OggS"),
    (0, b"ID3"),
    (0, b"\xff\xfb"),
    (0, b"\xff\xf3"),
    (0, b"\xff\xf2"),
    (0, b"\xff\xf1"),
    (0, b"\xff\xf9"),
    (4, b"ftyp"),
    (0, b"\x1a\x45\xdf\xa3"),
    (0, b"\x30\x26\xb2\x75"),
)


@dataclass(frozen=True)
class StageView:
    stage: str
    label: str
    state: str  # waiting, running, done, blocked, failed
    progress: float | None  # 0..1 while running, when known
    step: str | None = None  # what the running stage is counting ("part 3 of 7")
    left: float | None = None  # seconds left in that count, estimated from the pace measured so far


@dataclass(frozen=True)
class JobView:
    id: int
    status: str  # queued, running, done, blocked, failed
    reason: str | None
    requested_by: str | None
    updated_at: datetime
    stages: list[StageView]
    draft_id: int | None

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


def check_upload(filename: str, head: bytes, size: int | None) -> str:
    """The suffix to store the upload under, or UsageError saying what is wrong with it."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        raise UsageError(
            f"not an audio file we can read ({suffix or 'no extension'})",
            "use " + ", ".join(sorted(s.lstrip(".") for s in AUDIO_SUFFIXES)),
        )
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UsageError(f"the file is too large (at most {MAX_UPLOAD_BYTES // 1024**3} GB)")
    if not any(head[at : at + len(magic)] == magic for at, magic in _MAGIC):
        raise UsageError(f"the file does not look like audio (its contents are not {suffix.lstrip('.')})")
    return suffix


def store_upload(ctx: Ctx, meeting_id: int, filename: str, chunks: Iterator[bytes], actor: str) -> int:
    """Check and store an upload, and queue it for the web app's worker; returns the job id. Nothing is kept
    on error."""
    path = receive_upload(ctx, meeting_id, filename, chunks)
    try:
        return record_upload(ctx, meeting_id, path, actor, WEB_BATCH)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def receive_upload(ctx: Ctx, meeting_id: int, filename: str, chunks: Iterator[bytes]) -> Path:
    """Check an upload and write it under a random name in the store; returns its path (nothing on error).
    A meeting has one recording: a second upload is refused (the command line replaces or adds parts)."""
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        if _active_job(s, meeting_id) is not None:
            raise StateError("this meeting's recording is already being processed")
        if s.exec(select(Recording.id).where(Recording.meeting_id == meeting_id)).first() is not None:
            raise StateError(
                "this meeting already has a recording; check it is the right meeting",
                "to replace the recording or add a part, use `minutes process MEETING FILE --replace` "
                "or `--add-part`",
            )
    first = next(chunks, b"")
    suffix = check_upload(filename, first, None)
    folder = ctx.settings.files_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{secrets.token_hex(16)}{suffix}"
    size = 0
    try:
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
            for chunk in (first, *chunks):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    check_upload(filename, first, size)
                fh.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def record_upload(ctx: Ctx, meeting_id: int, path: Path, actor: str, batch: str) -> int:
    """The Job row for a stored upload (queued), audited; returns its id."""
    with ctx.tx() as s:
        job = Job(batch=batch, source=str(path), meeting_id=meeting_id, requested_by=actor)
        s.add(job)
        s.flush()
        append_event(
            s, "recording.upload", actor, meeting_id, subject={"job": job.id, "bytes": path.stat().st_size}
        )
        return job.id


def resume(ctx: Ctx, meeting_id: int, actor: str) -> int:
    """Queue the meeting's stopped job again (after consent was given, or a failure was fixed)."""
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        if _active_job(s, meeting_id) is not None:
            raise StateError("this meeting's recording is already being processed")
        job = _latest_job(s, meeting_id)
        if job is None or job.status not in ("blocked", "failed"):
            raise StateError("there is no stopped processing to resume", "upload a recording first")
        job.status, job.reason, job.progress, job.updated_at = "queued", None, None, utcnow()
        s.add(job)
        append_event(s, "job.resume", actor, meeting_id, subject={"job": job.id})
        return job.id


def _latest_job(s, meeting_id: int) -> Job | None:
    return s.exec(select(Job).where(Job.meeting_id == meeting_id).order_by(Job.id.desc())).first()


def _active_job(s, meeting_id: int) -> Job | None:
    return s.exec(
        select(Job).where(Job.meeting_id == meeting_id, Job.status.in_(("queued", "running")))
    ).first()


def progress(ctx: Ctx, meeting_id: int) -> JobView | None:
    """The meeting's latest job, with the state of each stage (from its StageRun rows) and the running stage's
    progress."""
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        job = _latest_job(s, meeting_id)
        if job is None:
            return None
        runs = {
            r.stage: r.status
            for r in s.exec(
                select(StageRun).where(StageRun.meeting_id == meeting_id).order_by(StageRun.id)
            ).all()
        }
        draft = s.exec(
            select(Draft.id).where(Draft.meeting_id == meeting_id).order_by(Draft.id.desc())
        ).first()
    stages = []
    for stage in STAGES:
        state = {"started": "running", "done": "done", "blocked": "blocked", "failed": "failed"}.get(
            runs.get(stage, ""), "waiting"
        )
        if state == "running" and job.status != "running":
            state = "failed" if job.status == "failed" else "waiting"
        running = state == "running" and job.stage == stage
        left = None
        if running and job.remaining_s is not None:  # counted down since the worker wrote it
            written = job.updated_at if job.updated_at.tzinfo else job.updated_at.replace(tzinfo=UTC)
            left = max(job.remaining_s - (utcnow() - written).total_seconds(), 0.0)
        stages.append(
            StageView(
                stage,
                STAGE_LABELS[stage],
                state,
                job.progress if running else None,
                job.step if running else None,
                left,
            )
        )
    return JobView(job.id, job.status, job.reason, job.requested_by, job.updated_at, stages, draft)


def last_pace(ctx: Ctx) -> dict[str, float]:
    """The pace (seconds per step, by stage and unit) the latest job that measured one found on this store's
    workers: a new job's first estimate, before it has measured its own."""
    with ctx.tx() as s:
        rows = s.exec(select(Job.pace).where(Job.status == "done").order_by(Job.updated_at.desc()).limit(20))
        return next((dict(p) for p in rows if p), {})


@dataclass(frozen=True)
class Speed:
    """How long processing took on this machine, as a multiple of the recording's length."""

    ratio: float  # processing seconds per second of recording (median of the recent runs)
    runs: int


def measured_speed(ctx: Ctx, recent: int = 5) -> Speed | None:
    """From the stage runs of the latest recordings processed to a draft here: what an upload page can promise."""
    with ctx.tx() as s:
        done = s.exec(
            select(StageRun.recording_id)
            .where(
                StageRun.stage == "summarise", StageRun.status == "done", StageRun.recording_id.is_not(None)
            )
            .order_by(StageRun.id.desc())
            .limit(recent)
        ).all()
        ratios = []
        for rec_id in dict.fromkeys(done):
            rec = s.get(Recording, rec_id)
            runs = s.exec(
                select(StageRun).where(StageRun.recording_id == rec_id, StageRun.status == "done")
            ).all()
            took = sum((r.finished_at - r.started_at).total_seconds() for r in runs if r.finished_at)
            if rec and rec.duration > 0 and took > 0:
                ratios.append(took / rec.duration)
    if not ratios:
        return None
    ratios.sort()
    return Speed(ratios[len(ratios) // 2], len(ratios))


# -- used by the worker process only ------------------------------------------------------------------------


def claim_next(ctx: Ctx) -> Job | None:
    """Take the oldest queued web job (queued -> running), or None."""
    with ctx.tx() as s:
        job = s.exec(
            select(Job).where(Job.batch == WEB_BATCH, Job.status == "queued").order_by(Job.id)
        ).first()
        if job is None:
            return None
        claimed = s.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == "queued")
            .values(
                status="running", attempts=Job.attempts + 1, reason=None, progress=None, updated_at=utcnow()
            )
        )
        return s.get(Job, job.id) if claimed.rowcount else None


def requeue_interrupted(ctx: Ctx) -> int:
    """Web jobs left `running` by a worker that died go back to the queue (the pipeline resumes them)."""
    with ctx.tx() as s:
        return s.execute(
            update(Job)
            .where(Job.batch == WEB_BATCH, Job.status == "running")
            .values(status="queued", updated_at=utcnow())
        ).rowcount


def source_for(ctx: Ctx, job: Job) -> Path:
    """The audio to process: the upload, or once it is stored, the meeting's stored recording."""
    upload = Path(job.source)
    if upload.is_file():
        return upload
    with ctx.tx() as s:
        rec = s.exec(
            select(Recording).where(Recording.meeting_id == job.meeting_id).order_by(Recording.id.desc())
        ).first()
    if rec is None or rec.path is None:
        raise StateError("the uploaded recording is no longer available", "upload it again")
    return audio_path(ctx.settings, rec)


def set_job(ctx: Ctx, job_id: int, **values) -> None:
    with ctx.tx() as s:
        job = s.get(Job, job_id)
        for key, value in values.items():
            setattr(job, key, value)
        job.updated_at = utcnow()
        s.add(job)


def drop_upload(ctx: Ctx, job: Job) -> None:
    """Once the meeting's recording is stored, the upload copy goes (a withdrawal must not miss a copy)."""
    upload = Path(job.source)
    if upload.parent == ctx.settings.files_dir / "uploads":
        upload.unlink(missing_ok=True)

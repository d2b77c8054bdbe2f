"""Recordings and their processing: the upload check, the job queue the worker takes from, and live progress.

An upload is checked before anything is stored: the meeting's record gate (everyone present consents to
recording; checked before the body is read, and again as the job is recorded, so nothing is kept otherwise: see
minutes.records.held), its size (`MAX_UPLOAD_BYTES`), its suffix (the audio suffixes batch accepts) and its
first bytes (a known audio or video container). It is written under a random name in
the store (the uploaded name never becomes a path) and queued as a Job row (batch `web`), the same records
`minutes batch` keeps. Processing runs only in the worker process (`minutes.service.worker`), or on the
distributed queue when the deployment runs one (`minutes.service.queue.submit_upload`), never in a request.
Once the recording is stored in the meeting's folder, the upload copy is deleted.

A run started on the command line (`minutes process`) keeps a Job row of its own (batch `cli`,
`CommandLineJob`) up to date as it goes, so the web app shows the recording being processed and how far it is,
as for its own uploads. A stored recording with no job yet (`minutes attach`) can be processed from the web app
(`resume`).
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from minutes.consent import gate
from minutes.consent.meetings import lock_meeting
from minutes.core.progress import Pace
from minutes.db import DraftRow, Job, Recording, StageRun, utcnow
from minutes.db.audit import append_event
from minutes.db.ids import stored_id
from minutes.errors import MinutesError, StateError, UsageError
from minutes.records.retention import audio_path
from minutes.review import redraft as rules
from minutes.run.batch import AUDIO_SUFFIXES
from minutes.service.context import Ctx
from minutes.service.joblist import CLI_BATCH, current_status
from minutes.service.meetings import require_meeting

WEB_BATCH = "web"  # uploads the web app's own worker runs
REDRAFT_BATCH = "web-redraft"  # drafting again from the transcript, on the web app's own worker
OWN_BATCHES = (WEB_BATCH, REDRAFT_BATCH)  # what the web app's worker takes
REDRAFT_SOURCE = "redraft"  # a redraft's job has no audio file to name
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


@dataclass(frozen=True)
class RecordingView:
    """The meeting's stored recording, however it came (an upload, `minutes process` or `attach`)."""

    id: int
    name: str  # the file's name as it was given
    duration: float  # seconds
    stored_at: datetime
    audio_deleted_at: datetime | None  # retention or a withdrawal deleted the audio (the transcript may stay)


class JobReporter:
    """Writes the current stage, its progress, what it is counting and the time left (from the pace measured
    so far, or the last job's) to the job row, at most once a second; at the end of each stage, the pace it
    measured, for the next job's first estimate."""

    def __init__(
        self, ctx: Ctx, job_id: int, every: float = 1.0, clock: Callable[[], float] = time.monotonic
    ):
        self.ctx, self.job_id, self.every, self._last, self.clock = ctx, job_id, every, 0.0, clock
        self.pace = Pace(last_pace(ctx))
        self._stage = ""

    def start(self, stage: str, total: float | None = None) -> None:
        self._stage, self.pace = stage, Pace(self.pace.priors | self.pace.rates)
        set_job(self.ctx, self.job_id, stage=stage, progress=0.0, step=None, remaining_s=None)

    def update(self, done: float, total: float | None = None, unit: str | None = None) -> None:
        now = self.clock()
        key = self._key(unit)
        new_unit = key != self.pace.unit
        self.pace.update(done, total, key, now)
        if total and (new_unit or now - self._last >= self.every or done >= total):
            self._last = now
            left = self.pace.remaining(now)
            set_job(
                self.ctx,
                self.job_id,
                progress=round(min(done / total, 1.0), 3),
                step=f"{unit} {done:g} of {total:g}" if unit else None,
                remaining_s=None if left is None else round(left, 1),
            )

    def _key(self, unit: str | None) -> str:
        """Paces are kept per stage and unit: a second of audio transcribed is not a second diarised."""
        return f"{self._stage}:{unit or 'stage'}"

    def finish(self, status: str, detail: str = "") -> None:
        done = status == "done"
        set_job(
            self.ctx,
            self.job_id,
            progress=1.0 if done else None,
            remaining_s=None,
            **({"pace": self.pace.priors | self.pace.rates} if self.pace.rates else {}),
        )

    def note(self, text: str) -> None: ...


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


class NotConsented(StateError):
    """Not everyone present consents to recording the meeting: nothing of its recording may be kept."""


def require_record_consent(s, meeting_id: int) -> None:
    """NotConsented unless everyone present consents to recording the meeting now: an upload or an enqueue is
    refused before anything of the recording is kept."""
    decision = gate.check(s, meeting_id, "record")
    if not decision.allowed:
        who = ", ".join(
            f"{m.participant} ({m.state})" if m.participant_id else "nobody is listed as present"
            for m in decision.missing
        )
        raise NotConsented(
            f"not everyone present consents to recording meeting {meeting_id} ({who}); "
            "the recording was not kept",
            "record their consent (the meeting's consent page, or `minutes consent give`), then send it again",
        )


def check_uploadable(ctx: Ctx, meeting_id: int) -> None:
    """StateError unless the meeting may take an upload now: none being processed, no recording yet, everyone
    present consenting to recording. The web app asks before reading an upload's body; the upload asks again."""
    with ctx.tx() as s:
        _require_uploadable(s, meeting_id)


def _require_uploadable(s, meeting_id: int) -> None:
    require_meeting(s, meeting_id)
    if _active_job(s, meeting_id) is not None:
        raise StateError("this meeting's recording is already being processed")
    if s.exec(select(Recording.id).where(Recording.meeting_id == meeting_id)).first() is not None:
        raise StateError(
            "this meeting already has a recording; check it is the right meeting",
            "to replace the recording or add a part, use `minutes process MEETING FILE --replace` "
            "or `--add-part`",
        )
    require_record_consent(s, meeting_id)


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
    check_uploadable(ctx, meeting_id)
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
    """The Job row for a stored upload (queued), audited; returns its id. The record gate is checked again under
    the meeting's lock: consent refused while the file arrived leaves nothing (the caller deletes the file)."""
    with ctx.tx() as s:
        lock_meeting(s, meeting_id)
        require_record_consent(s, meeting_id)
        job = Job(batch=batch, source=str(path), meeting_id=meeting_id, requested_by=actor)
        s.add(job)
        s.flush()
        append_event(
            s, "recording.upload", actor, meeting_id, subject={"job": job.id, "bytes": path.stat().st_size}
        )
        return stored_id(job)


def resume(ctx: Ctx, meeting_id: int, actor: str) -> int:
    """Queue the meeting's stopped job again (after consent was given, or a failure was fixed). A run from the
    command line that stopped is taken over by the web app's worker; a recording stored with no job yet
    (`minutes attach`) gets one."""
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        if _active_job(s, meeting_id) is not None:
            raise StateError("this meeting's recording is already being processed")
        job = _latest_job(s, meeting_id)
        rec = _latest_recording(s, meeting_id)
        if job is None and rec is not None and rec.path is not None:
            job = Job(batch=WEB_BATCH, source=str(audio_path(ctx.settings, rec)), meeting_id=meeting_id)
            job.requested_by = actor
        elif job is None or current_status(s, job)[0] not in ("blocked", "failed"):
            raise StateError("there is no stopped processing to resume", "upload a recording first")
        elif job.batch == CLI_BATCH and job.source == REDRAFT_SOURCE:  # the web app's worker takes over
            job.batch = REDRAFT_BATCH
        elif job.batch == CLI_BATCH:  # the web app's worker takes over, from the stored copy if there is one
            job.batch = WEB_BATCH
            job.source = str(audio_path(ctx.settings, rec)) if rec is not None and rec.path else job.source
        job.status, job.reason, job.progress, job.updated_at = "queued", None, None, utcnow()
        s.add(job)
        s.flush()
        append_event(s, "job.resume", actor, meeting_id, subject={"job": job.id})
        return stored_id(job)


class CommandLineJob:
    """The job row of a run started on the command line (batch `cli`), kept up to date as the web app's worker
    keeps its own, so the web app shows the recording being processed and how far it is. The row is made when
    the first stage starts: a run refused before that (a missing file, a meeting another run holds) leaves
    none."""

    def __init__(self, ctx: Ctx, meeting_id: int, source: str | Path, actor: str):
        self.ctx, self.meeting_id, self.source, self.actor = ctx, meeting_id, str(source), actor
        self.job_id: int | None = None
        self._progress: JobReporter | None = None

    def start(self, stage: str, total: float | None = None) -> None:
        if self.job_id is None:
            with self.ctx.tx() as s:
                job = Job(
                    batch=CLI_BATCH,
                    source=self.source,
                    meeting_id=self.meeting_id,
                    status="running",
                    attempts=1,
                    requested_by=self.actor,
                    worker=f"{socket.gethostname()}:{os.getpid()}",
                )
                s.add(job)
                s.flush()
                self.job_id = stored_id(job)
            self._progress = JobReporter(self.ctx, self.job_id)
        assert self._progress is not None  # made with the job row, above
        self._progress.start(stage, total)

    def update(self, done: float, total: float | None = None, unit: str | None = None) -> None:
        if self._progress is not None:
            self._progress.update(done, total, unit)

    def finish(self, status: str, detail: str = "") -> None:
        if self._progress is not None:
            self._progress.finish(status, detail)

    def note(self, text: str) -> None: ...

    def end(self, blocked: str | None = None, error: BaseException | None = None) -> None:
        """How the run ended: done, blocked by the consent gate (`blocked`: the gate's message) or failed."""
        if self.job_id is None:
            return
        if error is None:
            set_job(self.ctx, self.job_id, status="blocked" if blocked else "done", reason=blocked)
            return
        reason = (
            str(error)
            if isinstance(error, MinutesError)
            else "interrupted"
            if isinstance(error, KeyboardInterrupt | SystemExit)
            else f"internal error ({type(error).__name__}); see the log"
        )
        set_job(self.ctx, self.job_id, status="failed", reason=reason)


def queue_redraft(ctx: Ctx, meeting_id: int, actor: str) -> int:
    """Queue drafting the minutes again for the web app's worker (a request never runs a model); returns the
    job id. Refused at once (StateError) for approved or released minutes, with no draft yet, or while the
    meeting is being processed."""
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        if _active_job(s, meeting_id) is not None:
            raise StateError("this meeting's recording is already being processed")
        if rules.check(s, meeting_id) is None:
            raise StateError("there is no draft to draft again yet", "process the recording first")
        job = Job(batch=REDRAFT_BATCH, source=REDRAFT_SOURCE, meeting_id=meeting_id, requested_by=actor)
        s.add(job)
        s.flush()
        append_event(s, "job.redraft", actor, meeting_id, subject={"job": job.id})
        return stored_id(job)


def _latest_recording(s, meeting_id: int) -> Recording | None:
    return s.exec(
        select(Recording).where(Recording.meeting_id == meeting_id).order_by(col(Recording.id).desc())
    ).first()


def recording(ctx: Ctx, meeting_id: int) -> RecordingView | None:
    """The meeting's latest stored recording, or None."""
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        rec = _latest_recording(s, meeting_id)
    if rec is None:
        return None
    return RecordingView(
        stored_id(rec), rec.original_name, rec.duration, rec.created_at, rec.audio_deleted_at
    )


def _latest_job(s, meeting_id: int) -> Job | None:
    return s.exec(select(Job).where(Job.meeting_id == meeting_id).order_by(col(Job.id).desc())).first()


def _active_job(s, meeting_id: int) -> Job | None:
    return s.exec(
        select(Job).where(Job.meeting_id == meeting_id, col(Job.status).in_(("queued", "running")))
    ).first()


def progress(ctx: Ctx, meeting_id: int) -> JobView | None:
    """The meeting's latest job, with the state of each stage (from its StageRun rows) and the running stage's
    progress."""
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        job = _latest_job(s, meeting_id)
        if job is None:
            return None
        status, reason = current_status(s, job)
        runs = {
            r.stage: r.status
            for r in s.exec(
                select(StageRun).where(StageRun.meeting_id == meeting_id).order_by(col(StageRun.id))
            ).all()
        }
        draft = s.exec(
            select(DraftRow.id).where(DraftRow.meeting_id == meeting_id).order_by(col(DraftRow.id).desc())
        ).first()
    stages = []
    for stage in STAGES:
        state = {"started": "running", "done": "done", "blocked": "blocked", "failed": "failed"}.get(
            runs.get(stage, ""), "waiting"
        )
        if state == "running" and status != "running":
            state = "failed" if status == "failed" else "waiting"
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
    return JobView(stored_id(job), status, reason, job.requested_by, job.updated_at, stages, draft)


def last_pace(ctx: Ctx) -> dict[str, float]:
    """The pace (seconds per step, by stage and unit) the latest job that measured one found on this store's
    workers: a new job's first estimate, before it has measured its own."""
    with ctx.tx() as s:
        rows = s.exec(
            select(Job.pace).where(Job.status == "done").order_by(col(Job.updated_at).desc()).limit(20)
        )
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
                StageRun.stage == "summarise",
                StageRun.status == "done",
                col(StageRun.recording_id).is_not(None),
            )
            .order_by(col(StageRun.id).desc())
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
            select(Job).where(col(Job.batch).in_(OWN_BATCHES), Job.status == "queued").order_by(col(Job.id))
        ).first()
        if job is None:
            return None
        claimed = s.exec(
            update(Job)
            .where(col(Job.id) == job.id, col(Job.status) == "queued")
            .values(
                status="running",
                attempts=col(Job.attempts) + 1,
                reason=None,
                progress=None,
                updated_at=utcnow(),
            )
        )
        return s.get(Job, job.id) if claimed.rowcount else None


def requeue_interrupted(ctx: Ctx) -> int:
    """Web jobs left `running` by a worker that died go back to the queue (the pipeline resumes them)."""
    with ctx.tx() as s:
        return s.exec(
            update(Job)
            .where(col(Job.batch).in_(OWN_BATCHES), col(Job.status) == "running")
            .values(status="queued", updated_at=utcnow())
        ).rowcount


def source_for(ctx: Ctx, job: Job) -> Path:
    """The audio to process: the upload, or once it is stored, the meeting's stored recording."""
    upload = Path(job.source)
    if upload.is_file():
        return upload
    with ctx.tx() as s:
        rec = _latest_recording(s, job.meeting_id) if job.meeting_id is not None else None
    if rec is None or rec.path is None:
        raise StateError("the uploaded recording is no longer available", "upload it again")
    return audio_path(ctx.settings, rec)


def set_job(ctx: Ctx, job_id: int, **values) -> None:
    with ctx.tx() as s:
        job = s.get_one(Job, job_id)
        for key, value in values.items():
            setattr(job, key, value)
        job.updated_at = utcnow()
        s.add(job)


def drop_upload(ctx: Ctx, job: Job) -> None:
    """Once the meeting's recording is stored, the upload copy goes (a withdrawal must not miss a copy)."""
    upload = Path(job.source)
    if upload.parent == ctx.settings.files_dir / "uploads":
        upload.unlink(missing_ok=True)

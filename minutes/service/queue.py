"""Processing on several machines: procrastinate jobs on the PostgreSQL database, one `Job` row each.

Why procrastinate: the database the trust already runs is the broker. Workers take jobs with
`SELECT ... FOR UPDATE SKIP LOCKED`, so no second server (Redis, RabbitMQ) has to be installed, secured and
backed up, as Celery or Dramatiq would need; a job's `lock` keeps two jobs of one meeting from running at once and
its `queueing_lock` keeps it from being queued twice; workers send heartbeats, so a job whose worker died is found
(`get_stalled_jobs`) and retried.

Both paths share one job model and one set of stage functions: the `Job` and `StageRun` rows of minutes.db and
`minutes.run.pipeline.process`, whose consent gate runs at each stage start and commit, and whose run lease
(minutes.run.runlock) is a second guard against two runs of one meeting. procrastinate's own table says only
which job to run next; the `Job` row says what happened (state, stage, worker, reason), and `minutes jobs` reads it.

Files: `minutes batch --enqueue` copies each recording into the shared folder (`[store] shared`) under its
sha256 (`incoming/<sha256>.<ext>`), so every worker reads the same file and a second enqueue or a retry never
makes a second copy; the copy goes once the record stage has stored the recording (also named by its sha256).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select

from minutes.consent.errors import ConsentError
from minutes.core.config import Settings
from minutes.core.files import atomic_write
from minutes.core.logs import setup_logging
from minutes.core.store import Database, files_path
from minutes.db import Job, StageRun, utcnow
from minutes.engines.store import sha256_file
from minutes.errors import MinutesError, StateError, UsageError
from minutes.run import batch, runlock
from minutes.run.pipeline import Engines, Options, process
from minutes.service import jobs
from minutes.service.context import Ctx
from minutes.service.worker import JobReporter

LOG = logging.getLogger("minutes.queue")
TASK = "minutes.process_job"
BUSY_WAIT = 60  # seconds before a job whose meeting another live run holds is tried again
_SCHEMA_LOCK = 7_316_001  # pg_advisory_xact_lock key: one process applies procrastinate's schema


def _require_postgres(settings: Settings) -> str:
    url = make_url(settings.db_url)
    if url.get_backend_name() != "postgresql":
        raise UsageError(
            "the distributed queue needs a PostgreSQL database",
            'set db = "postgresql+psycopg://..." in config.toml or MINUTES_DB; on one machine use '
            "`minutes batch` without --enqueue",
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _require_shared(settings: Settings) -> None:
    """The queue needs PostgreSQL and a shared folder: a worker must read what the clerk's machine stored."""
    _require_postgres(settings)
    if settings.store.shared is None:
        raise UsageError(
            "the distributed queue needs a shared folder for recordings",
            'set [store] shared = "/path/every/worker/reaches" in config.toml',
        )


def make_app(settings: Settings):
    """The procrastinate app on the settings' database, with the one task registered."""
    import procrastinate

    conninfo = _require_postgres(settings)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=4)
    )
    app.task(
        name=TASK,
        queue=settings.queue.name,
        pass_context=True,
        retry=procrastinate.RetryStrategy(max_attempts=settings.queue.retries, wait=1)
        if settings.queue.retries
        else False,
    )(_task)
    return app


def ensure_schema(db: Database) -> None:
    """Create procrastinate's tables once (several workers may start together: an advisory lock serialises)."""
    from procrastinate.schema import SchemaManager

    with db.engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
            with conn.connection.dbapi_connection.cursor() as cur:  # no parameters: its '%' are literal
                cur.execute(SchemaManager.get_schema())


# -- enqueue -------------------------------------------------------------------------------------------------


@dataclass
class Enqueued:
    batch: str
    jobs: list[dict] = field(default_factory=list)  # job, meeting, source, status (queued, failed, done)


def _incoming(settings: Settings, source: Path) -> Path:
    """The recording's copy in the shared folder, named by its sha256 (written once; a retry reuses it)."""
    target = files_path(settings, "incoming", f"{sha256_file(source)}{source.suffix.lower()}")
    if not target.exists():
        try:
            atomic_write(target, source=source, overwrite=False)
        except FileExistsError:  # another enqueue wrote the same content meanwhile
            pass
    return target


def enqueue_batch(ctx: Ctx, source: Path, actor: str, resume: bool = False) -> Enqueued:
    """Register the manifest's meetings and consent, copy each recording to the shared folder and queue one
    job per recording. A row that cannot be processed is marked failed with its reason now."""
    settings = ctx.settings
    _require_shared(settings)
    ensure_schema(ctx.db)
    entries = batch.read_source(source)
    for e in entries:  # jobs name the shared copy: what workers read, and what a second enqueue matches
        if not e.problem and Path(e.source).is_file():
            try:
                e.source = str(_incoming(settings, Path(e.source)))
            except OSError as exc:
                e.problem = f"cannot copy {Path(e.source).name} to the shared folder ({exc.strerror})"
    name = batch.batch_name(source)
    job_ids = batch.prepare_jobs(ctx.db, name, entries, resume)
    app = make_app(settings)
    out = Enqueued(name)
    with app.open():
        for job_id, e in zip(job_ids, entries, strict=True):
            out.jobs.append(_enqueue_one(ctx, app, job_id, e, actor))
    return out


def _enqueue_one(ctx: Ctx, app, job_id: int, e: batch.Entry, actor: str) -> dict:
    from procrastinate.exceptions import AlreadyEnqueued

    with ctx.tx() as s:
        job = s.get(Job, job_id)
        if job.status in ("done", "running"):
            if job.status == "done":
                _drop_incoming(ctx.settings, job)  # copied again above, not needed
            return {"job": job_id, "meeting": job.meeting_id, "source": e.source, "status": job.status}
    try:
        if e.problem:
            raise UsageError(e.problem)
        meeting_id = batch.meeting_for(ctx.db, job_id, e, actor, ctx.settings.files_dir)
    except (MinutesError, ConsentError) as exc:
        jobs.set_job(ctx, job_id, status="failed", reason=str(exc))
        return {"job": job_id, "meeting": None, "source": e.source, "status": "failed", "reason": str(exc)}
    jobs.set_job(ctx, job_id, status="queued", reason=None, requested_by=actor)
    lock = f"meeting-{meeting_id}"
    try:
        app.configure_task(TASK, lock=lock, queueing_lock=lock).defer(job_id=job_id)
    except AlreadyEnqueued:  # this meeting has a job waiting already: it will do this work
        pass
    return {"job": job_id, "meeting": meeting_id, "source": e.source, "status": "queued"}


# -- the worker ----------------------------------------------------------------------------------------------


class _Worker:
    """What a worker process keeps between jobs: the database and, per thread, models loaded once."""

    def __init__(self, settings: Settings, name: str, options: Options):
        self.settings, self.name, self.options = settings, name, options
        self.ctx = Ctx.open(settings)
        self._local = threading.local()

    @property
    def engines(self) -> Engines:
        if getattr(self._local, "engines", None) is None:
            self._local.engines = Engines(self.settings, replace(self.options))
        return self._local.engines


_STATE: _Worker | None = None


def _task(context, job_id: int) -> str:
    """One queued job, in a worker: the same `process` as `minutes batch`, its outcome on the Job row.

    An error the user can act on (bad audio, no consent) ends the job `failed` at once: a retry would fail
    the same way. Any other error is retried up to `[queue] retries` times, then the job is `failed`."""
    worker = _STATE
    ctx = worker.ctx
    attempt = context.job.attempts + 1  # procrastinate counts the attempts before this one
    last = attempt > worker.settings.queue.retries
    with ctx.tx() as s:
        job = s.get(Job, job_id)
        if job is None:
            raise StateError(f"job {job_id} is not in this database")
        if job.status in ("done",):
            return job.status  # finished already (its result was committed before a crash of its worker)
        job.status, job.attempts, job.reason, job.worker = "running", job.attempts + 1, None, worker.name
        job.progress, job.updated_at = None, utcnow()
        meeting_id = job.meeting_id
        s.add(job)
    _sweep_meeting(worker.settings, meeting_id)
    try:
        source = jobs.source_for(ctx, job)
        options = worker.engines.options
        options.actor = job.requested_by or "worker"
        result = process(ctx.db, worker.engines, meeting_id, source, JobReporter(ctx, job_id))
        if result.recording_id is not None:
            _drop_incoming(worker.settings, job)
        status, reason = ("blocked", result.blocked) if result.blocked else ("done", None)
    except runlock.MeetingBusy:  # a run of this meeting is alive (e.g. a dead worker's lease on another host)
        _later(context.app, ctx, job_id, meeting_id)
        return "queued"
    except (MinutesError, ConsentError) as exc:
        status, reason = "failed", str(exc)
    except Exception as exc:
        LOG.exception("queued job %s failed (attempt %s)", job_id, attempt)
        if not last:
            jobs.set_job(ctx, job_id, status="queued", reason=f"retrying after {type(exc).__name__}")
            raise
        status, reason = "failed", f"internal error ({type(exc).__name__}) after {attempt} attempts"
    jobs.set_job(ctx, job_id, status=status, reason=reason)
    LOG.info("queued job %s %s on %s", job_id, status, worker.name)
    return status


def _later(app, ctx: Ctx, job_id: int, meeting_id: int) -> None:
    """Queue the job again in BUSY_WAIT seconds, as a new procrastinate job: waiting for a lease to lapse
    (up to runlock.LEASE) must not use up the retries meant for errors."""
    from procrastinate.exceptions import AlreadyEnqueued

    jobs.set_job(ctx, job_id, status="queued", reason="waiting for another run of this meeting")
    lock = f"meeting-{meeting_id}"
    try:
        app.configure_task(TASK, lock=lock, queueing_lock=lock, schedule_in={"seconds": BUSY_WAIT}).defer(
            job_id=job_id
        )
    except AlreadyEnqueued:  # a job for this meeting is queued already: it will do this work
        pass


def _sweep_meeting(settings: Settings, meeting_id: int) -> None:
    """Temporary files a dead worker left in this meeting's folder. Only this job writes there (the meeting's
    lock), so whatever is there is a leftover, whichever machine wrote it."""
    folder = settings.files_dir / "recordings" / str(meeting_id)
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp-*"):
            tmp.unlink(missing_ok=True)


def _drop_incoming(settings: Settings, job: Job) -> None:
    """The shared copy goes once the recording is stored (a withdrawal must not miss a copy)."""
    path = Path(job.source)
    if path.parent == settings.files_dir / "incoming":
        path.unlink(missing_ok=True)


def worker_name(name: str | None = None) -> str:
    return name or f"{socket.gethostname()}:{os.getpid()}"


def run_worker(
    settings: Settings,
    queue: str | None = None,
    concurrency: int = 1,
    name: str | None = None,
    options: Options | None = None,
) -> None:
    """Take jobs until stopped (SIGINT/SIGTERM finish the running job first). Models load once, on the
    first job, and stay loaded. Meanwhile jobs of workers that stopped sending heartbeats are retried."""
    global _STATE
    _require_shared(settings)
    os.umask(0o077)
    setup_logging(settings.log_dir)
    options = options or Options(device=settings.device)
    options.keep_models = True
    _STATE = _Worker(settings, worker_name(name), options)
    ensure_schema(_STATE.ctx.db)
    app = make_app(settings)
    LOG.info("worker %s started on queue %s", _STATE.name, queue or settings.queue.name)
    asyncio.run(_serve(app, settings, queue or settings.queue.name, concurrency))


async def _serve(app, settings: Settings, queue: str, concurrency: int) -> None:
    q = settings.queue
    async with app.open_async():
        watcher = asyncio.create_task(_retry_stalled(app, q.stalled_after_seconds))
        try:
            await app.run_worker_async(
                queues=[queue],
                concurrency=concurrency,
                name=_STATE.name,
                update_heartbeat_interval=q.heartbeat_seconds,
                stalled_worker_timeout=q.stalled_after_seconds,
                fetch_job_polling_interval=2.0,
            )
        finally:
            watcher.cancel()


async def _retry_stalled(app, after: float) -> None:
    """Every few seconds: a running job whose worker's heartbeat is older than `after` goes back to the
    queue. Two workers may both find the same job; should the second put it back after a third has taken it,
    the meeting's run lease still lets only one run store anything (the other gets MeetingBusy and waits)."""
    while True:
        await asyncio.sleep(max(1.0, after / 3))
        try:
            for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=after):
                LOG.warning("job %s: its worker stopped; retrying it", job.task_kwargs.get("job_id"))
                await app.job_manager.retry_job(job)
        except Exception:  # the watcher must outlive a dropped connection
            LOG.exception("stalled-job check failed")


# -- listing ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRow:
    id: int
    batch: str
    meeting_id: int | None
    status: str
    stage: str | None
    worker: str | None
    attempts: int
    reason: str | None
    updated_at: datetime
    stages: dict[str, float | None]  # stage -> seconds its last run took (None while running)

    def to_json(self) -> dict:
        out = dict(self.__dict__)
        out["updated_at"] = self.updated_at.isoformat()
        return out


def list_jobs(ctx: Ctx, batch_name: str | None = None) -> tuple[list[JobRow], dict[str, int]]:
    """Every job (newest last) with per-stage timings from its meeting's StageRun rows, and the queue depth
    per state from procrastinate (empty on SQLite, where there is no queue)."""
    with ctx.tx() as s:
        query = select(Job).order_by(Job.id)
        if batch_name:
            query = query.where(Job.batch == batch_name)
        rows = s.exec(query).all()
        meeting_ids = {j.meeting_id for j in rows if j.meeting_id}
        runs = (
            s.exec(select(StageRun).where(StageRun.meeting_id.in_(meeting_ids)).order_by(StageRun.id)).all()
            if meeting_ids
            else []
        )
        depth = _depth(s)
    timings: dict[int, dict[str, float | None]] = {}
    for r in runs:
        took = (r.finished_at - r.started_at).total_seconds() if r.finished_at else None
        timings.setdefault(r.meeting_id, {})[r.stage] = round(took, 2) if took is not None else None
    out = [
        JobRow(
            j.id,
            j.batch,
            j.meeting_id,
            j.status,
            j.stage,
            j.worker,
            j.attempts,
            j.reason,
            j.updated_at,
            timings.get(j.meeting_id, {}),
        )
        for j in rows
    ]
    return out, depth


def _depth(s) -> dict[str, int]:
    if s.get_bind().dialect.name != "postgresql":
        return {}
    if s.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
        return {}
    return {
        status: n
        for status, n in s.execute(
            text(
                "SELECT status::text, count(*) FROM procrastinate_jobs WHERE task_name = :t GROUP BY status"
            ),
            {"t": TASK},
        )
    }

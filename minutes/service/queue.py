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
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from minutes.consent.errors import ConsentError
from minutes.consent.gate import check
from minutes.consent.meetings import lock_meeting
from minutes.core.config import Settings
from minutes.core.files import atomic_write, sha256_file
from minutes.core.logs import setup_logging
from minutes.core.store import Database, files_path
from minutes.db import Job, utcnow
from minutes.errors import MinutesError, StateError, UsageError
from minutes.records.held import drop_held
from minutes.run import batch, runlock
from minutes.run.pipeline import Engines, Options, process
from minutes.service import jobs
from minutes.service.context import Ctx
from minutes.service.joblist import TASK

LOG = logging.getLogger("minutes.queue")
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
            raw = conn.connection.driver_connection  # psycopg's, the same as the DBAPI one
            assert raw is not None, "an open connection has its driver's"
            with raw.cursor() as cur:  # no parameters: its '%' are literal
                cur.execute(SchemaManager.get_schema())


# -- enqueue -------------------------------------------------------------------------------------------------


@dataclass
class Enqueued:
    batch: str
    jobs: list[dict] = field(
        default_factory=list
    )  # job, meeting, source, status (queued, blocked, failed, done)

    @property
    def exit_code(self) -> int:
        """As `minutes batch`'s: 0 when every job is queued (or done before), else partly (6) or none (7)."""
        ok = sum(j["status"] in ("queued", "running", "done") for j in self.jobs)
        return 0 if ok == len(self.jobs) else batch.EXIT_PARTIAL if ok else batch.EXIT_NONE_DONE


def _incoming(settings: Settings, source: Path, move: bool = False) -> Path:
    """The recording's copy in the shared folder, named by its sha256 (written once; a retry reuses it).
    `move`: `source` is a file of the shared folder already (a web upload), renamed rather than copied."""
    target = incoming_path(settings, source)
    if move and not target.exists():
        os.replace(source, target)
    elif not target.exists():
        try:
            atomic_write(target, source=source, overwrite=False)
        except FileExistsError:  # another enqueue wrote the same content meanwhile
            pass
    return target


def incoming_path(settings: Settings, source: Path) -> Path:
    """Where the recording's shared copy goes: named by its sha256, so every enqueue of it names the same."""
    return files_path(settings, "incoming", f"{sha256_file(source)}{source.suffix.lower()}")


def enqueue_batch(ctx: Ctx, source: Path, actor: str, resume: bool = False) -> Enqueued:
    """Register the manifest's meetings and consent, copy each recording to the shared folder once its meeting's
    record gate allows it, and queue one job per recording. A row that cannot be processed is marked failed
    with its reason now; one whose participants do not all consent to recording is blocked, nothing copied."""
    settings = ctx.settings
    _require_shared(settings)
    ensure_schema(ctx.db)
    entries = batch.read_source(source)
    originals: dict[int, Path] = {}
    for i, e in enumerate(
        entries
    ):  # jobs name the shared copy: what workers read, what a second enqueue matches
        if not e.problem and Path(e.source).is_file():
            try:
                originals[i], e.source = Path(e.source), str(incoming_path(settings, Path(e.source)))
            except OSError as exc:
                e.problem = f"cannot read {Path(e.source).name} ({exc.strerror})"
    name = batch.batch_name(source)
    job_ids = batch.prepare_jobs(ctx.db, name, entries, resume)
    app = make_app(settings)
    out = Enqueued(name)
    with app.open():
        for i, (job_id, e) in enumerate(zip(job_ids, entries, strict=True)):
            out.jobs.append(_enqueue_one(ctx, app, job_id, e, actor, originals.get(i)))
    return out


def _enqueue_one(ctx: Ctx, app, job_id: int, e: batch.BatchEntry, actor: str, original: Path | None) -> dict:
    with ctx.tx() as s:
        job = s.get_one(Job, job_id)
        if job.status in ("done", "running"):
            if job.status == "done":
                drop_incoming(ctx, job)  # not needed
            return {"job": job_id, "meeting": job.meeting_id, "source": e.source, "status": job.status}
    meeting_id = None
    try:
        if e.problem:
            raise UsageError(e.problem)
        meeting_id = batch.meeting_for(ctx.db, job_id, e, actor, ctx.settings.files_dir)
        if original is not None:
            _hold(ctx, meeting_id, original, Path(e.source))
    except (jobs.NotConsented, MinutesError, ConsentError) as exc:
        status = "blocked" if isinstance(exc, jobs.NotConsented) else "failed"
        jobs.set_job(ctx, job_id, status=status, reason=str(exc))
        return {
            "job": job_id,
            "meeting": meeting_id,
            "source": e.source,
            "status": status,
            "reason": str(exc),
        }
    jobs.set_job(ctx, job_id, status="queued", reason=None, requested_by=actor)
    _defer(app, job_id, meeting_id)
    return {"job": job_id, "meeting": meeting_id, "source": e.source, "status": "queued"}


def _hold(ctx: Ctx, meeting_id: int, original: Path, target: Path) -> None:
    """Copy a recording into the shared folder only while its meeting's record gate allows it: checked before
    the copy and again, under the meeting's lock, after it (a refusal meanwhile: the copy is deleted)."""
    with ctx.tx() as s:
        jobs.require_record_consent(s, meeting_id)
    if not target.exists():
        try:
            atomic_write(target, source=original, overwrite=False)
        except FileExistsError:  # another enqueue wrote the same content meanwhile
            pass
        except OSError as exc:
            raise UsageError(f"cannot copy {original.name} to the shared folder ({exc.strerror})") from None
    with ctx.tx() as s:
        lock_meeting(s, meeting_id)
        if not check(s, meeting_id, "record").allowed:
            drop_held(s, ctx.settings, meeting_id)
            jobs.require_record_consent(s, meeting_id)


def _defer(app, job_id: int, meeting_id: int, **schedule) -> None:
    """Put the job on the queue with its meeting's `lock` (one run at a time) and `queueing_lock` (queued
    once: should the meeting have a job waiting already, that one will do this work)."""
    from procrastinate.exceptions import AlreadyEnqueued

    lock = f"meeting-{meeting_id}"
    try:
        app.configure_task(TASK, lock=lock, queueing_lock=lock, **schedule).defer(job_id=job_id)
    except AlreadyEnqueued:
        pass


# -- web uploads -----------------------------------------------------------------------------------------------


def in_use(ctx: Ctx) -> bool:
    """Whether this deployment processes on the queue: a PostgreSQL database, a shared folder, and
    procrastinate's tables (created by the first `minutes worker` or `minutes batch --enqueue`). Otherwise
    the web app's own worker process runs uploads, as on a single laptop."""
    settings = ctx.settings
    if settings.store.shared is None or make_url(settings.db_url).get_backend_name() != "postgresql":
        return False
    with ctx.db.engine.connect() as conn:
        return conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None


def submit_upload(ctx: Ctx, meeting_id: int, filename: str, chunks: Iterator[bytes], actor: str) -> int:
    """Check and store a web upload and queue it; returns the job id. With the queue in use the recording
    moves to the shared folder under its sha256 and the job goes on the queue as `batch --enqueue`'s do."""
    if not in_use(ctx):
        return jobs.store_upload(ctx, meeting_id, filename, chunks, actor)
    upload = jobs.receive_upload(ctx, meeting_id, filename, chunks)
    try:
        shared = _incoming(ctx.settings, upload, move=True)
    finally:
        upload.unlink(missing_ok=True)
    try:
        job_id = jobs.record_upload(ctx, meeting_id, shared, actor, jobs.QUEUED_WEB_BATCH)
    except BaseException:
        with ctx.tx() as s:
            if not s.exec(select(Job.id).where(Job.source == str(shared))).first():
                shared.unlink(missing_ok=True)  # no other job was given the same bytes
        raise
    _defer_now(ctx, job_id, meeting_id)
    return job_id


def resume(ctx: Ctx, meeting_id: int, actor: str) -> int:
    """Queue the meeting's stopped job again; on the queue unless it is the web app's own worker's job."""
    job_id = jobs.resume(ctx, meeting_id, actor)
    with ctx.tx() as s:
        own = s.get_one(Job, job_id).batch in jobs.OWN_BATCHES
    if not own and in_use(ctx):
        _defer_now(ctx, job_id, meeting_id)
    return job_id


def _defer_now(ctx: Ctx, job_id: int, meeting_id: int) -> None:
    """Defer one job; should the database refuse, the job is marked failed (resumable) and the error raised."""
    try:
        app = make_app(ctx.settings)
        with app.open():
            _defer(app, job_id, meeting_id)
    except Exception as exc:
        jobs.set_job(ctx, job_id, status="failed", reason=f"could not be queued ({type(exc).__name__})")
        raise


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
    assert worker is not None, "run_worker sets it before the worker takes jobs"
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
        if meeting_id is None:
            raise StateError(f"job {job_id} has no meeting")  # it is queued with one
        s.add(job)
    batch.sweep_temp_files(worker.settings.files_dir / "recordings" / str(meeting_id))
    try:
        source = jobs.source_for(ctx, job)
        options = worker.engines.options
        options.actor = job.requested_by or "worker"
        result = process(ctx.db, worker.engines, meeting_id, source, jobs.JobReporter(ctx, job_id))
        if result.recording_id is not None:
            drop_incoming(ctx, job)
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
    jobs.set_job(ctx, job_id, status="queued", reason="waiting for another run of this meeting")
    _defer(app, job_id, meeting_id, schedule_in={"seconds": BUSY_WAIT})


def drop_incoming(ctx: Ctx, job: Job) -> None:
    """The shared copy goes once the recording is stored (a withdrawal must not miss a copy), unless another job
    still waiting or running was given the same file: two meetings can bring byte-identical recordings, and
    the copy is addressed by its sha256."""
    path = Path(job.source)
    if path.parent != ctx.settings.files_dir / "incoming":
        return
    with ctx.db.session() as s:
        waiting = s.exec(
            select(Job.id).where(
                Job.source == job.source, col(Job.id) != job.id, col(Job.status).in_(("queued", "running"))
            )
        ).first()
    if waiting is None:
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
    batch.sweep_temp_files(settings.files_dir)  # what workers or enqueues killed earlier left
    app = make_app(settings)
    LOG.info("worker %s started on queue %s", _STATE.name, queue or settings.queue.name)
    asyncio.run(_serve(app, settings, queue or settings.queue.name, concurrency))


async def _serve(app, settings: Settings, queue: str, concurrency: int) -> None:
    q = settings.queue
    assert _STATE is not None, "run_worker sets it first"
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
    queue, and the temporary files of writers that are gone are removed. Two workers may both find the same job; should the second put it back after a third has taken it,
    the meeting's run lease still lets only one run store anything (the other gets MeetingBusy and waits)."""
    assert _STATE is not None, "run_worker sets it first"
    while True:
        await asyncio.sleep(max(1.0, after / 3))
        try:
            stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=after)
            for job in stalled:
                LOG.warning("job %s: its worker stopped; retrying it", job.task_kwargs.get("job_id"))
                await app.job_manager.retry_job(job)
            if stalled:  # the dead worker's temporary files, wherever it was writing
                await asyncio.to_thread(batch.sweep_temp_files, _STATE.settings.files_dir)
        except Exception:  # the watcher must outlive a dropped connection
            LOG.exception("stalled-job check failed")

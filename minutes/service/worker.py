"""The processing worker: a separate process that takes queued web jobs and runs the pipeline on them.

`minutes serve` starts it (`start`); it dies with the server. Requests never run a model: they queue a Job and
the page polls its progress. The worker records the stage and its progress on the Job row as it goes, and ends
the job done, blocked (the consent gate stopped it: the message says who must consent to what) or failed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from multiprocessing.process import BaseProcess

from minutes.consent.errors import ConsentError
from minutes.core.config import Settings
from minutes.core.logs import setup_logging
from minutes.db import Job
from minutes.db.ids import stored_id
from minutes.errors import MinutesError, StateError
from minutes.run.batch import _die_with_parent
from minutes.service import jobs, processing
from minutes.service.context import Ctx
from minutes.service.processing import Options

LOG = logging.getLogger("minutes.worker")  # ids and states only


def run_job(ctx: Ctx, job: Job, options: Options | None = None) -> str:
    """Process one claimed job to its end; returns its final status. Errors end the job, never the worker."""
    options = options or Options(device=ctx.settings.device)
    options.actor = job.requested_by or "web"
    job_id, meeting_id = stored_id(job), job.meeting_id
    try:
        if meeting_id is None:
            raise StateError(f"job {job_id} names no meeting")
        reporter = jobs.JobReporter(ctx, job_id)
        if job.batch == jobs.REDRAFT_BATCH:
            result = processing.redraft(ctx, meeting_id, options, reporter, job_id=job_id)
        else:
            source = jobs.source_for(ctx, job)
            result = processing.process(ctx, meeting_id, source, options, reporter, job_id=job_id)
            if result.recording_id is not None:
                jobs.drop_upload(ctx, job)
        status, reason = ("blocked", result.blocked) if result.blocked else ("done", None)
    except (MinutesError, ConsentError) as exc:
        status, reason = "failed", str(exc)
    except Exception as exc:  # a bad file must not stop the worker
        LOG.exception("web job %s failed", job.id)
        status, reason = "failed", f"internal error ({type(exc).__name__}); see the log"
    jobs.set_job(ctx, job_id, status=status, reason=reason)
    LOG.info("web job %s %s", job.id, status)
    return status


def run_pending(ctx: Ctx, options: Options | None = None) -> int:
    """Run every queued job now (tests, and one pass of the loop); returns how many ran."""
    count = 0
    while (job := jobs.claim_next(ctx)) is not None:
        run_job(ctx, job, options)
        count += 1
    return count


def main(settings: Settings, poll: float = 1.0) -> None:
    """The worker process: owner-only files, die with the parent, then take jobs until killed."""
    os.umask(0o077)
    _die_with_parent()
    setup_logging(settings.log_dir)
    ctx = Ctx.open(settings)
    jobs.requeue_interrupted(ctx)
    LOG.info("worker started (pid %s)", os.getpid())
    while True:
        if not run_pending(ctx):
            time.sleep(poll)


def start(settings: Settings) -> BaseProcess:
    """Start the worker as a separate process (spawned: it shares no threads or sockets with the server)."""
    proc = multiprocessing.get_context("spawn").Process(
        target=main, args=(settings,), name="minutes-worker", daemon=True
    )
    proc.start()
    return proc

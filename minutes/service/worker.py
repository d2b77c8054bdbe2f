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
from collections.abc import Callable
from multiprocessing.process import BaseProcess

from minutes.consent.errors import ConsentError
from minutes.core.config import Settings
from minutes.core.logs import setup_logging
from minutes.core.progress import Pace
from minutes.db import Job
from minutes.errors import MinutesError
from minutes.run.batch import _die_with_parent
from minutes.service import jobs, processing
from minutes.service.context import Ctx
from minutes.service.processing import Options

LOG = logging.getLogger("minutes.worker")  # ids and states only


class JobReporter:
    """Writes the current stage, its progress, what it is counting and the time left (from the pace measured
    so far, or the last job's) to the job row, at most once a second; at the end of each stage, the pace it
    measured, for the next job's first estimate."""

    def __init__(
        self, ctx: Ctx, job_id: int, every: float = 1.0, clock: Callable[[], float] = time.monotonic
    ):
        self.ctx, self.job_id, self.every, self._last, self.clock = ctx, job_id, every, 0.0, clock
        self.pace = Pace(jobs.last_pace(ctx))
        self._stage = ""

    def start(self, stage: str, total: float | None = None) -> None:
        self._stage, self.pace = stage, Pace(self.pace.priors | self.pace.rates)
        jobs.set_job(self.ctx, self.job_id, stage=stage, progress=0.0, step=None, remaining_s=None)

    def update(self, done: float, total: float | None = None, unit: str | None = None) -> None:
        now = self.clock()
        key = self._key(unit)
        new_unit = key != self.pace.unit
        self.pace.update(done, total, key, now)
        if total and (new_unit or now - self._last >= self.every or done >= total):
            self._last = now
            left = self.pace.remaining(now)
            jobs.set_job(
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
        jobs.set_job(
            self.ctx,
            self.job_id,
            progress=1.0 if done else None,
            remaining_s=None,
            **({"pace": self.pace.priors | self.pace.rates} if self.pace.rates else {}),
        )

    def note(self, text: str) -> None: ...


def run_job(ctx: Ctx, job: Job, options: Options | None = None) -> str:
    """Process one claimed job to its end; returns its final status. Errors end the job, never the worker."""
    options = options or Options(device=ctx.settings.device)
    options.actor = job.requested_by or "web"
    try:
        source = jobs.source_for(ctx, job)
        result = processing.process(ctx, job.meeting_id, source, options, JobReporter(ctx, job.id))
        if result.recording_id is not None:
            jobs.drop_upload(ctx, job)
        status, reason = ("blocked", result.blocked) if result.blocked else ("done", None)
    except (MinutesError, ConsentError) as exc:
        status, reason = "failed", str(exc)
    except Exception as exc:  # a bad file must not stop the worker
        LOG.exception("web job %s failed", job.id)
        status, reason = "failed", f"internal error ({type(exc).__name__}); see the log"
    jobs.set_job(ctx, job.id, status=status, reason=reason)
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

"""What `minutes jobs` and the web app's processing page show: each job's state, stage, worker, tries, reason
and seconds per stage, and the queue depth per state from procrastinate's table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import col, select

from minutes.db import Job, RunLock, StageRun
from minutes.db.ids import stored_id
from minutes.run.runlock import stale
from minutes.service.context import Ctx

TASK = "minutes.process_job"  # the procrastinate task every queued job runs (minutes.service.queue)
CLI_BATCH = "cli"  # `minutes process` runs on the command line (minutes.service.jobs.CommandLineJob)
GONE = "the command stopped before it finished (it was killed, or the computer restarted); run it again to resume"


def current_status(s, job: Job) -> tuple[str, str | None]:
    """A job's status and reason as they stand. A run on the command line (batch `cli`) whose process is gone
    without saying how it ended holds no live lease on its meeting: it is shown failed, not running forever.
    Other jobs have workers that requeue them (the web app's) or retry them (the distributed queue's)."""
    if job.batch == CLI_BATCH and job.status == "running":
        lease = s.get(RunLock, job.meeting_id) if job.meeting_id is not None else None
        if lease is None or stale(lease):
            return "failed", GONE
    return job.status, job.reason


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


def list_jobs(
    ctx: Ctx, batch_name: str | None = None, meeting_id: int | None = None
) -> tuple[list[JobRow], dict[str, int]]:
    """Every job (newest last; of one batch or meeting) with per-stage timings from its meeting's StageRun
    rows, and the queue depth per state from procrastinate (empty on SQLite, where there is no queue)."""
    with ctx.tx() as s:
        query = select(Job).order_by(col(Job.id))
        if batch_name:
            query = query.where(Job.batch == batch_name)
        if meeting_id is not None:
            query = query.where(Job.meeting_id == meeting_id)
        rows = s.exec(query).all()
        meeting_ids = {j.meeting_id for j in rows if j.meeting_id}
        runs = (
            s.exec(
                select(StageRun).where(col(StageRun.meeting_id).in_(meeting_ids)).order_by(col(StageRun.id))
            ).all()
            if meeting_ids
            else []
        )
        depth = _depth(s)
        statuses = {j.id: current_status(s, j) for j in rows}
    timings: dict[int | None, dict[str, float | None]] = {}
    for r in runs:
        took = (r.finished_at - r.started_at).total_seconds() if r.finished_at else None
        timings.setdefault(r.meeting_id, {})[r.stage] = round(took, 2) if took is not None else None
    out = [
        JobRow(
            stored_id(j),
            j.batch,
            j.meeting_id,
            statuses[j.id][0],
            j.stage,
            j.worker,
            j.attempts,
            statuses[j.id][1],
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

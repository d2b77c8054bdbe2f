"""Processing bookkeeping: stage runs of a meeting, and batch jobs."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import CheckConstraint, Field, SQLModel

from minutes.db.base import utcnow


class StageRun(SQLModel, table=True):
    """A stage of processing for one recording. It is written as `started` in the same transaction as the
    consent gate's check, so a withdrawal that lands in between cannot slip through."""

    __tablename__ = "stage_run"
    __table_args__ = (
        CheckConstraint("status IN ('started', 'done', 'blocked', 'failed')", name="ck_stage_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    recording_id: int | None = Field(default=None, foreign_key="recording.id", index=True)
    stage: str
    status: str
    detail: str = ""
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class Job(SQLModel, table=True):
    """One recording of a batch. Status moves queued -> running -> done | blocked | failed."""

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'blocked', 'failed')", name="ck_job_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch: str = Field(index=True)
    source: str  # the file as given in the manifest or folder
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    status: str = Field(default="queued", index=True)
    stage: str | None = None
    reason: str | None = None
    attempts: int = 0
    progress: float | None = None  # 0..1 within the current stage, when the stage reports it
    step: str | None = None  # what the stage is counting, in words ("part 3 of 7", "second look 2 of 5")
    remaining_s: float | None = None  # the estimate of the time left in that count, when `updated_at` was set
    pace: dict = Field(  # seconds per step measured by this job, by unit (the next job's first estimates)
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    requested_by: str | None = (
        None  # who asked for it (the web app's signed-in user); the actor of its stages
    )
    worker: str | None = None  # the worker that last took it (`minutes worker`: its name, else host:pid)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RunLock(SQLModel, table=True):
    """The lease of the one `process` run allowed on a meeting at a time (see minutes.run.runlock). The holder
    renews `heartbeat_at` while it runs; a lease whose holder died (same host, pid gone) or went silent for
    longer than the lease is stale and may be taken over."""

    __tablename__ = "run_lock"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    token: str = Field(max_length=32)
    host: str
    pid: int
    actor: str
    acquired_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime = Field(default_factory=utcnow)

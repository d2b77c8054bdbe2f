"""Bodies (a committee, a department, a governing board) whose meetings form a series, and the matters-arising
log: what each meeting recorded about the open actions of the body's earlier released minutes."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import CheckConstraint, Field, SQLModel, UniqueConstraint

from minutes.db.base import utcnow

BODY_KINDS: tuple[str, ...] = ("committee", "department", "governing board")
ARISING: tuple[str, ...] = ("open", "done", "carried", "dropped")  # open: not yet decided by the meeting


class Body(SQLModel, table=True):
    """A body that meets; its meetings, by date, are its series. `name_key` as a Person's."""

    __table_args__ = (
        CheckConstraint("kind IN ('committee', 'department', 'governing board')", name="ck_body_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(min_length=1, max_length=200)
    name_key: str = Field(max_length=200, unique=True, index=True)
    kind: str = Field(default="committee", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class MatterArising(SQLModel, table=True):
    """One open action of an earlier released minute, as a later meeting of the body took it up.

    `action_id` is the action as released (its task, owner and due stay there, so a withdrawal that redacts the
    minutes it came from reaches this log too). `suggested` is what the draft read in this meeting's talk
    (status, P(yes), evidence lines), kept apart from the reviewer's `status` until they confirm it."""

    __tablename__ = "matter_arising"
    __table_args__ = (
        UniqueConstraint("meeting_id", "action_id", name="uq_matter_arising_action"),
        CheckConstraint("status IN ('open', 'done', 'carried', 'dropped')", name="ck_matter_arising_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    status: str = Field(default="open", max_length=10)
    due: str | None = Field(default=None, max_length=10)  # ISO date, when carried forward
    note: str | None = Field(default=None, max_length=1000)
    suggested: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None

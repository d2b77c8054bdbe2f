"""Drafts in the accuracy-check queue, their items and evidence, reviews, releases and exports.

A table whose concept also has a stage record (minutes.core.types) ends in Row and names its table as before."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import CheckConstraint, Field, SQLModel

from minutes.db.base import utcnow
from minutes.db.domain import ActionFields, DecisionFields, EvidenceFields, FlagFields, PointFields


class DraftStatus(StrEnum):
    PENDING = "pending"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    RELEASED = "released"


class ItemStatus(StrEnum):
    """What the grounding check (minutes.drafting.grounding) found for an item."""

    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"  # it could not find the item's evidence in the transcript


class Origin(StrEnum):
    """Who put an item in the draft."""

    AI = "ai"
    REVIEWER = "reviewer"  # added by hand: the reviewer vouches for it


class Resolution(StrEnum):
    """A reviewer's resolution of an item (None while it is open)."""

    KEPT = "kept"
    EDITED = "edited"
    REMOVED = "removed"
    PART2 = "part2"  # a sensitive flag minuted in the confidential part-2 record


class Grounded(SQLModel):
    """An item's grounding verdict, as the records between stages and the tables both hold it."""

    status: str = ItemStatus.SUPPORTED


class DraftRow(SQLModel, table=True):
    __tablename__ = "draft"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'in_review', 'approved', 'rejected', 'released')", name="ck_draft_status"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    transcript_id: int | None = Field(default=None, foreign_key="transcript.id", index=True)
    status: str = Field(default=DraftStatus.PENDING, index=True)
    summary: str = ""
    original: dict = Field(
        sa_column=Column(JSON, nullable=False)
    )  # the AI's draft as made (Draft JSON), for diff
    model: str
    notes: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # repairs, left-outs
    reject_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class _InDraft(SQLModel):
    draft_id: int = Field(foreign_key="draft.id", index=True)
    idx: int


class _Item(Grounded, _InDraft):  # columns: draft_id, idx, status, origin, resolution
    origin: str = Origin.AI
    resolution: str | None = None  # a Resolution; None while open


class DecisionRow(_Item, DecisionFields, table=True):
    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)


class ActionRow(_Item, ActionFields, table=True):
    __tablename__ = "action"

    id: int | None = Field(default=None, primary_key=True)


class FlagRow(_Item, FlagFields, table=True):
    __tablename__ = "flag"

    id: int | None = Field(default=None, primary_key=True)


class PointRow(_Item, PointFields, table=True):
    """A point of the discussion (minuted under its agenda item)."""

    __tablename__ = "point"

    id: int | None = Field(default=None, primary_key=True)


class ItemEvidence(EvidenceFields, table=True):
    """A quote an item rests on. Exactly one of decision/action/flag/point is set."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int | None = Field(default=None, foreign_key="decision.id", index=True)
    action_id: int | None = Field(default=None, foreign_key="action.id", index=True)
    flag_id: int | None = Field(default=None, foreign_key="flag.id", index=True)
    point_id: int | None = Field(default=None, foreign_key="point.id", index=True)


class Review(SQLModel, table=True):
    """One reviewer step: a state transition, an edit or the resolution of a flagged item."""

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    reviewer: str
    kind: str  # transition, edit, resolve, withdrawal
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    detail: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )  # item refs, ids; no text
    at: datetime = Field(default_factory=utcnow)


class Release(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    released_by: str
    released_at: datetime = Field(default_factory=utcnow)
    content_sha256: str = Field(max_length=64)
    reissue_of: int | None = Field(default=None, foreign_key="release.id")
    note: str | None = None


class Export(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    draft_id: int | None = Field(default=None, foreign_key="draft.id", index=True)
    kind: str  # minutes or transcript
    format: str
    path: str
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    invalidated_at: datetime | None = None

"""Consent records: append-only. A change of mind is a new row, never an update."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import CheckConstraint, Field, SQLModel

from minutes.db.base import utcnow


class Scope(StrEnum):
    RECORD = "record"
    TRANSCRIBE = "transcribe"
    DIARISE = "diarise"
    SUMMARISE = "summarise"


class ConsentRecord(SQLModel, table=True):
    """One consent event: given, refused or withdrawn, for one scope.

    Meeting consent names a participant; standing consent names a person, has a validity window, and applies to
    every meeting dated inside it.
    """

    __tablename__ = "consent_record"
    __table_args__ = (
        CheckConstraint("decision IN ('given', 'refused', 'withdrawn')", name="ck_consent_decision"),
        CheckConstraint("scope IN ('record', 'transcribe', 'diarise', 'summarise')", name="ck_consent_scope"),
        CheckConstraint("(participant_id IS NOT NULL) OR (person_id IS NOT NULL)", name="ck_consent_subject"),
        CheckConstraint("method IN ('verbal', 'written', 'form')", name="ck_consent_method"),
        CheckConstraint(
            "evidence_end IS NULL OR evidence_start IS NULL OR evidence_end > evidence_start",
            name="ck_consent_evidence_range",
        ),
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from", name="ck_consent_window"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    scope: str
    decision: str
    method: str = Field(max_length=20)  # verbal, written, form
    evidence_path: str | None = None  # a copy inside the store, relative to settings.files_dir
    evidence_sha256: str | None = Field(default=None, max_length=64)
    evidence_start: float | None = None  # seconds into the meeting's recording
    evidence_end: float | None = None
    valid_from: date | None = None  # standing consent only
    valid_until: date | None = None
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, index=True)

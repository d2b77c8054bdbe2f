"""SQLModel tables: the store's schema. No logic beyond validation, except the audit chain's hashing.

Import order matters only to SQLAlchemy's registry; importing this package registers every table.
"""

from minutes.db.audit import AuditEvent, AuditHead
from minutes.db.base import utcnow
from minutes.db.consent import ConsentRecord, Scope
from minutes.db.draft import (
    Action,
    Decision,
    Draft,
    DraftStatus,
    Export,
    Flag,
    ItemEvidence,
    ItemStatus,
    Origin,
    Point,
    Release,
    Resolution,
    Review,
)
from minutes.db.media import (
    LineCorrection,
    Recording,
    RecordingTurn,
    Segment,
    SpeakerLabel,
    Transcript,
    VoiceEnrolment,
    Word,
)
from minutes.db.meeting import AgendaItem, Meeting, Participant, Person
from minutes.db.ops import Job, RunLock, StageRun
from minutes.db.series import Body, MatterArising
from minutes.db.web import User, WebSession

__all__ = [
    "Action",
    "AgendaItem",
    "AuditEvent",
    "AuditHead",
    "Body",
    "ConsentRecord",
    "Decision",
    "Draft",
    "DraftStatus",
    "ItemEvidence",
    "Export",
    "Flag",
    "ItemStatus",
    "Job",
    "LineCorrection",
    "MatterArising",
    "Meeting",
    "Origin",
    "Participant",
    "Person",
    "Point",
    "Recording",
    "Release",
    "Resolution",
    "Review",
    "RunLock",
    "Scope",
    "Segment",
    "SpeakerLabel",
    "RecordingTurn",
    "StageRun",
    "Transcript",
    "User",
    "VoiceEnrolment",
    "WebSession",
    "Word",
    "utcnow",
]

"""SQLModel tables: the store's schema. No logic beyond validation, except the audit chain's hashing.

Import order matters only to SQLAlchemy's registry; importing this package registers every table.
"""

from minutes.db.audit import AuditEvent, AuditHead
from minutes.db.base import utcnow
from minutes.db.consent import ConsentRecord, Scope
from minutes.db.draft import (
    ActionRow,
    DecisionRow,
    DraftRow,
    DraftStatus,
    Export,
    FlagRow,
    ItemEvidence,
    ItemStatus,
    Origin,
    PointRow,
    Release,
    Resolution,
    Review,
)
from minutes.db.media import (
    LineCorrection,
    Recording,
    RecordingTurn,
    SegmentRow,
    SpeakerLabel,
    TranscriptRow,
    VoiceEnrolment,
    WordRow,
)
from minutes.db.meeting import AgendaItem, Meeting, Participant, Person
from minutes.db.ops import Job, RunLock, StageRun
from minutes.db.series import Body, MatterArising
from minutes.db.web import User, WebSession

__all__ = [
    "ActionRow",
    "AgendaItem",
    "AuditEvent",
    "AuditHead",
    "Body",
    "ConsentRecord",
    "DecisionRow",
    "DraftRow",
    "DraftStatus",
    "ItemEvidence",
    "Export",
    "FlagRow",
    "ItemStatus",
    "Job",
    "LineCorrection",
    "MatterArising",
    "Meeting",
    "Origin",
    "Participant",
    "Person",
    "PointRow",
    "Recording",
    "Release",
    "Resolution",
    "Review",
    "RunLock",
    "Scope",
    "SegmentRow",
    "SpeakerLabel",
    "RecordingTurn",
    "StageRun",
    "TranscriptRow",
    "User",
    "VoiceEnrolment",
    "WebSession",
    "WordRow",
    "utcnow",
]

"""SQLModel tables: the store's schema. No logic beyond validation, except the audit chain's hashing.

Import order matters only to SQLAlchemy's registry; importing this package registers every table.
"""

from models.audit import AuditEvent, AuditHead
from models.base import utcnow
from models.consent import ConsentRecord, Scope
from models.draft import Action, Decision, Draft, DraftStatus, Evidence, Export, Flag, Release, Review
from models.media import Recording, Segment, SpeakerLabel, SpeakerTurn, Transcript, VoiceEnrolment, Word
from models.meeting import Meeting, Participant, Person
from models.ops import Job, RunLock, StageRun
from models.web import User, WebSession

__all__ = [
    "Action", "AuditEvent", "AuditHead", "ConsentRecord", "Decision", "Draft", "DraftStatus", "Evidence",
    "Export", "Flag", "Job", "Meeting", "Participant", "Person", "Recording", "Release", "Review", "RunLock",
    "Scope", "Segment", "SpeakerLabel", "SpeakerTurn", "StageRun", "Transcript", "User", "VoiceEnrolment",
    "WebSession", "Word", "utcnow",
]

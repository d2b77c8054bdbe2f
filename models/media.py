"""Recordings and what is derived from them: transcripts, words, speaker turns, speaker names, voice enrolments.

A table whose concept also has a stage record (minutes.core.types) ends in Row and names its table as before."""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from minutes.db.base import utcnow
from minutes.db.domain import SegmentFields, SegmentLabels, TranscriptFields, WordFields


class Recording(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    path: str | None = None  # inside the store; None once the audio is deleted
    original_name: str
    sha256: str = Field(max_length=64, index=True)
    duration: float
    created_at: datetime = Field(default_factory=utcnow)
    audio_deleted_at: datetime | None = None


class TranscriptRow(TranscriptFields, table=True):
    __tablename__ = "transcript"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    recording_id: int = Field(foreign_key="recording.id", index=True)
    model: str
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None  # retention purge


class SegmentRow(SegmentLabels, SegmentFields, table=True):
    __tablename__ = "segment"
    __table_args__ = (UniqueConstraint("transcript_id", "idx", name="uq_segment_idx"),)

    id: int | None = Field(default=None, primary_key=True)
    transcript_id: int = Field(foreign_key="transcript.id", index=True)
    idx: int


class WordRow(WordFields, table=True):
    __tablename__ = "word"

    id: int | None = Field(default=None, primary_key=True)
    segment_id: int = Field(foreign_key="segment.id", index=True)
    idx: int


class RecordingTurn(SQLModel, table=True):
    __tablename__ = "speaker_turn"

    id: int | None = Field(default=None, primary_key=True)
    recording_id: int = Field(foreign_key="recording.id", index=True)
    start: float
    end: float
    speaker: str


class SpeakerLabel(SQLModel, table=True):
    """A diarisation cluster of one recording: its voice centroid and, once known, the participant it is.

    `talk_participant_id` is who the meeting's own words name it as (minutes.speech.talk), with the lines that
    say so in `talk_evidence` (JSON [[kind, start, end, by_start, by_end], ...]: times only, the words stay in
    the transcript); applied (`method` "talk") or waiting for the reviewer as a suggestion."""

    __tablename__ = "speaker_label"
    __table_args__ = (UniqueConstraint("recording_id", "label", name="uq_speaker_label"),)

    id: int | None = Field(default=None, primary_key=True)
    recording_id: int = Field(foreign_key="recording.id", index=True)
    label: str
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    method: str | None = None  # "enrolment", "talk" or "manual"
    similarity: float | None = None
    centroid: bytes | None = None  # float32 voice embedding; deleted on withdrawal
    talk_participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    talk_evidence: str | None = None


class VoiceEnrolment(SQLModel, table=True):
    """A participant's voice, embedded from the stretch of the recording where they consented aloud."""

    __tablename__ = "voice_enrolment"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    recording_id: int = Field(foreign_key="recording.id", index=True)
    start: float
    end: float
    embedding: bytes
    created_at: datetime = Field(default_factory=utcnow)


class LineCorrection(SQLModel, table=True):
    """A reviewer's correction of one transcript line (its words, its speaker or both). The line itself holds
    the corrected version; the words it had before are kept here for the audit (whose event holds only
    hashes). A withdrawal deletes it with the line, or redacts it as it redacts the line."""

    __tablename__ = "line_correction"

    id: int | None = Field(default=None, primary_key=True)
    transcript_id: int = Field(foreign_key="transcript.id", index=True)
    idx: int  # the line's SegmentRow.idx (no key to the segment: a withdrawal deletes lines, and these with them)
    draft_id: int | None = Field(default=None, foreign_key="draft.id", index=True)
    before_text: str
    after_text: str
    before_speaker: str | None = None  # diarisation labels (SPEAKER_00), as on the segment
    after_speaker: str | None = None
    corrected_by: str
    corrected_at: datetime = Field(default_factory=utcnow)

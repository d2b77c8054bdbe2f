"""The content fields of each domain concept, defined once.

The tables (minutes.db), the records passed between stages (minutes.core.types) and the reviewer's edit document
(minutes.review.edits) all inherit these, so a field added or retyped here changes every one of them together.
What only one of them has stays with it: row ids and foreign keys with the tables; evidence, words and segments
as nested lists with the records.
"""

from sqlmodel import SQLModel


class EvidenceFields(SQLModel):
    """A transcript passage an item rests on: where (seconds) and what was said."""

    start: float
    end: float
    quote: str


class DecisionFields(SQLModel):
    text: str
    # a motion as the meeting put it, each only when said (minutes.drafting.motions): participants' names and
    # the result ("carried unanimously", "fell, 2 for, 3 against, 1 abstention")
    proposer: str | None = None
    seconder: str | None = None
    vote: str | None = None
    agenda_item: int | None = (
        None  # the agenda item (1-based) a reviewer moved it to; None: where its evidence is
    )


class ActionFields(SQLModel):
    task: str
    owner: str | None = None
    due: str | None = None  # ISO date when resolved against the meeting date, else the phrase as spoken
    agenda_item: int | None = None  # as a decision's


class PointFields(SQLModel):
    """A point of the discussion under an agenda item: what was said, in a sentence, with its evidence."""

    text: str
    agenda_item: int | None = None  # as a decision's


class FlagFields(SQLModel):
    """Sensitive content for human-only handling, or a problem with the draft (extraction, language)."""

    kind: str  # safeguarding, send, health, staffing, concern, extraction, language
    reason: str


class WordFields(SQLModel):
    start: float
    end: float
    word: str
    probability: float = 1.0
    speaker: str | None = None


class SegmentFields(SQLModel):
    start: float
    end: float
    text: str


class TranscriptFields(SQLModel):
    language: str
    duration: float


class SegmentLabels(SQLModel):
    """Who speaks in a segment (a diarisation label, then a name) and whether someone talks over them."""

    speaker: str | None = None
    overlap: bool = False  # another speaker talks at the same time for part of it

"""The content fields of each domain concept, defined once.

The tables (minutes.db), the records passed between stages (minutes.core.types) and the reviewer's edit document
(minutes.review.edits) all inherit these, so a field added or retyped here changes every one of them together.
What only one of them has stays with it: row ids and foreign keys with the tables; evidence, words and segments
as nested lists with the records.
"""

from sqlmodel import SQLModel

# The most characters a reviewer may write in each field: in the edit document (`review edit`), `review resolve
# --edit`, `review add` and the review page's forms (their `maxlength`). Generous next to what the drafting model
# may write (DraftingParams.item_chars 160, point_chars 200, due_chars 40): a reviewer may word an item more fully.
# They keep a pasted page out of one field; what the machine drafted is not held to them.
REVIEWER_CHARS = {
    "text": 1000,  # a decision or a discussion point
    "task": 1000,  # an action
    "reason": 1000,  # why a flag was raised
    "kind": 40,  # a flag's kind (safeguarding, health...)
    "owner": 200,  # a name, as a participant's (at most 200) or someone outside the meeting
    "proposer": 200,
    "seconder": 200,
    "due": 200,  # a date or the phrase said ("by the end of the spring term")
    "vote": 200,  # a motion's result ("carried, 5 for, 2 against, 1 abstention")
    "summary": 10000,  # the minutes' summary, a paragraph per point at most
}


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

"""Typed records passed between pipeline stages, with the JSON shapes documented in the README.

Their content fields are the ones the tables have (minutes.db.domain); `model_dump(mode="json")` writes the
shapes below and `model_validate` reads them. They take positional arguments in field order, as the dataclasses
they replaced did.

Transcript JSON: {"language", "duration", "segments": [{"start", "end", "speaker", "text", "overlap",
"words": [{"start", "end", "word", "probability", "speaker"}]}]}
Draft JSON: {"decisions": [{"text", "proposer", "seconder", "vote", "agenda_item", "evidence", "status"}],
"actions": [{"task", "owner", "due", "agenda_item", "evidence", "status"}], "summary", "flags": [{"kind", "reason", "evidence"}], "notes": [...],
"points": [{"text", "agenda_item", "evidence", "status"}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field
from sqlmodel import SQLModel

from minutes.db.domain import (
    ActionFields,
    DecisionFields,
    EvidenceFields,
    FlagFields,
    PointFields,
    SegmentFields,
    SegmentLabels,
    TranscriptFields,
    WordFields,
)
from minutes.db.draft import Grounded

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 16000


@dataclass
class Audio:
    """A recording decoded once to 16 kHz mono float32; ASR and diarisation share it."""

    samples: np.ndarray
    sha256: str  # of the source file's bytes
    source: str = ""
    sample_rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def waveform_dict(self) -> dict[str, Any]:
        """The in-memory form pyannote.audio accepts (it cannot decode files itself on CPU torch here)."""
        import torch

        return {"waveform": torch.from_numpy(self.samples).unsqueeze(0), "sample_rate": self.sample_rate}


class _Record(SQLModel):
    """Positional arguments map to the fields in order (start, end, text ...), or to `positional` where a record
    sets it (fields added later are keyword-only, so existing calls keep their meaning)."""

    positional: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = type(self).positional or type(self).model_fields
        super().__init__(**dict(zip(names, args, strict=False)), **kwargs)


class Word(_Record, WordFields):
    pass


class _Words(SQLModel):
    words: list[Word] = Field(default_factory=list)


class Segment(_Record, SegmentLabels, _Words, SegmentFields):
    """Fields in the order start, end, text, words, speaker, overlap (pydantic orders bases last to first)."""


class Transcript(_Record, TranscriptFields):
    segments: list[Segment] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


class Evidence(_Record, EvidenceFields):
    pass


class _Evidenced(SQLModel):
    evidence: list[Evidence] = Field(default_factory=list)


# fields in the order the bases give them, last to first: the item's fields, evidence, status
class Decision(_Record, Grounded, _Evidenced, DecisionFields):
    positional = ("text", "evidence", "status")


class Action(_Record, Grounded, _Evidenced, ActionFields):
    positional = ("task", "owner", "due", "evidence", "status")


class Point(_Record, Grounded, _Evidenced, PointFields):
    """A discussion point, grounded like a decision."""

    positional = ("text", "evidence", "status")


class Flag(_Record, _Evidenced, FlagFields):
    pass


class Draft(_Record):
    decisions: list[Decision] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    summary: str = ""
    flags: list[Flag] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list
    )  # what the extractor could not do (a repair, a partial chunk)
    points: list[Point] = Field(
        default_factory=list
    )  # the discussion, placed under agenda items like the rest

"""Typed records passed between pipeline stages, with the JSON shapes documented in the README.

Their content fields are the ones the tables have (minutes.db.domain); `model_dump(mode="json")` writes the
shapes below and `model_validate` reads them. They take keyword arguments only, as pydantic models do.

Transcript JSON: {"language", "duration", "segments": [{"start", "end", "speaker", "text", "overlap",
"words": [{"start", "end", "word", "probability", "speaker"}]}]}
Draft JSON: {"decisions": [{"text", "proposer", "seconder", "vote", "agenda_item", "evidence", "status"}],
"actions": [{"task", "owner", "due", "agenda_item", "evidence", "status"}], "summary", "flags": [{"kind", "reason", "evidence"}], "notes": [...],
"points": [{"text", "agenda_item", "evidence", "status"}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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


class Word(WordFields):
    pass


class _Words(SQLModel):
    words: list[Word] = Field(default_factory=list)


class Segment(SegmentLabels, _Words, SegmentFields):
    """Fields in the order start, end, text, words, speaker, overlap (pydantic orders bases last to first)."""


class Transcript(TranscriptFields):
    segments: list[Segment] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


class Evidence(EvidenceFields):
    pass


class _Evidenced(SQLModel):
    evidence: list[Evidence] = Field(default_factory=list)


# fields in the order the bases give them, last to first: the item's fields, evidence, status
class Decision(Grounded, _Evidenced, DecisionFields):
    pass


class Action(Grounded, _Evidenced, ActionFields):
    pass


class Point(Grounded, _Evidenced, PointFields):
    """A discussion point, grounded like a decision."""


class Flag(_Evidenced, FlagFields):
    pass


class Draft(SQLModel):
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

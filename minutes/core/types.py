"""Typed records passed between pipeline stages, with the JSON shapes documented in the README.

Transcript JSON: {"language", "duration", "segments": [{"start", "end", "speaker", "text", "overlap",
"words": [{"start", "end", "word", "probability", "speaker"}]}]}
Draft JSON: {"decisions": [{"text", "evidence", "status"}], "actions": [{"task", "owner", "due", "evidence",
"status"}], "summary", "flags": [{"kind", "reason", "evidence"}], "notes": [...]}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

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


@dataclass
class Word:
    start: float
    end: float
    word: str
    probability: float = 1.0
    speaker: str | None = None


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    overlap: bool = False  # another speaker talks at the same time for part of it


@dataclass
class Transcript:
    language: str
    duration: float
    segments: list[Segment] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transcript:
        segments = [
            Segment(
                start=float(s["start"]),
                end=float(s["end"]),
                text=str(s["text"]),
                words=[
                    Word(
                        float(w["start"]),
                        float(w["end"]),
                        str(w["word"]),
                        float(w.get("probability", 1.0)),
                        w.get("speaker"),
                    )
                    for w in s.get("words") or []
                ],
                speaker=s.get("speaker"),
                overlap=bool(s.get("overlap", False)),
            )
            for s in data["segments"]
        ]
        return cls(
            language=str(data.get("language", "en")),
            duration=float(data.get("duration", 0.0)),
            segments=segments,
        )


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


@dataclass
class Evidence:
    start: float
    end: float
    quote: str


@dataclass
class Decision:
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    status: str = "supported"  # or "unsupported": the grounding check could not find the evidence


@dataclass
class Action:
    task: str
    owner: str | None = None
    due: str | None = None  # ISO date when resolved against the meeting date, else the phrase as spoken
    evidence: list[Evidence] = field(default_factory=list)
    status: str = "supported"


@dataclass
class Flag:
    kind: str  # safeguarding, send, health, staffing, concern, extraction
    reason: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Draft:
    decisions: list[Decision] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    summary: str = ""
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(
        default_factory=list
    )  # what the extractor could not do (a repair, a partial chunk)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        def ev(items):
            return [Evidence(float(e["start"]), float(e["end"]), str(e["quote"])) for e in items or []]

        return cls(
            decisions=[
                Decision(d["text"], ev(d.get("evidence")), d.get("status", "supported"))
                for d in data.get("decisions", [])
            ],
            actions=[
                Action(
                    a["task"],
                    a.get("owner"),
                    a.get("due"),
                    ev(a.get("evidence")),
                    a.get("status", "supported"),
                )
                for a in data.get("actions", [])
            ],
            summary=str(data.get("summary", "")),
            flags=[Flag(f["kind"], f["reason"], ev(f.get("evidence"))) for f in data.get("flags", [])],
            notes=list(data.get("notes", [])),
        )

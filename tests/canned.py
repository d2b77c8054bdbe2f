"""Canned stage results, so tests drive the real begin/commit of every stage (minutes.run.stages) without models.

A `Cast` is a meeting's participants, each with lines of words that occur in nobody else's line and a voice
vector of their own, so a byte scan of the store can tell whose words or voice are left.
"""

from __future__ import annotations

import hashlib
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from minutes.core.types import Action, Decision, Draft, Evidence, Segment, SpeakerTurn, Transcript, Word
from minutes.run import stages
from minutes.speech.diarise import Diarisation
from minutes.speech.speakers import Enrolled, EnrolmentRange
from minutes.speech.transcripts import load_transcript

ROUNDS = 2  # lines per person


def tiny_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    """A short WAV of low noise (decodes in milliseconds)."""
    samples = (np.random.default_rng(0).standard_normal(int(seconds * rate)) * 300).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


@dataclass
class Cast:
    names: list[str]
    tag: str  # makes every word unique to one test example
    ids: dict[str, int]  # participant ids, filled once the meeting exists
    enrolled: tuple[str, ...] = ()  # whose voice is named by enrolment; the others stay "Speaker N"

    def label(self, name: str) -> str:
        return f"SPEAKER_{self.names.index(name):02d}"

    def words(self, name: str) -> list[str]:
        return [f"{name.lower()}{self.tag}w{k}" for k in range(ROUNDS * 3)]

    def lines(self) -> list[tuple[str, float, float, list[str]]]:
        out = []
        for r in range(ROUNDS):
            for i, name in enumerate(self.names):
                start = float((r * len(self.names) + i) * 2)
                out.append((name, start, start + 1.5, self.words(name)[r * 3 : (r + 1) * 3]))
        return out

    def voice(self, name: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(f"{self.tag}:{name}".encode()).digest()[:8], "big")
        return np.random.default_rng(seed).standard_normal(32).astype(np.float32)

    def transcript(self, attributed: bool = False) -> Transcript:
        segments = []
        for name, start, end, words in self.lines():
            who = self.label(name) if attributed else None
            step = (end - start) / len(words)
            segments.append(
                Segment(
                    start=start,
                    end=end,
                    text=" ".join(words),
                    words=[
                        Word(
                            start=start + k * step,
                            end=start + (k + 1) * step,
                            word=w,
                            probability=0.9,
                            speaker=who,
                        )
                        for k, w in enumerate(words)
                    ],
                    speaker=who,
                )
            )
        return Transcript(language="en", duration=12.0, segments=segments)

    def owner(self, segment: Segment) -> str:
        return next(n for n in self.names if segment.words[0].word in self.words(n))

    def diarisation(self, stored: Transcript) -> tuple[Transcript, Diarisation, list[Enrolled]]:
        """What diarisation makes of the transcript as stored: each segment linked to its speaker's label."""
        attributed = Transcript(
            language=stored.language,
            duration=stored.duration,
            segments=[
                seg.model_copy(
                    update={
                        "speaker": self.label(self.owner(seg)),
                        "words": [
                            w.model_copy(update={"speaker": self.label(self.owner(seg))}) for w in seg.words
                        ],
                    }
                )
                for seg in stored.segments
            ],
        )
        turns = [SpeakerTurn(seg.start, seg.end, seg.speaker) for seg in attributed.segments]
        result = Diarisation(turns, {self.label(n): self.voice(n) for n in self.names})
        enrolled = [Enrolled(EnrolmentRange(self.ids[n], n, 0.0, 0.5), self.voice(n)) for n in self.enrolled]
        return attributed, result, enrolled

    def draft(self, stored: Transcript) -> Draft:
        """What the extractor makes of the transcript as stored: every item quotes a line of it."""
        quotes = {
            self.owner(seg): Evidence(start=seg.start, end=seg.end, quote=seg.text) for seg in stored.segments
        }
        first = (
            [Decision(text="The group agreed the plan.", evidence=[next(iter(quotes.values()))])]
            if quotes
            else []
        )
        return Draft(
            decisions=first,
            actions=[
                Action(task=f"Follow up for {n}", owner=n, due=None, evidence=[q]) for n, q in quotes.items()
            ],
            summary="A short meeting.",
        )


def compute(run: stages.Run, stage: str, cast: Cast) -> stages.Write:
    """What the stage's model would hand back, as a writer for `run.commit` (after `run.begin(stage)`)."""
    if stage == "record":
        return stages.record(run)
    if stage == "transcribe":
        return stages.write_transcript(run, cast.transcript(), "canned", "canned")
    with run.db.session() as s:
        transcript_id = stages.transcript_of(s, run.recording.id).id
        stored = load_transcript(s, transcript_id)
    if stage == "diarise":
        attributed, result, enrolled = cast.diarisation(stored)
        return stages.write_diarisation(run, transcript_id, attributed, result, enrolled, 0)
    return stages.write_draft(run, transcript_id, cast.draft(stored), "canned", "canned")


def db_bytes(db_path: Path) -> bytes:
    """The SQLite file and its WAL as they lie on disk (no checkpoint first)."""
    return b"".join(p.read_bytes() for p in (db_path, db_path.with_name(db_path.name + "-wal")) if p.exists())


class FakeAsr:
    """An ASR engine with a canned reply: `minutes.speech.transcribe` gets the cast's lines as faster-whisper segments.
    `during(call_number)` runs while the "model" runs, e.g. a clerk withdrawing consent from another process."""

    # multilingual, so the pipeline loads no real language-check model beside it (see speech.language)
    name, device, multilingual = "canned-asr", "cpu", True

    def __init__(self, cast: Cast, during=None):
        self.cast, self.during, self.calls = cast, during, 0
        self.model = self

    def transcribe(self, samples, language=None, multilingual=False, **options):
        self.calls += 1
        if self.during:
            self.during(self.calls)
        segments = [
            SimpleNamespace(
                start=s.start,
                end=s.end,
                text=s.text,
                words=[
                    SimpleNamespace(start=w.start, end=w.end, word=w.word, probability=w.probability)
                    for w in s.words
                ],
            )
            for s in self.cast.transcript().segments
        ]
        return iter(segments), SimpleNamespace(language="en")


class FakeDiarisation:
    """A diarisation engine with a canned reply: one turn per cast line, one voice per person, through the real
    `minutes.speech.diarise`. `during(call_number)` runs while the "model" runs, on whatever thread runs it."""

    name, threads = "canned-diarisation", 1

    def __init__(self, cast: Cast, during=None):
        self.cast, self.during, self.calls, self.threads_seen = cast, during, 0, []

    def pipeline(self, file, hook=None, **counts):
        from pyannote.core import Annotation, Segment

        self.calls += 1
        self.threads_seen.append(threading.current_thread().name)
        self.hook = hook  # pyannote calls it between batches; `during` may too
        if self.during:
            self.during(self.calls)
        annotation = Annotation()
        for name, start, end, _ in self.cast.lines():
            annotation[Segment(start=start, end=end)] = self.cast.label(name)
        voices = np.stack([self.cast.voice(n) for n in sorted(self.cast.names, key=self.cast.label)])
        return SimpleNamespace(speaker_diarization=annotation, speaker_embeddings=voices)

    def embedder(self, waveform):
        return np.zeros((1, 32), dtype=np.float32)

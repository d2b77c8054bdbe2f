"""Shared scoring for the speech benches: the files with references, the WER normaliser, DER with its parts.

Files (`speech_files()`), all under tests/data:
- `dev/real-speech/ami-clips/*`: real AMI meetings with overlap; words (STM) and turns (RTTM). DER is scored
  with a 0.25 s collar, because the clip offsets inside the AMI meetings are known to about ±0.2 s.
- `dev/real-speech/ami-excerpts/trn0*`: real AMI excerpts; turns (RTTM) and the scored region (UEM), no collar.
- `meeting-demo/meeting.wav` and pyannote's `sample.wav`: the regression guards; no collar, as before.

WER normaliser (`normalise`), the same for reference and hypothesis, in this order:
1. lower case; 2. hyphens become spaces ("mm-hmm" -> "mm hmm"); 3. every other punctuation mark is removed
(apostrophes too, on both sides, so "don't" -> "dont"); 4. the filler words in `FILLERS` are removed; 5. words
are split on white space. Numbers are not spelled out and "yeah", "okay", "oh" are kept: they are words a
transcript should carry (assent matters in a meeting). AMI's transcripts keep the fillers that Whisper drops.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REAL = DATA / "dev" / "real-speech"
FILLERS = ("um", "umm", "uh", "uhm", "er", "erm", "ah", "eh", "hm", "hmm", "mm", "mmm", "mhm", "huh")
_NORMALISE = jiwer.Compose(
    [
        jiwer.ToLowerCase(),
        jiwer.SubstituteRegexes({r"-": " "}),
        jiwer.RemovePunctuation(),
        jiwer.RemoveSpecificWords(list(FILLERS)),
        jiwer.RemoveMultipleSpaces(),
        jiwer.Strip(),
    ]
)


@dataclass(frozen=True)
class SpeechFile:
    """One audio file and its references; `speakers` is the true speaker count (a participant list's bound)."""

    name: str
    audio: Path
    rttm: Path
    uri: str
    collar: float
    group: str  # "ami-clips", "ami-excerpts" or "guard"
    stm: Path | None = None
    uem: Path | None = None

    def reference(self):
        from pyannote.database.util import load_rttm

        return load_rttm(self.rttm)[self.uri]

    def annotated(self):
        from pyannote.database.util import load_uem

        return load_uem(self.uem)[self.uri] if self.uem else None

    @property
    def speakers(self) -> int:
        return len(self.reference().labels())

    def words(self) -> list[str]:
        """The reference transcript, normalised, in STM order."""
        lines = self.stm.read_text(encoding="utf-8").splitlines() if self.stm else []
        return normalise(" ".join(line.split(None, 5)[5] for line in lines if len(line.split(None, 5)) == 6))


def speech_files(groups: tuple[str, ...] = ("ami-clips", "ami-excerpts", "guard")) -> list[SpeechFile]:
    clips = REAL / "ami-clips"
    excerpts = REAL / "ami-excerpts"
    files = [
        SpeechFile(
            n,
            clips / f"{n}.wav",
            clips / f"{n}.only_words.rttm",
            n,
            0.25,
            "ami-clips",
            stm=clips / f"{n}.stm",
        )
        for n in ("EN2002a_30s", "IB4002_clip")
    ]
    files += [
        SpeechFile(
            n,
            excerpts / f"{n}.flac",
            excerpts / "reference.rttm",
            n,
            0.0,
            "ami-excerpts",
            uem=excerpts / "reference.uem",
        )
        for n in ("trn01", "trn02", "trn03", "trn04", "trn05")
    ]
    files += [
        SpeechFile(
            "meeting-demo",
            DATA / "meeting-demo" / "meeting.wav",
            DATA / "meeting-demo" / "reference.rttm",
            "meeting",
            0.0,
            "guard",
            stm=DATA / "meeting-demo" / "reference.stm",
        ),
        SpeechFile(
            "sample",
            DATA / "sample.wav",
            DATA / "sample.rttm",
            "sample",
            0.0,
            "guard",
            stm=DATA / "sample.stm",
        ),
    ]
    return [f for f in files if f.group in groups]


def normalise(text: str) -> list[str]:
    """Words for WER: see the module docstring."""
    return _NORMALISE(text).split()


def wer(ref: list[str], hyp: list[str]) -> dict:
    """WER and its parts (counts) of normalised word lists."""
    if not ref:
        return {"wer": float(len(hyp) > 0), "ref_words": 0, "sub": 0, "del": 0, "ins": len(hyp)}
    out = jiwer.process_words(" ".join(ref), " ".join(hyp) or "")
    return {
        "wer": out.wer,
        "ref_words": len(ref),
        "sub": out.substitutions,
        "del": out.deletions,
        "ins": out.insertions,
    }


def cp_wer(ref: dict[str, list[str]], hyp: dict[str, list[str]]) -> float:
    """Concatenated minimum-permutation WER: each speaker's words joined, speakers paired to minimise errors."""
    from scipy.optimize import linear_sum_assignment

    def errors(r: list[str], h: list[str]) -> int:
        part = wer(r, h)
        return part["sub"] + part["del"] + part["ins"]

    r, h = list(ref), list(hyp)
    n = max(len(r), len(h))
    cost = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            cost[i, j] = errors(ref[r[i]] if i < len(r) else [], hyp[h[j]] if j < len(h) else [])
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].sum()) / sum(len(v) for v in ref.values())


class DerTotal:
    """DER of many files, per file and overall (pyannote.metrics accumulates the components)."""

    def __init__(self):
        from pyannote.metrics.diarization import DiarizationErrorRate

        self._metrics: dict[float, DiarizationErrorRate] = {}
        self._cls = DiarizationErrorRate

    def add(self, file: SpeechFile, hypothesis) -> dict:
        metric = self._metrics.setdefault(file.collar, self._cls(collar=file.collar, skip_overlap=False))
        parts = metric(file.reference(), hypothesis, uem=file.annotated(), detailed=True)
        return rates(parts) | {"speakers_found": len(hypothesis.labels()), "speakers_true": file.speakers}

    def overall(self) -> dict:
        total: dict[str, float] = {}
        for metric in self._metrics.values():
            for key, value in metric.accumulated_.items():
                total[key] = total.get(key, 0.0) + value
        return rates(total)


def rates(parts) -> dict:
    """DER and its parts as shares of the reference speech time."""
    total = parts["total"] or 1.0
    return {
        "der": (parts["missed detection"] + parts["false alarm"] + parts["confusion"]) / total,
        "missed": parts["missed detection"] / total,
        "false_alarm": parts["false alarm"] / total,
        "confusion": parts["confusion"] / total,
        "speech_s": parts["total"],
    }


def annotation(turns, uri: str):
    """A pyannote Annotation from SpeakerTurn-like objects (start, end, speaker)."""
    from pyannote.core import Annotation, Segment

    out = Annotation(uri=uri)
    for t in turns:
        out[Segment(t.start, t.end)] = t.speaker
    return out


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def table(rows: list[dict], columns: list[str]) -> str:
    """A plain text table: one line per row, `columns` in order."""
    cells = [columns] + [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells)

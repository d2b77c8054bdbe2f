"""Models, decoded fixtures and the meeting-demo diarisation, each loaded or computed once per test session.

Shared by the speech-stage tests (test_transcribe, test_diarise, test_attribute, test_naming) so that the
slow steps run once, whichever of those files run.
"""

from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path

from pyannote.core import Annotation
from pyannote.core import Segment as Span

from minutes.core.config import Settings, load_settings
from minutes.core.types import Audio, SpeakerTurn
from minutes.speech.audio import decode

DATA = Path(__file__).parent / "data"
DEMO = DATA / "meeting-demo"


@cache
def settings() -> Settings:
    # Models come from the shared default store; MINUTES_HOME does not matter for these pure stages.
    return load_settings(home=Path(tempfile.gettempdir()) / "minutes-speech-tests")


@cache
def asr():
    from minutes.engines.asr import load_asr

    return load_asr(settings())


@cache
def diarisation():
    from minutes.engines.diarisation import load_diarisation

    return load_diarisation(settings())


@cache
def audio(name: str) -> Audio:
    return decode(DATA / name)


@cache
def meeting_diarisation():
    from minutes.speech.diarise import diarise

    return diarise(diarisation(), audio("meeting-demo/meeting.wav"))


@cache
def meeting_transcript():
    from minutes.speech.transcribe import transcribe

    return transcribe(asr(), audio("meeting-demo/meeting.wav"))


def normalise(text: str) -> str:
    """Lower-case, punctuation stripped (apostrophes kept), single spaces: the WER convention here."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def stm_rows(path: Path) -> list[tuple[str, float, float, str]]:
    rows = []
    for line in path.read_text().splitlines():
        _, _, speaker, start, end, text = line.split(None, 5)
        rows.append((speaker, float(start), float(end), text))
    return rows


def rttm_turns(path: Path) -> list[SpeakerTurn]:
    turns = []
    for line in path.read_text().splitlines():
        f = line.split()
        turns.append(SpeakerTurn(float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return turns


def annotation(turns: list[SpeakerTurn]) -> Annotation:
    a = Annotation()
    for t in turns:
        a[Span(t.start, t.end)] = t.speaker
    return a

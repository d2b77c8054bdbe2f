"""Naming diarised speakers from enrolment ranges, on meeting-demo with the real embedding model."""

from __future__ import annotations

import numpy as np
import pytest
from speech_models import DEMO, audio, diarisation, meeting_diarisation, meeting_transcript, rttm_turns

from minutes.core.types import Segment, Transcript, Word
from minutes.speech.attribute import attribute
from minutes.speech.diarise import embed
from minutes.speech.naming import apply_names, name_speakers


def _enrolled(skip: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Each participant's first line in reference.rttm as their enrolment range."""
    first: dict[str, tuple[float, float]] = {}
    for turn in rttm_turns(DEMO / "reference.rttm"):
        first.setdefault(turn.speaker, (turn.start, turn.end))
    clip = audio("meeting-demo/meeting.wav")
    return {name: embed(diarisation(), clip, s, e) for name, (s, e) in first.items() if name not in skip}


@pytest.mark.slow
def test_enrolment_names_every_speaker_of_meeting_demo():
    result = meeting_diarisation()
    mapping = name_speakers(result.centroids, _enrolled())
    assert sorted(mapping.values()) == ["Helen", "Priya", "Sam", "Tom"]
    named = apply_names(attribute(meeting_transcript(), result.turns), mapping)
    reference = rttm_turns(DEMO / "reference.rttm")
    right = total = 0
    for seg in named.segments:
        for w in seg.words:
            mid = (w.start + w.end) / 2
            truth = next((t.speaker for t in reference if t.start - 0.3 <= mid <= t.end + 0.3), None)
            if truth:
                total += 1
                right += w.speaker == truth
    assert right / total >= 0.9, f"{right}/{total}"


@pytest.mark.slow
def test_a_speaker_without_enrolment_is_never_given_a_name():
    result = meeting_diarisation()
    mapping = name_speakers(result.centroids, _enrolled(skip=("Sam",)))
    assert sorted(mapping.values()) == ["Helen", "Priya", "Speaker 1", "Tom"]


def test_threshold_and_one_to_one():
    centroids = {
        "S0": np.array([1.0, 0.0, 0.0]),
        "S1": np.array([0.9, 0.1, 0.0]),
        "S2": np.array([0.0, 0.0, 1.0]),
    }
    enrolled = {"Ann": np.array([1.0, 0.05, 0.0]), "Bob": np.array([0.0, 1.0, 0.0])}
    mapping = name_speakers(centroids, enrolled, threshold=0.5)
    assert list(mapping) == ["S0", "S1", "S2"]
    assert list(mapping.values()).count("Ann") == 1  # one person, one cluster
    assert mapping["S2"].startswith("Speaker ") and "Bob" not in mapping.values()  # Bob is too far from all
    assert name_speakers(centroids, {}) == {"S0": "Speaker 1", "S1": "Speaker 2", "S2": "Speaker 3"}
    assert name_speakers({"S0": np.zeros(3)}, enrolled) == {"S0": "Speaker 1"}


def test_apply_names_replaces_labels_everywhere():
    t = Transcript(
        language="en",
        duration=2.0,
        segments=[
            Segment(
                start=0.0,
                end=1.0,
                text="Hi.",
                words=[Word(start=0.0, end=0.5, word=" Hi.", probability=0.9, speaker="S0")],
                speaker="S0",
            ),
            Segment(
                start=1.0,
                end=2.0,
                text="Hm.",
                words=[Word(start=1.0, end=1.5, word=" Hm.", probability=0.9, speaker="S9")],
                speaker="S9",
            ),
        ],
    )
    named = apply_names(t, {"S0": "Priya"})
    assert [(s.speaker, s.words[0].speaker) for s in named.segments] == [("Priya", "Priya"), ("S9", "S9")]
    assert t.segments[0].speaker == "S0"

"""Correcting diarised turns with enrolled voices: on the real demo meeting, and the rules on plain vectors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyannote.metrics.diarization import DiarizationErrorRate
from speech_models import DEMO, annotation, audio, diarisation, meeting_diarisation, rttm_turns

from minutes.core.speech_params import SPEAKERS
from minutes.core.types import SpeakerTurn
from minutes.speech.diarise import embed, embed_ranges
from minutes.speech.naming import name_speakers
from minutes.speech.reassign import reassign_turns

# The demo's consent evidence: a stretch of each participant's own speech.
ENROL = {"Priya": (0.6, 7.6), "Tom": (8.2, 14.0), "Helen": (42.3, 53.1), "Sam": (53.8, 57.5)}


@pytest.mark.slow
def test_helens_question_moves_from_priyas_cluster_to_hers():
    clip, engine, result = audio("meeting-demo/meeting.wav"), diarisation(), meeting_diarisation()
    enrolled = {name: embed(engine, clip, *span) for name, span in ENROL.items()}
    fixed = reassign_turns(
        result.turns, result.centroids, enrolled, lambda ranges: embed_ranges(engine, clip, ranges)
    )

    names = name_speakers(fixed.centroids, enrolled)
    assert [(round(m.start, 1), names[m.from_label], names[m.to_label]) for m in fixed.moved] == [
        (77.9, "Priya", "Helen")
    ]
    assert fixed.moved[0].moved_score > fixed.moved[0].kept_score
    assert len(fixed.turns) == len(result.turns) and set(fixed.centroids) == set(result.centroids)

    reference = annotation(rttm_turns(DEMO / "reference.rttm"))
    before = DiarizationErrorRate(collar=0.0)(reference, annotation(result.turns))
    after = DiarizationErrorRate(collar=0.0)(reference, annotation(fixed.turns))
    assert after < before - 0.02, (before, after)


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


A, B, C = _unit(1, 0, 0), _unit(0, 1, 0), _unit(0, 0, 1)


def _each(voice):
    """A batch embedder from a (start, end) -> vector function."""
    return lambda ranges: [voice(s, e) for s, e in ranges]


def _turns(*spec: tuple[float, float, str]) -> list[SpeakerTurn]:
    return [SpeakerTurn(s, e, label) for s, e, label in spec]


def test_turn_moves_only_with_a_clear_margin_and_enough_speech():
    voices = {(0.0, 5.0): A, (5.0, 8.0): _unit(0.3, 1, 0), (8.0, 11.0): _unit(0.97, 1, 0), (11.0, 12.0): B}
    turns = _turns(
        (0.0, 5.0, "S0"), (5.0, 8.0, "S0"), (8.0, 11.0, "S0"), (11.0, 12.0, "S0"), (12.0, 20.0, "S1")
    )
    fixed = reassign_turns(
        turns, {"S0": A, "S1": B}, {"Ann": A, "Ben": B}, _each(lambda s, e: voices.get((s, e), B))
    )
    # 5-8 s is Ben's voice; 8-11 s leans to Ben by less than the margin; 11-12 s is too short to judge.
    assert [t.speaker for t in fixed.turns] == ["S0", "S1", "S0", "S0", "S1"]
    assert [(m.start, m.participant) for m in fixed.moved] == [(5.0, "Ben")]


def test_a_voice_no_cluster_carries_gets_its_own_label():
    turns = _turns((0.0, 4.0, "SPEAKER_00"), (4.0, 8.0, "SPEAKER_00"), (8.0, 12.0, "SPEAKER_01"))
    voices = {0.0: A, 4.0: C, 8.0: B}
    fixed = reassign_turns(
        turns,
        {"SPEAKER_00": A, "SPEAKER_01": B},
        {"Ann": A, "Ben": B, "Cat": C},
        _each(lambda s, e: voices[s]),
    )
    assert [t.speaker for t in fixed.turns] == ["SPEAKER_00", "SPEAKER_02", "SPEAKER_01"]
    assert name_speakers(fixed.centroids, {"Ann": A, "Ben": B, "Cat": C})["SPEAKER_02"] == "Cat"


def test_unnamed_clusters_and_meetings_without_enrolment_are_left_alone():
    turns = _turns((0.0, 4.0, "S0"), (4.0, 8.0, "S1"))
    stranger = _unit(-1, 0, 0)
    fixed = reassign_turns(turns, {"S0": A, "S1": stranger}, {"Ann": A}, _each(lambda s, e: A))
    assert fixed.turns == turns and fixed.moved == []  # S1 is nobody enrolled: its turns are not judged
    assert reassign_turns(turns, {"S0": A, "S1": B}, {}, _each(lambda s, e: A)).turns == turns


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.1, 6.0), st.integers(0, 2), st.integers(0, 3)), min_size=1, max_size=25),
    st.integers(0, 10_000),
)
def test_only_labels_change_and_every_change_is_reported(spec, seed):
    """Random voices: times never change, short turns never move, each move is listed and beats its cluster."""
    rng = np.random.default_rng(seed)
    people = {name: rng.normal(size=8) for name in ("Ann", "Ben", "Cat", "Dan")}
    centroids = {
        f"S{i}": people[name] + rng.normal(scale=0.3, size=8) for i, name in enumerate(("Ann", "Ben", "Cat"))
    }
    turns, voices, t = [], {}, 0.0
    for length, cluster, voice in spec:
        turns.append(SpeakerTurn(t, t + length, f"S{cluster}"))
        voices[t] = list(people.values())[voice] + rng.normal(scale=0.5, size=8)
        t += length + 0.2
    fixed = reassign_turns(turns, centroids, people, _each(lambda s, e: voices[s]))
    assert [(x.start, x.end) for x in fixed.turns] == [(x.start, x.end) for x in turns]
    changed = [
        (a.start, b.speaker) for a, b in zip(turns, fixed.turns, strict=True) if a.speaker != b.speaker
    ]
    assert changed == [(m.start, m.to_label) for m in fixed.moved]
    assert all(
        m.end - m.start >= SPEAKERS.reassign_min_seconds
        and m.moved_score - m.kept_score >= SPEAKERS.reassign_margin
        for m in fixed.moved
    )
    assert set(centroids) <= set(fixed.centroids) and {x.speaker for x in fixed.turns} <= set(fixed.centroids)

"""Word-level speaker attribution, on real transcripts and turns and on small hand-made cases."""

from __future__ import annotations

import copy
from collections import Counter

import numpy as np
import pytest
from speech_models import DATA, DEMO, asr, diarisation, meeting_diarisation, meeting_transcript, rttm_turns

from minutes.core.types import Audio, Segment, SpeakerTurn, Transcript, Word
from minutes.speech.attribute import attribute
from minutes.speech.audio import load_channels
from minutes.speech.diarise import diarise
from minutes.speech.transcribe import transcribe


def _reference_speaker(t: float) -> str | None:
    for turn in rttm_turns(DEMO / "reference.rttm"):
        if turn.start - 0.3 <= t <= turn.end + 0.3:
            return turn.speaker
    return None


@pytest.mark.slow
def test_stereo_channels_get_different_speakers():
    """Each channel's sentence, transcribed alone, is attributed against the turns of the mono mix."""
    left, right = load_channels(DATA / "stereo_diarization.wav")
    mixed = Audio(samples=((left + right) / 2).astype(np.float32), sha256="mix")
    turns = diarise(diarisation(), mixed).turns
    sentences = [
        transcribe(asr(), Audio(samples=ch, sha256=name)) for name, ch in (("l", left), ("r", right))
    ]
    both = Transcript(
        language="en",
        duration=5.0,
        segments=sorted(sentences[0].segments + sentences[1].segments, key=lambda s: s.start),
    )
    out = attribute(both, turns)
    by_text = {s.text: s.speaker for s in out.segments}
    left_speaker = next(v for k, v in by_text.items() if "wizard" in k)
    right_speaker = next(v for k, v in by_text.items() if "horizon" in k)
    assert left_speaker != right_speaker
    assert len(out.segments) == 2 and all(s.overlap for s in out.segments)  # they talk at the same time


@pytest.mark.slow
def test_meeting_words_follow_the_diarisation():
    out = attribute(meeting_transcript(), meeting_diarisation().turns)
    words = [(w, _reference_speaker((w.start + w.end) / 2)) for s in out.segments for w in s.words]
    words = [(w, ref) for w, ref in words if ref]
    # Map each cluster to the reference speaker most of its words belong to, then count agreement.
    votes: dict[str, Counter] = {}
    for w, ref in words:
        votes.setdefault(w.speaker, Counter())[ref] += 1
    mapping = {label: c.most_common(1)[0][0] for label, c in votes.items()}
    agree = sum(mapping[w.speaker] == ref for w, ref in words) / len(words)
    assert agree >= 0.9, f"{agree:.3f}"
    assert sorted(set(mapping.values())) == ["Helen", "Priya", "Sam", "Tom"]
    for seg in out.segments:
        assert {w.speaker for w in seg.words} == {seg.speaker}
        assert seg.text == "".join(w.word for w in seg.words).strip()


def _w(start: float, text: str) -> Word:
    return Word(start=start, end=start + 0.3, word=f" {text}")


def test_splits_at_speaker_changes_and_keeps_the_input():
    seg = Segment(
        start=0.0,
        end=2.3,
        text="Yes. I'll book it.",
        words=[_w(0.0, "Yes."), _w(1.0, "I'll"), _w(1.5, "book"), _w(2.0, "it.")],
    )
    t = Transcript(language="en", duration=3.0, segments=[seg])
    before = copy.deepcopy(t)
    out = attribute(t, [SpeakerTurn(0.0, 0.5, "A"), SpeakerTurn(0.9, 2.4, "B")])
    assert [(s.speaker, s.text, s.start, s.end) for s in out.segments] == [
        ("A", "Yes.", 0.0, 0.3),
        ("B", "I'll book it.", 1.0, 2.3),
    ]
    assert t == before


def test_backchannel_inside_a_sentence_is_merged_and_marked():
    words = [
        _w(0.0, "We"),
        _w(0.4, "move"),
        _w(0.8, "the"),
        _w(1.2, "yeah"),
        _w(1.6, "trip"),
        _w(2.0, "to"),
        _w(2.4, "April."),
    ]
    turns = [SpeakerTurn(0.0, 1.15, "A"), SpeakerTurn(1.15, 1.55, "B"), SpeakerTurn(1.55, 2.8, "A")]
    out = attribute(
        Transcript(
            language="en",
            duration=3.0,
            segments=[Segment(start=0.0, end=2.7, text="We move the yeah trip to April.", words=words)],
        ),
        turns,
    )
    assert len(out.segments) == 1
    assert out.segments[0].speaker == "A" and out.segments[0].overlap
    assert out.segments[0].text == "We move the yeah trip to April."


def test_a_real_short_turn_between_sentences_is_kept():
    segments = [
        Segment(start=0.0, end=1.0, text="Shall we?", words=[_w(0.0, "Shall"), _w(0.5, "we?")]),
        Segment(start=1.2, end=1.5, text="Yes.", words=[_w(1.2, "Yes.")]),
        Segment(start=1.8, end=2.4, text="Good, agreed.", words=[_w(1.8, "Good,"), _w(2.1, "agreed.")]),
    ]
    turns = [SpeakerTurn(0.0, 1.0, "A"), SpeakerTurn(1.1, 1.6, "B"), SpeakerTurn(1.7, 2.5, "A")]
    out = attribute(Transcript(language="en", duration=3.0, segments=segments), turns)
    assert [s.speaker for s in out.segments] == ["A", "B", "A"]
    assert not any(s.overlap for s in out.segments)


def test_overlap_is_marked_and_gaps_take_the_nearest_turn():
    segments = [
        Segment(start=0.0, end=0.9, text="Right then", words=[_w(0.0, "Right"), _w(0.6, "then")]),
        Segment(start=3.0, end=3.3, text="okay", words=[_w(3.0, "okay")]),
    ]
    turns = [SpeakerTurn(0.0, 1.0, "A"), SpeakerTurn(0.5, 2.0, "B")]
    out = attribute(Transcript(language="en", duration=4.0, segments=segments), turns)
    assert out.segments[0].overlap  # "then" is covered by A and B
    assert out.segments[-1].speaker == "B" and not out.segments[-1].overlap  # no turn at 3 s: B's is nearest


def test_no_turns_leaves_speakers_unknown():
    seg = Segment(start=0.0, end=0.3, text="Hello.", words=[_w(0.0, "Hello.")])
    out = attribute(Transcript(language="en", duration=1.0, segments=[seg]), [])
    assert out.segments[0].speaker is None and out.segments[0].words[0].speaker is None

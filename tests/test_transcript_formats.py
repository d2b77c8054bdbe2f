"""Transcript renderings: JSON round trip, SRT, WebVTT with voice tags, plain text, RTTM."""

from __future__ import annotations

import json

import pytest
from pyannote.database.util import load_rttm

from minutes.core.types import Segment, SpeakerTurn, Transcript, Word
from minutes.errors import UsageError
from minutes.speech.formats import render, to_json, to_rttm, to_srt, to_txt, to_vtt, turns_of


def _transcript() -> Transcript:
    return Transcript(
        language="en",
        duration=3725.5,
        segments=[
            Segment(
                start=0.5,
                end=2.25,
                text="Shall we start?",
                words=[
                    Word(start=0.5, end=1.0, word=" Shall", probability=0.9, speaker="Priya"),
                    Word(start=1.0, end=1.4, word=" we", probability=0.9, speaker="Priya"),
                    Word(start=1.4, end=2.25, word=" start?", probability=0.8, speaker="Priya"),
                ],
                speaker="Priya",
            ),
            Segment(start=2.5, end=3.0, text="Yes <now> & then", words=[], speaker="Speaker 1", overlap=True),
            Segment(start=3.1, end=3.5, text="Agreed.", words=[], speaker="Speaker 1"),
            Segment(start=3723.0, end=3725.0, text="Thanks,\n all.", words=[], speaker="Priya"),
        ],
    )


def test_json_round_trips_with_the_documented_keys():
    t = _transcript()
    data = json.loads(to_json(t))
    assert set(data) == {"language", "duration", "segments"}
    assert set(data["segments"][0]) >= {"start", "end", "speaker", "text", "words", "overlap"}
    assert set(data["segments"][0]["words"][0]) == {"start", "end", "word", "probability", "speaker"}
    assert Transcript.model_validate(data) == t


def test_srt_cues():
    srt = to_srt(_transcript())
    cues = srt.strip().split("\n\n")
    assert len(cues) == 4
    assert cues[0] == "1\n00:00:00,500 --> 00:00:02,250\nPriya: Shall we start?"
    assert cues[3] == "4\n01:02:03,000 --> 01:02:05,000\nPriya: Thanks, all."


def test_vtt_voice_tags_and_escaping():
    vtt = to_vtt(_transcript())
    assert vtt.startswith("WEBVTT\n\n")
    assert "00:00:00.500 --> 00:00:02.250\n<v Priya>Shall we start?\n" in vtt
    assert "<v Speaker 1>Yes &lt;now&gt; &amp; then\n" in vtt


def test_txt_lines_join_a_speakers_consecutive_segments():
    assert to_txt(_transcript()).splitlines() == [
        "Priya: Shall we start?",
        "Speaker 1: Yes <now> & then Agreed.",
        "Priya: Thanks, all.",
    ]
    unattributed = Transcript(
        language="en", duration=1.0, segments=[Segment(start=0.0, end=1.0, text="Hello there.")]
    )
    assert to_txt(unattributed) == "Hello there.\n"
    assert to_txt(Transcript(language="en", duration=0.0, segments=[])) == ""


def test_rttm_is_read_back_by_pyannote(tmp_path):
    turns = [SpeakerTurn(0.5, 2.25, "Priya"), SpeakerTurn(2.5, 3.5, "Speaker 1")]
    path = tmp_path / "t.rttm"
    path.write_text(to_rttm(turns, uri="year 9 trip"))
    loaded = load_rttm(str(path))["year_9_trip"]
    assert sorted(loaded.labels()) == ["Priya", "Speaker_1"]
    assert loaded.label_duration("Priya") == pytest.approx(1.75)
    assert (
        render(_transcript(), "rttm").splitlines()[0]
        == "SPEAKER audio 1 0.500 1.750 <NA> <NA> Priya <NA> <NA>"
    )
    assert len(turns_of(_transcript())) == 4


def test_render_dispatch_and_unknown_format():
    t = _transcript()
    assert render(t, "srt") == to_srt(t) and render(t, "vtt") == to_vtt(t) and render(t, "txt") == to_txt(t)
    assert json.loads(render(t, "json")) == t.model_dump(mode="json")
    with pytest.raises(UsageError, match="unknown transcript format"):
        render(t, "docx")

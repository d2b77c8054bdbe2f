"""A second recording for a meeting (issue 15, 2.2): refused unless --replace or --add-part says what it is.

The meeting is the processed demo meeting (tests/processed_meeting.py, with a draft); `process` runs for real
on SQLite with a canned ASR engine, and stops at diarisation, which nobody consented to (no diarisation
model).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from canned import Cast, FakeAsr, tiny_wav
from processed_meeting import DEMO, PEOPLE, approve_and_release, build, run

from minutes.core.config import load_settings
from minutes.run import pipeline
from minutes.speech.audio import decode

TABLES = (
    "recording",
    "transcript",
    "segment",
    "speaker_turn",
    "voice_enrolment",
    "draft",
    "stage_run",
    "audit_event",
)


@pytest.fixture
def built(home, monkeypatch):
    b = build(load_settings())
    for name in PEOPLE:
        given = run(
            "consent", "give", b.meeting_id, name, "--scope", "record,transcribe", "--method", "verbal"
        )
        assert given.exit_code == 0, given.output
    asr = FakeAsr(Cast(PEOPLE, "p", {}))
    monkeypatch.setattr(pipeline.Engines, "asr", property(lambda self: asr))
    return b


def rows(home, table: str, where: str = "") -> list[tuple]:
    with sqlite3.connect(home / "minutes.db") as db:
        return db.execute(f"select * from {table} {where}").fetchall()


def counts(home) -> dict[str, int]:
    return {t: len(rows(home, t)) for t in TABLES}


def recording(home) -> tuple[int, str, str, float]:
    """The meeting's one recording: id, path, original name, duration."""
    with sqlite3.connect(home / "minutes.db") as db:
        (row,) = db.execute("select id, path, original_name, duration from recording").fetchall()
    return row


def test_a_second_recording_is_refused_and_nothing_is_stored(built, home, tmp_path):
    other = tiny_wav(tmp_path / "other.wav")
    before = counts(home)
    refused = run("process", built.meeting_id, other)
    assert refused.exit_code == 5, refused.output
    text = refused.output.strip()
    assert text.startswith("error: meeting 1 already has a recording (meeting.wav, 98s); nothing was stored")
    assert "\n" not in text and "--replace" in text and "--add-part" in text
    assert counts(home) == before
    assert run("attach", built.meeting_id, other).exit_code == 5 and counts(home) == before
    again = run("process", built.meeting_id, DEMO / "meeting.wav")  # the same file: a rerun, not a second one
    assert (
        again.exit_code == 5 and "blocked" in again.output and "already has a recording" not in again.output
    )


def test_replace_discards_the_recording_and_its_draft_and_starts_over(built, home, tmp_path):
    new = tiny_wav(tmp_path / "right-meeting.wav", seconds=2.0)
    result = run("process", built.meeting_id, new, "--replace", "--json")
    assert result.exit_code == 5, result.output  # blocked at diarise, as the fixture intends
    out = json.loads(result.stdout)
    assert [(s["stage"], s["status"]) for s in out["stages"]] == [
        ("record", "done"),
        ("transcribe", "done"),
        ("diarise", "blocked"),
    ]
    rec_id, path, name, duration = recording(home)
    assert name == "right-meeting.wav" and duration == pytest.approx(2.0) and not built.audio.exists()
    for table in ("voice_enrolment", "speaker_turn", "decision", "action", "flag", "evidence"):
        assert rows(home, table) == [], table
    assert [r[0] for r in rows(home, "transcript", f"where recording_id = {rec_id}")] == [
        r[0] for r in rows(home, "transcript")
    ]
    old = json.loads(run("review", "show", built.draft_id, "--json").stdout)
    assert (old["status"], old["items"], old["reject_reason"]) == (
        "rejected",
        [],
        "its recording was replaced (minutes process --replace or --add-part)",
    )
    log = json.loads(run("audit", "log", "--meeting", built.meeting_id, "--json").output)
    (discard,) = [e for e in log if e["kind"] == "recording.discard"]
    assert (
        discard["subject"] | {}
        == {
            "why": "replace",
            "recordings": [built.recording_id],
            "transcripts": [built.transcript_id],
            "drafts": [built.draft_id],
        }
        and discard["actor"] == "minutes"
    )
    assert run("audit", "verify").exit_code == 0
    again = run("process", built.meeting_id, new, "--replace", "--json")  # the same file: starts over on it
    assert [s["status"] for s in json.loads(again.stdout)["stages"]] == ["done", "done", "blocked"]
    assert recording(home)[1:] == (path, name, duration) and Path(path).is_file()


def test_replace_is_refused_once_the_minutes_are_released(built, home, tmp_path):
    approve_and_release(built.draft_id)
    before = counts(home)
    refused = run("process", built.meeting_id, tiny_wav(tmp_path / "x.wav"), "--replace")
    assert refused.exit_code == 5 and "are released; its recording cannot be replaced" in refused.output
    assert counts(home) == before and built.audio.exists()
    assert run("process", built.meeting_id, tiny_wav(tmp_path / "x.wav"), "--add-part").exit_code == 5
    assert counts(home) == before


def test_add_part_stitches_the_parts_in_order_and_a_rerun_resumes(built, home, tmp_path):
    part = tiny_wav(tmp_path / "part2.wav", seconds=1.5)
    first = run("process", built.meeting_id, part, "--add-part", "--json")
    assert first.exit_code == 5, first.output
    assert [s["status"] for s in json.loads(first.stdout)["stages"]] == ["done", "done", "blocked"]
    rec_id, path, name, duration = recording(home)
    one, two = decode(DEMO / "meeting.wav").samples, decode(part).samples
    assert name == "meeting.wav + part2.wav" and duration == pytest.approx((one.size + two.size) / 16000)
    whole = decode(path).samples
    assert whole.size == one.size + two.size
    assert np.abs(whole[: one.size] - one).max() < 1e-3 and np.abs(whole[one.size :] - two).max() < 1e-3
    assert rows(home, "decision") == [] and not built.audio.exists()
    assert not list((home / "files").glob(".parts-*")), "the stitched temporary file is removed"
    again = run("process", built.meeting_id, part, "--add-part", "--json")
    assert again.exit_code == 5, again.output
    assert [s["status"] for s in json.loads(again.stdout)["stages"]] == ["skipped", "skipped", "blocked"]
    assert recording(home) == (rec_id, path, name, duration)


def test_add_part_with_the_stored_recording_itself_resumes_instead_of_doubling_it(built, home):
    before = recording(home)
    again = run("process", built.meeting_id, DEMO / "meeting.wav", "--add-part", "--json")
    assert again.exit_code == 5, again.output
    assert [s["status"] for s in json.loads(again.stdout)["stages"]] == ["skipped", "skipped", "blocked"]
    assert recording(home) == before

"""Consent evidence ranges outside the recording are reported when the recording arrives (issue 11, item 14).

`--evidence-at 500-600` for an 11 s recording used to pass silently, and enrolment then named nobody. The record
stage now warns, naming the participant: printed, in `process --json`, and in the audit event (ids and times only).
Blake refuses nothing but has not consented to transcription, so `process` stops after storing the recording and
no model is loaded.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from minutes.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def ok(*args) -> str:
    res = run(*args)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture
def meeting(home):
    ok(
        "meeting",
        "create",
        "Evidence",
        "--date",
        "2026-11-23",
        "--participant",
        "Alex",
        "--participant",
        "Blake",
        "--participant",
        "Casey",
    )
    ok("consent", "give", "1", "Alex", "--scope", "all", "--method", "verbal", "--evidence-at", "500-600")
    ok(
        "consent",
        "give",
        "1",
        "Blake",
        "--scope",
        "record",
        "--method",
        "verbal",
        "--evidence-at",
        "0:01-0:05",
    )
    ok("consent", "give", "1", "Casey", "--scope", "all", "--method", "verbal", "--evidence-at", "9:00-9:10")
    ok("consent", "give", "1", "Casey", "--scope", "all", "--method", "verbal", "--evidence-at", "0:06-0:09")
    return home


def test_process_warns_in_json_and_in_the_audit_event(meeting, data):
    res = run("process", "1", data / "jfk.flac", "--json")
    assert res.exit_code == 5, res.output  # Blake has not consented to transcription
    result = json.loads(res.stdout)
    assert result["recording"] and [s["stage"] for s in result["stages"]] == ["record", "transcribe"]
    assert len(result["warnings"]) == 1, result["warnings"]  # Casey's later range fits; Blake's fits
    assert (
        "Alex's consent evidence at 8:20-10:00 is outside the recording (0:00-0:11" in result["warnings"][0]
    )
    assert "could not be enrolled" in result["warnings"][0]
    events = json.loads(ok("audit", "log", "--meeting", "1", "--kind", "recording.store", "--json"))
    alex = json.loads(ok("meeting", "show", "1", "--json"))["participants"][0]
    assert alex["name"] == "Alex"
    assert events[0]["subject"]["evidence_outside"] == [
        {"participant": alex["id"], "start": 500.0, "end": 600.0}
    ]
    assert "Alex" not in json.dumps(events)  # the audit chain holds ids, never names


def test_process_prints_the_warning(meeting, data):
    res = run("process", "1", data / "jfk.flac")
    assert res.exit_code == 5
    assert "warning: Alex's consent evidence at 8:20-10:00 is outside the recording" in res.output, res.output


def test_attach_prints_the_warning(meeting, data):
    out = ok("attach", "1", data / "jfk.flac")
    assert "warning: Alex's consent evidence at 8:20-10:00" in out and "Casey" not in out
    assert json.loads(ok("attach", "1", data / "jfk.flac", "--json"))["warnings"][0].startswith("Alex's")


def test_no_warning_when_every_range_fits(home, data):
    ok("meeting", "create", "Fits", "--date", "2026-11-23", "--participant", "Alex")
    ok("consent", "give", "1", "Alex", "--scope", "all", "--method", "verbal", "--evidence-at", "0:01-0:11.3")
    result = json.loads(ok("attach", "1", data / "jfk.flac", "--json"))
    assert result["warnings"] == []
    events = json.loads(ok("audit", "log", "--meeting", "1", "--kind", "recording.store", "--json"))
    assert "evidence_outside" not in events[0]["subject"]

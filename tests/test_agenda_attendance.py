"""Agenda and attendance through the CLI and the gate, on a real SQLite store: bad input stores nothing, and
attendance never lets a present person's data through without their consent."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from minutes.cli import cli
from minutes.consent import gate, ledger
from minutes.consent.attendance import set_attendance
from minutes.consent.errors import ConsentError, ConsentInputError
from minutes.core.config import load_settings
from minutes.core.store import Database
from minutes.db import Recording
from minutes.errors import MinutesError
from minutes.records import meetings
from minutes.records.agenda import parse_agenda
from minutes.service.meetings import _ready

AGENDA = "1. Apologies\n2) Minutes of the last meeting\n\n3 Year 9 science museum trip\n"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def rows(home, sql: str) -> list[tuple]:
    with sqlite3.connect(home / "minutes.db") as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def db(home):
    database = Database.open(load_settings(home))
    yield database
    database.close()


def test_parse_agenda_reads_numbered_lines():
    assert parse_agenda(AGENDA) == ["Apologies", "Minutes of the last meeting", "Year 9 science museum trip"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Apologies\n", "line 1 is not a numbered item"),
        ("1. Apologies\n3. AOB\n", "line 2 is numbered 3, expected 2"),
        ("2. Apologies\n", "expected 1"),
        ("\n\n", "no items"),
        ("1. \u202eevil\n", "control or invisible"),
    ],
)
def test_parse_agenda_refuses_bad_lists(text, says):
    with pytest.raises(MinutesError, match=says):
        parse_agenda(text)


def test_create_with_agenda_and_replace_it(home, tmp_path):
    agenda = tmp_path / "agenda.txt"
    agenda.write_text(AGENDA, encoding="utf-8")
    res = run("meeting", "create", "FGB", "--date", "2026-11-23", "--participant", "Ann", "--agenda", agenda)
    assert res.exit_code == 0, res.output
    mid = int(res.output)
    shown = json.loads(run("meeting", "show", mid, "--json").output)
    assert shown["agenda"] == parse_agenda(AGENDA)
    agenda.write_text("1. Apologies\n2. AOB\n", encoding="utf-8")
    res = run("meeting", "agenda", mid, agenda)
    assert res.exit_code == 0 and "agenda of 2 items" in res.output
    assert rows(home, "SELECT number, title FROM agenda_item ORDER BY number") == [
        (1, "Apologies"),
        (2, "AOB"),
    ]
    assert rows(home, "SELECT count(*) FROM audit_event WHERE kind = 'meeting.agenda'") == [(2,)]


def test_bad_agenda_is_one_error_line_and_stores_nothing(home, tmp_path):
    mid = int(run("meeting", "create", "FGB", "--date", "2026-11-23").output)
    agenda = tmp_path / "agenda.txt"
    agenda.write_text("1. Apologies\nAOB\n", encoding="utf-8")
    res = run("meeting", "create", "FGB", "--date", "2026-11-23", "--agenda", agenda)
    assert res.exit_code == 2 and res.output.startswith("error: agenda line 2")
    assert res.output.strip().count("\n") == 0
    agenda.write_bytes(b"1. Caf\xe9\n")
    res = run("meeting", "create", "FGB", "--date", "2026-11-23", "--agenda", agenda)
    assert res.exit_code == 2 and "not UTF-8" in res.output
    assert rows(home, "SELECT count(*) FROM meeting") == [(1,)]
    agenda.write_text("1. Apologies\n1. Again\n", encoding="utf-8")
    assert run("meeting", "agenda", mid, agenda).exit_code == 2
    assert rows(home, "SELECT count(*) FROM agenda_item") == [(0,)]


def test_attendance_is_set_audited_and_validated(home):
    mid = int(run("meeting", "create", "FGB", "--date", "2026-11-23", "--participant", "Ann").output)
    res = run("participant", "add", mid, "Bob", "--attendance", "apologies", "--json")
    assert res.exit_code == 0 and json.loads(res.output)["attendance"] == "apologies"
    res = run("attendance", mid, "Ann", "in-attendance")
    assert res.exit_code == 0 and res.output == f"Ann: in-attendance (meeting {mid})\n"
    assert run("attendance", mid, "Ann", "late").exit_code == 2
    assert run("attendance", mid, "Nobody", "absent").exit_code == 3
    assert rows(home, "SELECT name, attendance FROM participant ORDER BY id") == [
        ("Ann", "in-attendance"),
        ("Bob", "apologies"),
    ]
    [(subject,)] = rows(home, "SELECT subject_json FROM audit_event WHERE kind = 'participant.attendance'")
    assert json.loads(subject)["from"] == "present" and json.loads(subject)["to"] == "in-attendance"


def test_apologies_need_no_consent_but_present_people_do(db):
    with db.session() as s:
        m = meetings.create_meeting(s, "FGB", "2026-11-23", ["Ann", "Cat"])
        meetings.add_participant(s, m.id, "Bob", attendance="apologies")
        for name in ("Ann", "Cat"):
            ledger.give(s, m.id, name, "all", "verbal", recorded_by="clerk")
    with db.session() as s:
        assert all(gate.check(s, m.id, stage).allowed for stage in gate.STAGES)
        assert gate.begin_stage(s, m.id, "summarise").status == "started"
        assert _ready(s, [m.id]) == {m.id: True}  # the meetings list agrees with the gate
        set_attendance(s, m.id, "Bob", "present")
    with db.session() as s:
        decision = gate.check(s, m.id, "record")
        assert not decision.allowed and [x.participant for x in decision.missing] == ["Bob"]
        assert _ready(s, [m.id]) == {m.id: False}


def test_only_apologies_is_nobody_present(db):
    with db.session() as s:
        m = meetings.create_meeting(s, "FGB", "2026-11-23")
        meetings.add_participant(s, m.id, "Bob", attendance="absent")
        assert gate.check(s, m.id, "record").missing[0].state == "no participants"


def test_marking_present_after_recording_needs_consent_again_and_stops_running_stages(db):
    with db.session() as s:
        m = meetings.create_meeting(s, "FGB", "2026-11-23", ["Ann"])
        meetings.add_participant(s, m.id, "Bob", attendance="apologies")
        ledger.give(s, m.id, "Ann", "all", "verbal", recorded_by="clerk")
        s.add(Recording(meeting_id=m.id, path="r.wav", original_name="r.wav", sha256="0" * 64, duration=1.0))
    with db.session() as s:
        run_ = gate.begin_stage(s, m.id, "transcribe")
    with db.session() as s:
        set_attendance(s, m.id, "Bob", "present")
    with db.session() as s:
        assert not gate.check(s, m.id, "transcribe").allowed
        with pytest.raises(ConsentInputError, match="not running"):
            gate.finish_stage(s, run_, "done")
        with pytest.raises(ConsentError, match="recorded with Bob present"):
            set_attendance(s, m.id, "Bob", "absent")


def test_a_refusal_cannot_be_turned_into_apologies(db):
    with db.session() as s:
        m = meetings.create_meeting(s, "FGB", "2026-11-23", ["Ann", "Bob"])
        ledger.give(s, m.id, "Ann", "all", "verbal", recorded_by="clerk")
        ledger.refuse(s, m.id, "Bob", "record", "verbal", recorded_by="clerk")
    with db.session() as s, pytest.raises(ConsentError, match="has consent records"):
        set_attendance(s, m.id, "Bob", "apologies")
    with db.session() as s:
        assert not gate.check(s, m.id, "record").allowed


def test_a_voice_cannot_be_given_to_someone_not_in_the_room(home):
    from processed_meeting import build

    built = build(load_settings())
    assert run("participant", "add", built.meeting_id, "Bob", "--attendance", "apologies").exit_code == 0
    result = run("speakers", built.meeting_id, "--name", "SPEAKER_00=Bob")
    assert result.exit_code == 5 and "Bob is marked apologies, so not in the recording" in result.output
    assert run("speakers", built.meeting_id, "--name", "SPEAKER_00=Priya").exit_code == 0


def test_whether_apologies_were_accepted_is_recorded_with_them(home):
    mid = int(run("meeting", "create", "FGB", "--date", "2026-11-23", "--participant", "Ann").output)
    assert run("participant", "add", mid, "Mr Khan", "--attendance", "apologies").exit_code == 0
    res = run("attendance", mid, "Mr Khan", "apologies", "--accepted")
    assert res.exit_code == 0 and res.output == f"Mr Khan: apologies, accepted (meeting {mid})\n"
    accepted = "SELECT name, attendance, apologies_accepted FROM participant ORDER BY id"
    assert rows(home, accepted) == [("Ann", "present", None), ("Mr Khan", "apologies", 1)]
    res = run("attendance", mid, "Mr Khan", "apologies")  # said again without an answer: the answer stays
    assert res.exit_code == 0 and "accepted" in res.output
    bad = run("attendance", mid, "Ann", "present", "--not-accepted")
    assert bad.exit_code == 2 and "only apologies can be accepted" in bad.output
    assert run("attendance", mid, "Mr Khan", "apologies", "--not-accepted").exit_code == 0
    assert rows(home, accepted)[1] == ("Mr Khan", "apologies", 0)
    assert run("attendance", mid, "Mr Khan", "present").exit_code == 0  # he came after all: no apologies
    assert rows(home, accepted)[1] == ("Mr Khan", "present", None)
    events = rows(home, "SELECT subject_json FROM audit_event WHERE kind = 'participant.attendance'")
    assert [json.loads(s).get("accepted", "-") for (s,) in events] == [True, False, "-"]

"""Meetings, participants and persons through the CLI, on a real store (SQLite and PostgreSQL): output, bad input, no partial rows."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pg import sql

from minutes.cli import cli

TABLES = ("meeting", "participant", "person", "consent_record", "audit_event", "stage_run")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def counts(home) -> dict[str, int]:
    return {t: sql(home, f"select count(*) from {t}")[0][0] for t in TABLES}


def ok(*args: str) -> str:
    res = run(*args)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(autouse=True)
def _both_engines(database):
    """Every test here on SQLite and on PostgreSQL."""


def test_create_list_show_with_unicode_names(home):
    out = ok(
        "meeting",
        "create",
        "Science department",
        "--date",
        "2026-11-23",
        "--participant",
        "Priya:chair",
        "--participant",
        "Zoë O'Brien-Ñúñez",
        "--json",
    )
    mid = json.loads(out)["id"]
    assert ok("participant", "add", str(mid), "  Tom   Baker ", "--role", "teacher").strip().isdigit()
    shown = json.loads(ok("meeting", "show", str(mid), "--json"))
    assert [(p["name"], p["role"]) for p in shown["participants"]] == [
        ("Priya", "chair"),
        ("Zoë O'Brien-Ñúñez", None),
        ("Tom Baker", "teacher"),
    ]
    assert shown["date"] == "2026-11-23" and shown["recordings"] == 0
    listed = json.loads(ok("meeting", "list", "--json"))
    assert [m["title"] for m in listed] == ["Science department"]
    text = ok("meeting", "show", str(mid))
    assert "Zoë O'Brien-Ñúñez" in text and "teacher" in text


def test_create_prints_the_id(home):
    assert ok("meeting", "create", "A", "--date", "2026-01-05").strip() == "1"
    assert ok("meeting", "create", "B", "--date", "2026-01-06").strip() == "2"


def test_participant_links_to_person_by_name_or_explicitly(home):
    ok("person", "add", "Helen Cho", "--role", "governor")
    pid = json.loads(ok("person", "add", "Sam Green", "--json"))["id"]
    ok("meeting", "create", "Governors", "--date", "2026-02-01", "--participant", "helen  CHO")
    ok("participant", "add", "1", "Sam", "--person", str(pid))
    ok("participant", "add", "1", "Guest")
    parts = {p["name"]: p["person"] for p in json.loads(ok("meeting", "show", "1", "--json"))["participants"]}
    assert parts == {"helen CHO": "Helen Cho", "Sam": "Sam Green", "Guest": None}
    people = {p["name"]: p["meetings"] for p in json.loads(ok("person", "list", "--json"))}
    assert people == {"Helen Cho": 1, "Sam Green": 1}


@pytest.mark.parametrize(
    "args, message",
    [
        (("meeting", "create", "T", "--date", "2026-13-01"), "not a date"),
        (("meeting", "create", "T", "--date", "tomorrow"), "not a date"),
        (("meeting", "create", "   ", "--date", "2026-01-01"), "meeting title is empty"),
        (
            (
                "meeting",
                "create",
                "T",
                "--date",
                "2026-01-01",
                "--participant",
                "Ann",
                "--participant",
                " ann ",
            ),
            "already has a participant named",
        ),
        (("meeting", "create", "T", "--date", "2026-01-01", "--participant", "Ann\x07"), "control"),
        (("meeting", "create", "T", "--date", "2026-01-01", "--participant", "A\u202eB"), "control"),
        (
            (
                "meeting",
                "create",
                "T",
                "--date",
                "2026-01-01",
                "--participant",
                "Ann",
                "--participant",
                "x" * 201,
            ),
            "too long",
        ),
        (("participant", "add", "1", "PRIYA"), "already has a participant named"),
        (("participant", "add", "1", "Anne\nMarie"), "control"),
        (("participant", "add", "1", ""), "participant name is empty"),
        (("participant", "add", "1", "    "), "participant name is empty"),
        (("participant", "add", "99", "Ann"), "no meeting 99"),
        (("participant", "add", "x", "Ann"), "meeting id must be a number"),
        (("participant", "add", "1", "Ann", "--person", "Nobody"), "no person 'Nobody'"),
        (("meeting", "show", "7"), "no meeting 7"),
        (("person", "add", "priya  SHAH"), "already exists"),
        (("person", "add", "\t"), "control"),
    ],
)
def test_bad_input_one_line_error_and_no_rows(home, args, message):
    ok("person", "add", "Priya Shah")
    ok("meeting", "create", "Existing", "--date", "2026-01-01", "--participant", "Priya")
    before = counts(home)
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code != 0
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], res.output
    assert counts(home) == before


def test_participant_remove_suggests_the_name_meant(home):
    ok("meeting", "create", "Governors", "--date", "2026-01-01", "--participant", "Priya")
    ok("participant", "add", "1", "Zoë O'Brien", "--role", "governor")
    before = counts(home)
    res = run("participant", "remove", "1", "Zoe OBrien")
    assert res.exit_code == 3 and res.output.strip() == (
        "error: meeting 1 has no participant 'Zoe OBrien' (did you mean 'Zoë O'Brien'?)"
    ), res.output
    consent = run("consent", "give", "1", "zoe o brien", "--scope", "all", "--method", "verbal")
    assert consent.exit_code == 3 and "did you mean 'Zoë O'Brien'?" in consent.output, consent.output
    far = run("participant", "remove", "1", "Samantha")
    assert far.exit_code == 3 and "did you mean" not in far.output and "minutes meeting show 1" in far.output
    assert counts(home) == before
    assert "removed Zoë O'Brien from meeting 1" in ok("participant", "remove", "1", "zoë o'brien")

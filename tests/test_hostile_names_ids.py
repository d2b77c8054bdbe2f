"""Hostile input table, names and ids (issue 11 items 11 and 12): invisible names, look-alike names, huge ids.

Every bad input must end in a one-line `error: ...`, a usage or not-found exit code (never 70, the internal-error
code), and no change to the database. The count of inputs tried is in the README's reliability section.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner
from processed_meeting import build

from minutes.cli import cli
from minutes.core.config import load_settings

TABLES = (
    "meeting",
    "participant",
    "person",
    "consent_record",
    "audit_event",
    "stage_run",
    "draft",
    "recording",
)
HUGE = "99999999999999999999999"
MAX_ID = str(2**63 - 1)  # the largest id that can exist: not found, not a crash
OVER = str(2**63)

# Each alone is invisible, or drawn as a blank cell (Hangul fillers, the blank braille pattern).
INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u3164",
    "\u115f",
    "\u1160",
    "\uffa0",
    "\u2800",
    "\u180e",
    "\u034f",
    "\ufe0f",
    "\U000e0020",
    "\u200b\u200c\u200d\u2060",
    " \u3164 \u2800 ",
]
# Each looks like "Tom" on screen.
LOOK_ALIKES = [
    "Tom\u200b",
    "T\u00adom",
    "\ufeffTom",
    "TOM\u2060",
    "To\u200dm",
    "T\u200com",
    "Tom\u3164",
    "\u2800Tom",
    "T\u034fom",
    "Tom\U000e0041",
]


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def counts(home) -> dict[str, int]:
    with sqlite3.connect(home / "minutes.db") as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def refused(home, args, codes=(2,), message: str = "") -> str:
    before = counts(home)
    res = run(*args)
    lines = res.output.strip().splitlines()
    assert res.exit_code in codes, (args, res.exit_code, res.output)
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], res.output
    assert counts(home) == before
    return lines[0]


def _build_home(path):
    """A processed meeting (Priya, Tom, Helen, Sam) with draft 1, and a known person."""
    path.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MINUTES_HOME", str(path))
        mp.delenv("MINUTES_DB", raising=False)
        build(load_settings())
        assert run("person", "add", "Priya Shah").exit_code == 0
    return path


@pytest.fixture
def built(home):
    home.rmdir()
    return _build_home(home)


@pytest.fixture(scope="module")
def _shared(tmp_path_factory):
    return _build_home(tmp_path_factory.mktemp("hostile") / "home")


@pytest.fixture
def shared(_shared, monkeypatch):
    """One built home for the tests that must change nothing (each checks that it did not)."""
    monkeypatch.setenv("MINUTES_HOME", str(_shared))
    monkeypatch.delenv("MINUTES_DB", raising=False)
    return _shared


@pytest.mark.parametrize("name", INVISIBLE, ids=[n.encode("unicode_escape").decode() for n in INVISIBLE])
@pytest.mark.parametrize("where", ["participant add", "person add", "meeting create", "meeting title"])
def test_names_with_nothing_visible_are_refused(shared, name, where):
    args = {
        "participant add": ("participant", "add", "1", name),
        "person add": ("person", "add", name),
        "meeting create": ("meeting", "create", "Governors", "--date", "2026-01-05", "--participant", name),
        "meeting title": ("meeting", "create", name, "--date", "2026-01-05"),
    }[where]
    refused(shared, args, message="no visible characters")


@pytest.mark.parametrize("name", LOOK_ALIKES, ids=[n.encode("unicode_escape").decode() for n in LOOK_ALIKES])
def test_a_look_alike_of_tom_is_tom(built, home, name):
    refused(home, ("participant", "add", "1", name), message="already has a participant named")
    refused(
        home,
        (
            "meeting",
            "create",
            "Two Toms",
            "--date",
            "2026-01-05",
            "--participant",
            "Tom",
            "--participant",
            name,
        ),
        message="already has a participant named",
    )
    res = run("consent", "give", "1", name, "--scope", "record", "--method", "verbal", "--json")
    assert res.exit_code == 0, res.output
    history = run("consent", "history", "1", "--json")
    assert '"name": "Tom"' in history.output


def test_invisible_characters_are_dropped_from_stored_names(home):
    assert (
        run(
            "meeting",
            "create",
            "\ufeffGovernors\u200b",
            "--date",
            "2026-01-05",
            "--participant",
            "Zo\u00ade\u200b O'Brien",
        ).exit_code
        == 0
    )
    shown = run("meeting", "show", "1", "--json").output
    assert '"title": "Governors"' in shown and '"name": "Zoe O\'Brien"' in shown
    assert run("person", "add", "Priya\u2060 Shah").exit_code == 0
    refused(home, ("person", "add", "Priya Shah"), message="already exists")


def test_a_joiner_a_script_needs_is_kept_and_still_matches_without_it(home):
    """Persian writes Alireza with a zero-width non-joiner; the name keeps it, and typing it without is the same."""
    assert (
        run(
            "meeting", "create", "Governors", "--date", "2026-01-05", "--participant", "علی\u200cرضا"
        ).exit_code
        == 0
    )
    assert '"name": "علی\u200cرضا"' in run("meeting", "show", "1", "--json").output
    refused(home, ("participant", "add", "1", "علیرضا"), message="already has a participant named")


def _id_commands(bad: str) -> list[tuple[str, ...]]:
    """Every command that takes an id, with `bad` where the id goes."""
    consent = ("--scope", "all", "--method", "verbal")
    return [
        ("meeting", "show", bad),
        ("participant", "add", bad, "Ann"),
        ("participant", "remove", bad, "Ann"),
        *((("consent", verb, bad, "Tom") + consent) for verb in ("give", "refuse", "withdraw")),
        ("consent", "history", bad),
        ("consent", "status", bad),
        ("consent", "notice", bad),
        ("process", bad, "meeting.wav"),
        ("attach", bad, "meeting.wav"),
        ("speakers", bad),
        ("review", "show", bad),
        ("review", "edit", bad, "--by", "R", "--from", "x.json"),
        ("review", "resolve", bad, "a1", "--keep", "--by", "R"),
        ("review", "approve", bad, "--by", "R"),
        ("review", "reject", bad, "--by", "R", "--reason", "x"),
        ("review", "diff", bad),
        ("release", bad, "--by", "R"),
        ("export", bad, "--format", "md"),
        ("audit", "log", "--meeting", bad),
    ]


COMMANDS = range(len(_id_commands("X")))
COMMAND_IDS = [" ".join(a[:2]) for a in _id_commands("X")]
# One command per kind of id argument: a meeting, a draft, the --meeting option. They share one parameter type.
SOME = [("meeting", "show", "{}"), ("review", "show", "{}"), ("audit", "log", "--meeting", "{}")]
BAD_IDS = [OVER, "0", "1e3", "0x10", "+1", " 1 2", "١", "1_000", "9" * 5000]


@pytest.mark.parametrize("args", COMMANDS, ids=COMMAND_IDS)
def test_huge_ids_are_usage_errors(shared, args):
    refused(shared, _id_commands(HUGE)[args], message="id must be a number from 1 to")


@pytest.mark.parametrize(
    "bad",
    BAD_IDS,
    ids=["2**63", "zero", "float", "hex", "plus", "spaced", "arabic-indic", "underscore", "5000-digits"],
)
@pytest.mark.parametrize("args", SOME, ids=[a[0] for a in SOME])
def test_other_bad_ids_are_usage_errors(shared, bad, args):
    line = refused(shared, [a.format(bad) for a in args], message="id must be a number from 1 to")
    assert len(line) < 200


@pytest.mark.parametrize("args", COMMANDS, ids=COMMAND_IDS)
def test_the_largest_id_is_not_found(shared, args):
    command = _id_commands(MAX_ID)[args]
    if command[0] == "audit":  # a filter that matches nothing
        assert run(*command).exit_code == 0
        return
    refused(shared, command, codes=(2, 3, 5))  # 5: `speakers` says it has no recording


@pytest.mark.parametrize(
    "args",
    [
        ("participant", "remove", "1", HUGE),
        ("participant", "add", "1", "Ann", "--person", HUGE),
        ("consent", "give", "1", HUGE, "--scope", "all", "--method", "verbal"),
        (
            "consent",
            "standing",
            "give",
            HUGE,
            "--scope",
            "all",
            "--from",
            "2026-01-01",
            "--until",
            "2026-12-31",
            "--method",
            "form",
        ),
        ("speakers", "1", "--name", f"SPEAKER_00={HUGE}"),
        ("review", "resolve", "1", f"a{HUGE}", "--keep", "--by", "R"),
        ("review", "resolve", "1", f"d{OVER}", "--keep", "--by", "R"),
    ],
    ids=[
        "participant-ref",
        "person-ref",
        "consent-participant",
        "standing-person",
        "speaker-name",
        "item-ref",
        "item-ref-2**63",
    ],
)
def test_huge_numbers_as_references_are_not_found(shared, args):
    refused(shared, args, codes=(2, 3))


# -- issue 40, item 13: what a reviewer types takes the characters names and titles take ------------------------
INJECTED = "a\n## Injected\n\x1b[31mred"
CONTROLS = [INJECTED, "ok\x1b]8;;https://evil.example/\x07link", "tab\there", "rtl\u202eevil", "nul\x00"]


@pytest.mark.parametrize("text", CONTROLS, ids=[t.encode("unicode_escape").decode()[:24] for t in CONTROLS])
@pytest.mark.parametrize(
    "args",
    [
        lambda t: ("review", "resolve", "1", "a1", "--edit", t, "--by", "R"),
        lambda t: ("review", "resolve", "1", "d1", "--keep", "--by", t),
        lambda t: ("review", "approve", "1", "--by", t),
        lambda t: ("review", "reject", "1", "--reason", "no", "--by", t),
    ],
    ids=["item text", "reviewer resolving", "reviewer approving", "reviewer rejecting"],
)
def test_control_characters_in_what_a_reviewer_types_are_refused(shared, text, args):
    refused(shared, args(text), message="control or invisible formatting characters")


def test_an_edited_document_with_control_characters_is_refused(shared, tmp_path):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps({"summary": "fine", "decisions": [{"text": INJECTED}]}), encoding="utf-8")
    refused(shared, ("review", "edit", "1", "--by", "R", "--from", path), message="control or invisible")


def test_a_recording_name_is_stored_without_control_characters(home, database, tmp_path):
    from pg import sql
    from processed_meeting import DEMO

    assert run("meeting", "create", "Briefing", "--date", "2026-11-23", "--participant", "Ann").exit_code == 0
    assert run("consent", "give", "1", "Ann", "--scope", "record", "--method", "verbal").exit_code == 0
    odd = tmp_path / "staff\x1b[31m\u202emeeting.wav"
    odd.write_bytes((DEMO / "meeting.wav").read_bytes())
    assert run("attach", "1", odd).exit_code == 0
    [(name,)] = sql(home, "SELECT original_name FROM recording")
    assert name == "staff[31mmeeting.wav"


# -- issue 40, item 14: names and titles print as written, never as console markup -----------------------------
MARKUP_NAME = "[link=https://evil.example/]Carol[/link]"
MARKUP_TITLE = "Budget [x] review [bold]now[/bold]"


def test_console_markup_in_names_and_titles_prints_as_written(home, database):
    created = run("meeting", "create", MARKUP_TITLE, "--date", "2026-11-23", "--participant", MARKUP_NAME,
                  "--participant", "Dan:[red]chair[/red]")  # fmt: skip
    assert created.exit_code == 0, created.output
    for args in (("meeting", "show", "1"), ("consent", "status", "1")):
        out = run(*args).output
        assert "[link=" in out and "Budget [x] review" in out, (args, out)  # long cells wrap
    assert "Budget [x] review" in run("meeting", "list").output
    assert "[red]chair[/red]" in run("meeting", "show", "1").output
    assert run("person", "add", MARKUP_NAME).exit_code == 0
    assert MARKUP_NAME in run("person", "list").output
    blocked = run("consent", "status", "1").output
    assert "[link=" in blocked

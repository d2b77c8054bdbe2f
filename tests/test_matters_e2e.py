"""Two meetings of one body end to end with the real models on real (synthesised) audio: the first's recording is
processed, reviewed and released; the second's recording reports on its actions ("I've booked the coach", "I
haven't sent the trip letters yet"). Its page lists the first's open actions, the draft's suggestion carries its
evidence from the second recording's transcript, and the governors' minutes of the second file each action's
status under matters arising. The two WAVs are invented meetings rendered by bench/render_meeting.py
(tests/data/SOURCES.md)."""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from processed_meeting import run, stm_lines
from web_helpers import sign_in

from minutes.core.config import load_settings
from minutes.service import Ctx, users
from minutes.web.app import create_app

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data" / "series-e2e"
BODY = "Year 9 team"
PEOPLE = ["Helen:head of year", "Daniel", "Gemma"]
COACH, LETTERS = "book the coach", "trip letters"


def _meeting(name: str, date: str) -> int:
    """Register one of the two meetings in the body's series, with everyone's consent (each person's first line
    as the evidence of it, which enrols their voice), and process its recording."""
    created = run(
        "meeting", "create", "Year 9 team meeting", "--date", date, "--body", BODY, "--body-kind", "department",
        *[x for p in PEOPLE for x in ("--participant", p)], "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    meeting = json.loads(created.output)["id"]
    lines = stm_lines(DATA / name / "reference.stm")
    for person in PEOPLE:
        who = person.split(":")[0]
        first = next(x for x in lines if x.speaker == who)
        given = run(
            "consent", "give", meeting, who, "--scope", "all", "--method", "verbal",
            "--evidence-at", f"{first.start:.1f}-{first.end:.1f}", "--by", "clerk",
        )  # fmt: skip
        assert given.exit_code == 0, given.output
    done = run("process", meeting, DATA / name / "meeting.wav", "--json")
    assert done.exit_code == 0, done.output
    return meeting


def _draft(meeting: int) -> int:
    listed = json.loads(run("review", "list", "--json").output)
    return max(d["id"] for d in listed if d["meeting_id"] == meeting)


def _release(draft: int) -> None:
    """A reviewer's pass: keep whatever the check could not support, then approve and release."""
    shown = json.loads(run("review", "show", draft, "--json").output)
    for item in shown["items"]:
        if item.get("blocking"):
            kept = run("review", "resolve", draft, item["ref"], "--keep", "--by", "Mrs Reviewer")
            assert kept.exit_code == 0, kept.output
    for args in (
        ("review", "approve", draft, "--by", "Mrs Reviewer"),
        ("release", draft, "--by", "Mr Chair"),
    ):
        result = run(*args)
        assert result.exit_code == 0, result.output


def test_two_meetings_of_one_body_end_to_end(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MINUTES_HOME", str(home))
    first = _meeting("e2e_first", "2026-11-02")
    draft = _draft(first)
    actions = {i["text"].lower(): i for i in json.loads(run("review", "show", draft, "--json").output)["items"]
               if i["kind"] == "action"}  # fmt: skip
    for task, owner, due, at in (
        ("Book the coach for the museum trip", "Daniel", "2026-11-06", "0:10-0:20"),
        ("Send the trip letters to parents", "Gemma", "2026-11-11", "0:20-0:34"),
    ):  # what the model drafted, or what the reviewer adds where it missed one
        if not any(task.lower()[:14] in t for t in actions):
            added = run(
                "review", "add", draft, "--kind", "action", "--text", task, "--owner", owner, "--due", due,
                "--at", at, "--by", "Mrs Reviewer",
            )  # fmt: skip
            assert added.exit_code == 0, added.output
    _release(draft)

    second = _meeting("e2e_second", "2026-11-16")
    matters = json.loads(run("matters", "list", second, "--json").output)
    coach = next(m for m in matters if COACH in m["task"].lower())
    letters = next(m for m in matters if LETTERS in m["task"].lower() or "letter" in m["task"].lower())
    assert coach["from_meeting"] == first and coach["status"] == "open"
    evidence = coach["suggested"]["evidence"]
    assert coach["suggested"]["status"] == "done", coach
    assert evidence and "booked" in evidence[0]["quote"].lower() and 4.0 < evidence[0]["start"] < 12.0, (
        evidence
    )

    ctx = Ctx.open(load_settings(home))
    users.add_user(ctx, "Rhys Reviewer", "reviewer", "correct horse battery", "test")
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        assert sign_in(client, "Rhys Reviewer", "correct horse battery").status_code == 303
        page = unescape(client.get(f"/meetings/{second}").text)
    ctx.close()
    assert coach["task"] in page and letters["task"] in page
    assert "Suggested from the talk: <strong>Done</strong>" in page and evidence[0]["quote"] in page

    m, draft = second, _draft(second)
    for args in (
        ("confirm", m, coach["action_id"], "--by", "Mrs Reviewer"),
        ("set", m, letters["action_id"], "carried", "--due", "2026-11-23", "--note", "They go out on Monday"),
    ):
        result = run("matters", *args)
        assert result.exit_code == 0, result.output
    _release(draft)
    out = tmp_path / "second.md"
    exported = run("export", draft, "--format", "md", "--template", "governors", "--out", out)
    assert exported.exit_code == 0, exported.output
    section = out.read_text().split("## Matters arising\n", 1)[1].split("\n## ", 1)[0]
    assert f"{coach['task']}. Done." in section or f"{coach['task']} Done." in section, section
    assert "Carried forward to Monday 23 November 2026. They go out on Monday." in section, section

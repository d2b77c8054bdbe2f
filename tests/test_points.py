"""Discussion points (issue 15): drafted from each chunk's decisions turn with a fake engine, grounded and kept
out of sensitive passages; stored with their evidence, listed and edited in review, moved to another agenda item,
and exported under the agenda item they belong to (Markdown, and DOCX read back with python-docx)."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime

import pytest
import time_machine
from docx import Document
from fake_engine import WEDNESDAY, FakeEngine, meeting, reply
from processed_meeting import approve_and_release, build, demo_draft, ev, run
from web_helpers import ACCOUNTS, PASSWORD, Web

from minutes.core import types
from minutes.core.config import load_settings
from minutes.drafting.extract import extract
from minutes.records import clerk
from minutes.service import Ctx, review, users
from minutes.web.app import create_app

AGENDA = "1. Year 9 science museum trip\n2. Homework policy\n3. Lab technician post\n"
BY = ("--by", "Mrs Reviewer")

TRIP = meeting(
    ("Ann", "Next, the trip. We'll go to the museum on the fifth."),  # 1
    ("Ben", "The coach is twelve pounds a head if we go on a Tuesday."),  # 2
    ("Ben", "I need to raise a safeguarding concern about Jamie Ellis in Year 8."),  # 3: withheld
    ("Ben", "He came in with bruises again."),  # 4: withheld
    ("Ann", "Thanks. The library is closed for repairs until March."),  # 5
)


def point(text: str, *lines: int) -> dict:
    return {"text": text, "lines": list(lines)}


def test_points_are_drafted_with_evidence_and_make_the_summary():
    engine = FakeEngine(
        reply(
            points=[
                point("The trip goes to the museum on the fifth by coach.", 1, 2),
                point("The library is closed for repairs until March.", 5),
            ]
        )
    )
    draft = extract(engine, TRIP, ["Ann", "Ben"], WEDNESDAY)
    assert [(p.text, p.status) for p in draft.points] == [
        ("The trip goes to the museum on the fifth by coach.", "supported"),
        ("The library is closed for repairs until March.", "supported"),
    ]
    assert [e.quote for e in draft.points[0].evidence] == [TRIP.segments[0].text, TRIP.segments[1].text]
    assert draft.summary == (
        "The trip goes to the museum on the fifth by coach. The library is closed for repairs until March."
    )
    second = engine.asked[1][1]["properties"]
    assert list(second) == ["decisions", "points"]  # the decisions part of the reply comes first, as before
    assert second["points"]["items"]["properties"]["lines"]["items"]["enum"] == [1, 2, 5]


def test_a_point_without_a_valid_line_or_on_a_sensitive_passage_never_becomes_a_point():
    engine = FakeEngine(
        reply(
            points=[
                point("Ben raised a concern about a pupil.", 3),  # a withheld line: not in the chunk
                point("Jamie Ellis in Year 8 was discussed.", 2),  # a word said only in the withheld passage
                point("The museum trip was discussed at length.", 99),  # no such line
                point("Parents praised the new canteen menu.", 5),  # its words are not in its evidence
            ]
        )
    )
    draft = extract(engine, TRIP, ["Ann", "Ben"], WEDNESDAY)
    assert [p.text for p in draft.points] == ["Parents praised the new canteen menu."]
    assert draft.points[0].status == "unsupported" and draft.summary == ""  # only supported points
    assert sum("not a discussion point (it cites no line" in n for n in draft.notes) == 1
    # the note on the point citing the withheld line would repeat a word said only there: it is made general
    assert "a drafting note touching a flagged sensitive passage was left out" in draft.notes
    assert any("withheld for human handling" in n for n in draft.notes)
    assert any(n.startswith("point 1 unsupported") for n in draft.notes)
    assert "jamie" not in json.dumps(draft.model_dump()["points"]).lower()


def test_points_are_placed_by_their_evidence_or_where_a_reviewer_moved_them():
    lines = [
        (0.0, "Item one, the trip."),
        (30.0, "Next item, homework."),
        (60.0, "Item three, the lab post."),
    ]
    draft = types.Draft(
        points=[
            types.Point(
                text="Homework went online.",
                evidence=[types.Evidence(start=35.0, end=40.0, quote="homework")],
            ),
            types.Point(
                text="The coach costs twelve pounds.",
                evidence=[types.Evidence(start=5.0, end=9.0, quote="coach")],
            ),
            types.Point(
                text="Moved by a reviewer.",
                evidence=[types.Evidence(start=6.0, end=8.0, quote="x")],
                agenda_item=3,
            ),
            types.Point(text="Added by a reviewer, no evidence."),
        ]
    )
    sections = clerk.sections(["Trip", "Homework", "Lab post"], draft, lines)
    assert [(s.title, s.discussion) for s in sections] == [
        ("Trip", ["The coach costs twelve pounds."]),
        ("Homework", ["Homework went online."]),
        ("Lab post", ["Moved by a reviewer."]),
        ("Other matters", ["Added by a reviewer, no evidence."]),
    ]


def demo_with_points() -> types.Draft:
    draft = demo_draft()
    draft.points = [
        types.Point(
            text="Coaches are cheapest on a Tuesday, but Tuesdays clash with the Year 11 mocks.",
            evidence=[ev("Tom", "coach prices"), ev("Helen", "Tuesdays clash")],
        ),
        types.Point(
            text="Parents find the online homework platform hard to use on phones.",
            evidence=[ev("Helen", "Parents have")],
        ),
        types.Point(
            text="No one has applied for the lab technician post.",
            evidence=[ev("Priya", "lab technician post")],
        ),
    ]
    return draft


@pytest.fixture
def built(home, tmp_path):
    built = build(load_settings(), demo_with_points())
    (tmp_path / "agenda.txt").write_text(AGENDA, encoding="utf-8")
    assert run("meeting", "agenda", built.meeting_id, tmp_path / "agenda.txt").exit_code == 0
    return built


def test_review_lists_edits_and_moves_points_and_the_export_minutes_them_under_their_item(built, tmp_path):
    d = built.draft_id
    shown = run("review", "show", d).output
    assert "p2 point" in shown and "online homework platform" in shown
    doc = json.loads(run("review", "show", d, "--json").output)
    assert [i["ref"] for i in doc["items"] if i["kind"] == "point"] == ["p1", "p2", "p3"]
    edited = tmp_path / "edit.json"
    document = _document(d)
    document["points"][1]["text"] = "Parents say the homework platform is hard to use on phones."
    del document["points"][2]
    edited.write_text(json.dumps(document), encoding="utf-8")
    result = run("review", "edit", d, "--from", edited, *BY)
    assert result.exit_code == 0, result.output
    assert run("review", "move", d, "p1", "--agenda", "2", *BY).exit_code == 0
    refused = run("review", "move", d, "p4", "--agenda", "2", *BY)
    assert refused.exit_code != 0 and refused.output.startswith("error: ")
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), tick=False):
        approve_and_release(d)
    out = tmp_path / "minutes.md"
    assert run("export", d, "--format", "md", "--template", "department", "--out", out).exit_code == 0
    md = out.read_text(encoding="utf-8")
    item1, item2, item3 = (md[md.index(f"## {n}.") :] for n in (1, 2, 3))
    assert item1[: item1.index("## 2.")].count("Discussion:") == 0
    assert item2[: item2.index("## 3.")].startswith(
        "## 2. Homework policy\n\nDiscussion: Coaches are cheapest on a Tuesday, but Tuesdays clash with the "
        "Year 11 mocks. Parents say the homework platform is hard to use on phones.\n"
    )
    assert "lab technician post." not in item3 and "Discussion" not in item3
    out = tmp_path / "minutes.docx"
    assert run("export", d, "--format", "docx", "--template", "governors", "--out", out).exit_code == 0
    paras = [p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs]
    after = paras[paras.index("2. Homework policy") + 1]
    assert after.startswith("Discussion: Coaches are cheapest") and after.endswith("hard to use on phones.")
    assert paras[paras.index("2. Homework policy") + 2].startswith("2.1 Resolved: Year 7 will trial")


def _document(draft_id: int) -> dict:
    ctx = Ctx.open(load_settings())
    try:
        return review.document(ctx, draft_id)
    finally:
        ctx.close()


def test_without_an_agenda_points_go_under_discussion(home, tmp_path):
    built = build(load_settings(), demo_with_points())
    approve_and_release(built.draft_id)
    out = tmp_path / "minutes.md"
    assert (
        run("export", built.draft_id, "--format", "md", "--template", "governors", "--out", out).exit_code
        == 0
    )
    md = out.read_text(encoding="utf-8")
    assert "## 1. Discussion\n\nDiscussion: Coaches are cheapest on a Tuesday" in md
    assert "No one has applied for the lab technician post.\n\n1.1 Resolved:" in md


@pytest.fixture
def web(home):
    settings = load_settings()
    built = build(settings, demo_with_points())
    ctx = Ctx.open(settings)
    for role in ("clerk", "reviewer"):
        users.add_user(ctx, ACCOUNTS[role], role, PASSWORD, "test")
    yield Web(home, ctx, create_app(ctx), built)
    ctx.close()


def test_the_review_page_shows_a_point_under_its_agenda_item_and_edits_and_moves_it(web):
    m, d = web.built.meeting_id, web.built.draft_id
    clerk_client, clerk_csrf = web.login("clerk")
    assert (
        clerk_client.post(f"/meetings/{m}/agenda", data={"csrf": clerk_csrf, "agenda": AGENDA}).status_code
        == 303
    )
    reviewer, csrf = web.login("reviewer")
    page = reviewer.get(f"/drafts/{d}").text
    section = page[page.index('<h3 id="sec-2">2. Homework policy</h3>') : page.index('<h3 id="sec-3">')]
    assert 'id="item-p2"' in section and '<p class="label">Discussion</p>' in section
    form = reviewer.get(f"/drafts/{d}/items/p2/edit", headers={"HX-Request": "true"}).text
    assert '<label for="text-p2">Discussion point</label>' in form and '<label for="agenda-p2">' in form
    url = f"/drafts/{d}/items/p2"
    new = "Parents say the homework platform is hard to use on phones."
    before = web.snapshot()
    assert reviewer.post(url, data={"how": "edit", "text": new}).status_code == 403  # no CSRF
    assert clerk_client.post(url, data={"csrf": clerk_csrf, "how": "edit", "text": new}).status_code == 403
    assert reviewer.post(url, data={"csrf": csrf, "how": "edit", "agenda_item": "7"}).status_code == 400
    assert web.snapshot() == before
    assert reviewer.post(url, data={"csrf": csrf, "how": "edit", "text": new}).status_code == 303
    assert reviewer.post(url, data={"csrf": csrf, "how": "edit", "agenda_item": "3"}).status_code == 303
    page = reviewer.get(f"/drafts/{d}").text
    section = page[page.index('<h3 id="sec-3">3. Lab technician post</h3>') :]
    item = section[section.index('id="item-p2"') :]
    assert new in item[: item.index("</article>")]


def _original_points(home, draft_id: int) -> str:
    with sqlite3.connect(home / "minutes.db") as conn:
        [(original,)] = conn.execute("SELECT original FROM draft WHERE id = ?", (draft_id,)).fetchall()
    return json.dumps(json.loads(original)["points"])


def test_a_withdrawal_removes_the_persons_words_and_name_from_points(built, home):
    d = built.draft_id
    assert "coach prices" in _original_points(home, d)
    doc = _document(d)
    doc["points"][2]["text"] = "Tom says nobody has applied for the lab technician post."
    path = built.audio.parent / "edit.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert run("review", "edit", d, "--from", path, *BY).exit_code == 0
    withdraw = ("consent", "withdraw", built.meeting_id, "Tom", "--scope", "all", "--method", "written")
    assert run(*withdraw, "--by", "Clerk").exit_code == 0
    shown = json.loads(run("review", "show", d, "--json").output)
    points = {i["ref"]: i for i in shown["items"] if i["kind"] == "point"}
    assert [e["quote"] for e in points["p1"]["evidence"]] == [ev("Helen", "Tuesdays clash").quote]
    assert points["p3"]["text"].startswith("a participant (consent withdrawn) says nobody")
    assert "coach prices" not in _original_points(home, d)  # the AI's original, kept for the diff, too


def test_the_short_record_lists_the_points_under_the_summary(built, tmp_path):
    """Without a template the minutes list the discussion points after the summary (Markdown, DOCX and JSON);
    minutes with no points have no such section (tests/data/golden/minutes.md)."""
    assert run("review", "resolve", built.draft_id, "p3", "--remove", *BY).exit_code == 0
    approve_and_release(built.draft_id)
    out = tmp_path / "minutes.md"
    assert run("export", built.draft_id, "--format", "md", "--out", out).exit_code == 0
    md = out.read_text(encoding="utf-8")
    assert (
        "\n\n## Discussion points\n\n- Coaches are cheapest on a Tuesday, but Tuesdays clash with the Year 11 "
        "mocks.\n- Parents find the online homework platform hard to use on phones.\n\n## Decisions\n" in md
    )
    assert md.index("## Summary") < md.index("## Discussion points") and "No one has applied" not in md
    out = tmp_path / "minutes.docx"
    assert run("export", built.draft_id, "--format", "docx", "--out", out).exit_code == 0
    paras = [p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs]
    at = paras.index("Discussion points")
    assert paras[at + 1 : at + 4] == [
        "Coaches are cheapest on a Tuesday, but Tuesdays clash with the Year 11 mocks.",
        "Parents find the online homework platform hard to use on phones.",
        "Decisions",
    ]
    out = tmp_path / "minutes.json"
    assert run("export", built.draft_id, "--format", "json", "--out", out).exit_code == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["points"]) == 2

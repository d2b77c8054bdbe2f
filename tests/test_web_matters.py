"""Bodies, matters arising and who owes what in the web app, on two processed meetings of one body (no models
run): role checks, CSRF, readable refusals, and the same service functions as the command line."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from docx import Document
from test_matters_arising import BODY, store_two
from web_helpers import ACCOUNTS, PASSWORD, Web

from minutes.core.config import load_settings
from minutes.service import Ctx, users
from minutes.web.app import create_app


@pytest.fixture
def web(home):
    """The demo meeting released in the body's series, and a second meeting of it with its talk's suggestions."""
    settings = load_settings()
    _, second = store_two(settings)
    ctx = Ctx.open(settings)
    for role, name in ACCOUNTS.items():
        users.add_user(ctx, name, role, PASSWORD, "test")
    yield Web(home, ctx, create_app(ctx), second)
    ctx.close()


def rows(web, sql: str) -> list[tuple]:
    with sqlite3.connect(web.home / "minutes.db") as conn:
        return conn.execute(sql).fetchall()


def action_ids(web) -> dict[str, int]:
    return {task.split()[0]: i for i, task in rows(web, "SELECT id, task FROM action WHERE draft_id = 1")}


def test_a_clerk_puts_a_new_meeting_in_a_body(web):
    clerk, csrf = web.login("clerk")
    form = clerk.get("/meetings/new").text
    assert '<label for="new_body">Or a new body</label>' in form and f">{BODY} (department)</option>" in form
    made = clerk.post(
        "/meetings",
        data={
            "csrf": csrf,
            "title": "FGB",
            "date": "2026-12-01",
            "new_body": "Full governing board",
            "kind": "governing board",
        },
    )
    assert made.status_code == 303, made.text
    again = clerk.post("/meetings", data={"csrf": csrf, "title": "Sci", "date": "2027-01-11", "body": BODY})
    assert again.status_code == 303
    assert rows(web, "SELECT name, kind FROM body ORDER BY id") == [
        (BODY, "department"),
        ("Full governing board", "governing board"),
    ]
    third = int(again.headers["location"].split("/")[2])
    page = clerk.get(f"/meetings/{third}").text
    assert f"Body: {BODY}" in page and "3 open actions from the body" in page  # the first's, none decided yet


def test_the_next_meeting_page_lists_the_open_actions_with_the_talks_evidence(web):
    reviewer, csrf = web.login("reviewer")
    m = web.built.meeting_id
    page = reviewer.get(f"/meetings/{m}").text
    assert "A standing item, taken before item 1: 3 open actions" in page
    assert "<strong>Tom</strong>: Book the coach for the Year 9 trip (due Friday 27 November 2026)" in page
    assert "Suggested from the talk: <strong>Done</strong>" in page
    assert "“The coach is booked for the Year 9 trip, deposit paid on Monday.”" in page
    ids = action_ids(web)
    done = reviewer.post(f"/meetings/{m}/matters/{ids['Book']}", data={"csrf": csrf, "confirm": "1"})
    assert done.status_code == 303
    no_date = reviewer.post(f"/meetings/{m}/matters/{ids['Draft']}", data={"csrf": csrf, "status": "carried"})
    assert no_date.status_code == 400 and "needs its new due date" in no_date.text
    assert "--due" not in no_date.text  # the command line's words are not shown in a browser
    carried = reviewer.post(
        f"/meetings/{m}/matters/{ids['Draft']}",
        data={"csrf": csrf, "status": "carried", "due": "2026-12-14", "note": "Priya checks it"},
    )
    assert carried.status_code == 303
    page = reviewer.get(f"/meetings/{m}").text
    assert "Status: <strong>Done</strong>" in page
    assert (
        "Status: <strong>Carried forward</strong> to Monday 14 December 2026. Note: Priya checks it" in page
    )
    assert rows(web, "SELECT status, decided_by FROM matter_arising WHERE status != 'open' ORDER BY id") == [
        ("done", "Rhys Reviewer"),
        ("carried", "Rhys Reviewer"),
    ]


def test_only_a_reviewer_records_a_status_and_only_with_the_forms_token(web):
    clerk, csrf = web.login("clerk")
    reviewer, token = web.login("reviewer")
    m, ids = web.built.meeting_id, action_ids(web)
    before = web.snapshot()
    refused = clerk.post(f"/meetings/{m}/matters/{ids['Book']}", data={"csrf": csrf, "status": "done"})
    assert refused.status_code == 403 and "a clerk may not do this" in refused.text
    assert "Record the status" not in clerk.get(f"/meetings/{m}").text
    forged = reviewer.post(f"/meetings/{m}/matters/{ids['Book']}", data={"csrf": "nope", "status": "done"})
    assert forged.status_code == 403
    stranger = reviewer.post(f"/meetings/{m}/matters/999", data={"csrf": token, "status": "done"})
    assert stranger.status_code == 404 and "not among meeting" in stranger.text
    assert web.snapshot() == before


def test_who_owes_what_page_mine_everyones_csv_and_docx(web):
    reviewer, _ = web.login("reviewer")
    mine = reviewer.get("/actions").text
    assert "No open actions in your name." in mine and "(Rhys Reviewer)" in mine
    everyone = reviewer.get("/actions", params={"who": "all", "body": BODY}).text
    assert everyone.index("Draft the letter") < everyone.index("Book the coach")  # overdue (25 Nov) first
    got = reviewer.get("/actions", params={"who": "all", "format": "csv"})
    assert got.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [r[0] for r in table[1:]] == ["Sam", "Tom", "Priya"]
    word = reviewer.get("/actions", params={"who": "all", "format": "docx"})
    assert "wordprocessingml" in word.headers["content-type"]
    assert "Book the coach for the Year 9 trip" in [
        c.text for row in Document(io.BytesIO(word.content)).tables[0].rows for c in row.cells
    ]
    missing = reviewer.get("/actions", params={"who": "all", "body": "Nowhere"})
    assert missing.status_code == 404 and "no body named" in missing.text


def test_the_talks_evidence_is_shown_only_to_those_who_may_read_the_transcript(web):
    """The suggestion quotes the draft's transcript, and the actions the released minutes, neither of which an
    admin may read (review.view, release.download)."""
    admin, _ = web.login("admin")
    page = admin.get(f"/meetings/{web.built.meeting_id}")
    assert page.status_code == 200 and "3 open actions from the body's earlier minutes" in page.text
    assert "deposit paid on Monday" not in page.text and "Suggested from the talk" not in page.text
    assert "Book the coach" not in page.text and 'href="/actions"' not in page.text
    assert admin.get(f"/drafts/{web.built.draft_id}").status_code == 403  # as the transcript itself
    for query in ({}, {"who": "all", "format": "csv"}):
        refused = admin.get("/actions", params=query)
        assert refused.status_code == 403 and "Book the coach" not in refused.text
    clerk, _ = web.login("clerk")
    page = clerk.get(f"/meetings/{web.built.meeting_id}").text
    assert "Book the coach" in page and "deposit paid on Monday" in page  # a clerk reads the draft too

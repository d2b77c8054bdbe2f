"""The agenda and attendance in the web app, through the same service functions as the command line, on a real
SQLite store: a clerk sets them (CSRF on every POST), bad input stores nothing, the consent rules still hold, and
the clerk's minutes show what was entered."""

from __future__ import annotations

import io
import json
import sqlite3

from docx import Document
from fastapi.testclient import TestClient
from processed_meeting import approve_and_release, run


def rows(web, sql: str) -> list[tuple]:
    with sqlite3.connect(web.home / "minutes.db") as conn:
        return conn.execute(sql).fetchall()


def test_a_clerk_gives_the_agenda_when_creating_a_meeting(web):
    clerk, csrf = web.login("clerk")
    form = clerk.get("/meetings/new").text
    assert (
        '<label for="agenda">Agenda (optional)</label>' in form and 'aria-describedby="agenda-help"' in form
    )
    before = web.snapshot()
    bad = clerk.post(
        "/meetings",
        data={"csrf": csrf, "title": "FGB", "date": "2026-12-01", "agenda": "1. Apologies\nAOB"},
    )
    assert bad.status_code == 400 and "agenda line 2 is not a numbered item" in bad.text
    assert web.snapshot() == before, "a bad agenda stores nothing, not even the meeting"
    made = clerk.post(
        "/meetings",
        data={
            "csrf": csrf,
            "title": "FGB",
            "date": "2026-12-01",
            "participant_name": "Ann",
            "agenda": "1. Apologies\r\n2) Minutes of the last meeting\r\n\r\n3. AOB\r\n",
        },
    )
    assert made.status_code == 303
    mid = int(made.headers["location"].split("/")[2])
    page = clerk.get(f"/meetings/{mid}").text
    assert (
        '<ol class="agenda"><li>Apologies</li><li>Minutes of the last meeting</li><li>AOB</li></ol>' in page
    )
    assert rows(
        web, f"SELECT actor FROM audit_event WHERE kind = 'meeting.agenda' AND meeting_id = {mid}"
    ) == [("Clara Clerk",)]
    plain = clerk.post("/meetings", data={"csrf": csrf, "title": "No agenda", "date": "2026-12-02"})
    assert plain.status_code == 303 and "No agenda yet" in clerk.get(plain.headers["location"][:-8]).text


def test_the_agenda_is_changed_on_the_meeting_page_until_release(web):
    m, d = web.built.meeting_id, web.built.draft_id
    clerk, csrf = web.login("clerk")
    page = clerk.get(f"/meetings/{m}").text
    assert "Set the agenda" in page and '<label for="agenda-text">' in page
    assert clerk.post(f"/meetings/{m}/agenda", data={"agenda": "1. Apologies"}).status_code == 403  # no CSRF
    bad = clerk.post(f"/meetings/{m}/agenda", data={"csrf": csrf, "agenda": "2. Apologies"})
    assert bad.status_code == 400 and "expected 1" in bad.text
    agenda = "1. Year 9 science museum trip\n2. Homework policy\n3. Lab technician post\n"
    ok = clerk.post(f"/meetings/{m}/agenda", data={"csrf": csrf, "agenda": agenda})
    assert ok.status_code == 303 and ok.headers["location"] == f"/meetings/{m}#agenda"
    assert json.loads(run("meeting", "show", m, "--json").output)["agenda"] == [
        "Year 9 science museum trip",
        "Homework policy",
        "Lab technician post",
    ]
    assert agenda in clerk.get(f"/meetings/{m}").text  # the form holds the list as it is typed
    reviewer, _ = web.login("reviewer")
    assert "Save the agenda" not in reviewer.get(f"/meetings/{m}").text  # reviewers read it only
    for args in (
        ("review", "resolve", d, "f1", "--keep", "--by", "R"),
        ("review", "resolve", d, "d2", "--keep", "--by", "R"),
    ):
        assert run(*args).exit_code == 0
    approve_and_release(d)
    page = clerk.get(f"/meetings/{m}").text
    assert "kept as filed" in page and "Save the agenda" not in page and "Save attendance" not in page
    late = clerk.post(f"/meetings/{m}/agenda", data={"csrf": csrf, "agenda": "1. Apologies"})
    assert late.status_code == 409 and "kept as filed" in late.text
    # issue 40, item 22: nor can anyone be added or removed; the released attendees line stays as filed
    assert "Add participant" not in page and "Remove (added by mistake)" not in page
    larry = clerk.post(f"/meetings/{m}/participants", data={"csrf": csrf, "name": "Late Larry"})
    assert larry.status_code == 409 and "participants are kept as filed" in larry.text
    sam = web.built.participants["Sam"]
    gone = clerk.post(f"/meetings/{m}/participants/{sam}/remove", data={"csrf": csrf})
    assert gone.status_code == 409 and "Late Larry" not in clerk.get(f"/meetings/{m}").text


def test_a_clerk_records_attendance_and_whether_apologies_were_accepted(web, tmp_path):
    m, d, sam = web.built.meeting_id, web.built.draft_id, web.built.participants["Sam"]
    clerk, csrf = web.login("clerk")
    added = clerk.post(
        f"/meetings/{m}/participants",
        data={"csrf": csrf, "name": "Mr Khan", "role": "governor", "attendance": "apologies"},
    )
    assert added.status_code == 303
    [(khan,)] = rows(web, "SELECT id FROM participant WHERE name = 'Mr Khan'")
    page = clerk.get(f"/meetings/{m}").text
    assert "Apologies (acceptance not recorded)" in page
    assert f'<label for="att-{khan}">Attendance<span class="vh"> of Mr Khan</span></label>' in page
    url = f"/meetings/{m}/participants/{khan}/attendance"
    accepted = clerk.post(url, data={"csrf": csrf, "attendance": "apologies", "accepted": "yes"})
    assert accepted.status_code == 303 and accepted.headers["location"] == f"/meetings/{m}#attendance"
    assert "Apologies, accepted" in clerk.get(f"/meetings/{m}").text
    assert rows(web, f"SELECT attendance, apologies_accepted FROM participant WHERE id = {khan}") == [
        ("apologies", 1)
    ]
    bad = clerk.post(url, data={"csrf": csrf, "attendance": "late"})
    assert bad.status_code == 400 and "is not one of" in bad.text
    # Sam is in the recording: the consent rules refuse to take him out of the gate, whatever the front end
    before = web.snapshot()
    refused = clerk.post(
        f"/meetings/{m}/participants/{sam}/attendance", data={"csrf": csrf, "attendance": "absent"}
    )
    assert refused.status_code == 409 and "recorded with Sam present" in refused.text
    assert web.snapshot() == before
    head = clerk.post(
        f"/meetings/{m}/participants/{sam}/attendance",
        data={"csrf": csrf, "attendance": "in-attendance", "accepted": "yes"},  # "accepted?" is for apologies
    )
    assert head.status_code == 303
    events = rows(web, "SELECT actor, subject_json FROM audit_event WHERE kind = 'participant.attendance'")
    assert [(a, json.loads(s)["to"], json.loads(s).get("accepted")) for a, s in events] == [
        ("Clara Clerk", "apologies", True),
        ("Clara Clerk", "in-attendance", None),
    ]
    reviewer, reviewer_csrf = web.login("reviewer")
    assert reviewer.post(url, data={"csrf": reviewer_csrf, "attendance": "present"}).status_code == 403
    for ref in ("f1", "d2"):
        assert run("review", "resolve", d, ref, "--keep", "--by", "R").exit_code == 0
    approve_and_release(d)
    out = tmp_path / "minutes.md"
    assert run("export", d, "--format", "md", "--template", "governors", "--out", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "In attendance: Sam" in text and "Apologies received and accepted from Mr Khan (governor)" in text


def with_agenda(web) -> tuple[TestClient, str, TestClient, str]:
    """The clerk gives the demo meeting its agenda; the clerk's and a reviewer's clients and CSRF tokens."""
    clerk, clerk_csrf = web.login("clerk")
    agenda = "1. Year 9 science museum trip\n2. Homework policy\n3. Lab technician post\n"
    url = f"/meetings/{web.built.meeting_id}/agenda"
    assert clerk.post(url, data={"csrf": clerk_csrf, "agenda": agenda}).status_code == 303
    return clerk, clerk_csrf, *web.login("reviewer")


def test_a_reviewer_moves_an_item_and_records_a_motion_on_the_review_page(web):
    """The item's edit form: where it is minuted (decisions, actions, points; not flags) and a decision's motion
    (reviewers only, CSRF), a 4xx with nothing changed for bad input; the minutes downloaded in a template the
    clerk chooses show both."""
    d = web.built.draft_id
    clerk, clerk_csrf, reviewer, csrf = with_agenda(web)
    form = reviewer.get(f"/drafts/{d}/items/d1/edit", headers={"HX-Request": "true"}).text
    assert '<label for="agenda-d1">Minute it under</label>' in form
    assert '<label for="proposer-d1">Proposed by</label>' in form
    assert (
        'id="agenda-f1"'
        not in reviewer.get(f"/drafts/{d}/items/f1/edit", headers={"HX-Request": "true"}).text
    )
    assert (
        'id="proposer-a1"'
        not in reviewer.get(f"/drafts/{d}/items/a1/edit", headers={"HX-Request": "true"}).text
    )
    page = reviewer.get(f"/drafts/{d}").text
    section = page[page.index('<h3 id="sec-1">1. Year 9 science museum trip</h3>') : page.index('id="sec-2"')]
    assert 'id="item-d1"' in section
    url = f"/drafts/{d}/items/d1"
    move = {"how": "edit", "agenda_item": "3"}
    before = web.snapshot()
    assert reviewer.post(url, data=move).status_code == 403  # no CSRF
    assert clerk.post(url, data={"csrf": clerk_csrf, **move}).status_code == 403  # not a reviewer
    bad = reviewer.post(url, data={"csrf": csrf, "how": "edit", "agenda_item": "9"})
    assert bad.status_code == 400 and "agenda item 9 is not on the agenda" in bad.text
    motion = {"how": "edit", "proposer": "Samantha", "seconder": "", "vote": ""}
    stranger = reviewer.post(url, data={"csrf": csrf, **motion})
    assert stranger.status_code == 400 and "no participant &#39;Samantha&#39;" in stranger.text
    assert web.snapshot() == before
    moved = reviewer.post(url, data={"csrf": csrf, **move})
    assert moved.status_code == 303 and moved.headers["location"] == f"/drafts/{d}#item-d1"
    motion = {"how": "edit", "proposer": "Tom", "seconder": "Helen", "vote": "carried unanimously"}
    assert reviewer.post(url, data={"csrf": csrf, **motion}).status_code == 303
    page = reviewer.get(f"/drafts/{d}").text
    section = page[page.index('<h3 id="sec-3">3. Lab technician post</h3>') :]
    assert 'id="item-d1"' in section and "Proposed by Tom, seconded by Helen. Carried unanimously." in section
    form = reviewer.get(f"/drafts/{d}/items/d1/edit", headers={"HX-Request": "true"}).text
    assert '<option value="3" selected>3. Lab technician post</option>' in form
    kinds = rows(web, "SELECT kind, actor FROM audit_event WHERE kind = 'review.edit' ORDER BY seq")
    assert kinds == [("review.edit", "Rhys Reviewer")] * 2
    for ref in ("f1", "d2"):
        assert run("review", "resolve", d, ref, "--keep", "--by", "R").exit_code == 0
    approve_and_release(d)
    late = reviewer.post(url, data={"csrf": csrf, "how": "edit", "agenda_item": "1"})
    assert late.status_code == 409 and "released" in late.text
    page = clerk.get(f"/drafts/{d}/release").text
    assert '<label for="template">Layout</label>' in page and '<option value="department">' in page
    docx = clerk.post(f"/drafts/{d}/download/docx", data={"csrf": clerk_csrf, "template": "governors"})
    assert docx.status_code == 200 and "minutes-governors.docx" in docx.headers["content-disposition"]
    text = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    assert text[text.index("3. Lab technician post") + 1] == (
        "3.1 Resolved: The Year 9 science museum trip moves to the last week of April. Proposed by Tom, "
        "seconded by Helen. Carried unanimously."
    )
    md = clerk.post(f"/drafts/{d}/download/md", data={"csrf": clerk_csrf, "template": "department"})
    assert "## 3. Lab technician post\n\n- Agreed: The Year 9" in md.text
    bad = clerk.post(f"/drafts/{d}/download/json", data={"csrf": clerk_csrf, "template": "governors"})
    assert bad.status_code == 400 and "not available for json" in bad.text


def test_a_reviewer_adds_a_discussion_point_under_an_agenda_item(web):
    """The "Add a missing item" form adds a discussion point too (reviewers only, CSRF, audited), minuted under
    the agenda item chosen, or under "Other matters"; bad input is a 4xx page and changes nothing."""
    d = web.built.draft_id
    clerk, clerk_csrf, reviewer, csrf = with_agenda(web)
    page = reviewer.get(f"/drafts/{d}").text
    assert '<input type="radio" name="kind" value="point"> Discussion point</label>' in page
    assert '<label for="new-agenda">Minute it under</label>' in page
    url, point = f"/drafts/{d}/items", {"kind": "point", "text": "The coach costs were compared."}
    before = web.snapshot()
    assert reviewer.post(url, data={**point, "agenda_item": "1"}).status_code == 403  # no CSRF
    assert clerk.post(url, data={"csrf": clerk_csrf, **point, "agenda_item": "1"}).status_code == 403
    for bad, said in (
        ({**point, "agenda_item": "9"}, "agenda item 9 is not on the agenda"),
        ({**point, "agenda_item": "first"}, "agenda item"),
        ({"kind": "point", "text": " ", "agenda_item": "1"}, "needs its text"),
        ({"kind": "motion", "text": "x"}, "unknown item kind"),
    ):
        refused = reviewer.post(url, data={"csrf": csrf, **bad})
        assert refused.status_code == 400 and said in refused.text, refused.text
    assert web.snapshot() == before
    added = reviewer.post(url, data={"csrf": csrf, **point, "agenda_item": "1"})
    assert added.status_code == 303 and added.headers["location"] == f"/drafts/{d}#item-p1"
    other = {"csrf": csrf, "kind": "point", "text": "Parents asked about lockers", "agenda_item": "0"}
    assert reviewer.post(url, data=other).headers["location"].endswith("#item-p2")
    page = reviewer.get(f"/drafts/{d}").text
    section = page[page.index('<h3 id="sec-1">') : page.index('<h3 id="sec-2">')]
    assert "The coach costs were compared." in section
    kinds = rows(web, "SELECT kind, actor FROM audit_event WHERE kind = 'review.add' ORDER BY seq")
    assert kinds == [("review.add", "Rhys Reviewer")] * 2
    for ref in ("f1", "d2"):
        assert run("review", "resolve", d, ref, "--keep", "--by", "R").exit_code == 0
    approve_and_release(d)
    docx = clerk.post(f"/drafts/{d}/download/docx", data={"csrf": clerk_csrf, "template": "governors"})
    text = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    assert (
        text[text.index("1. Year 9 science museum trip") + 1] == "Discussion: The coach costs were compared."
    )
    assert text[text.index("4. Other matters") + 1] == "Discussion: Parents asked about lockers."

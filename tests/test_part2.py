"""The part-2 (confidential) record on the processed demo meeting (no models run): a reviewer sends a sensitive
flag there, only a reviewer's account can export it, the main minutes never hold it, and a withdrawal removes
the person from it like from every other export."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from datetime import UTC, datetime

import time_machine
from docx import Document
from processed_meeting import approve_and_release, build, demo_draft, line, run

from minutes.core import types
from minutes.core.config import load_settings
from minutes.records.clerk import CONFIDENTIAL_NOTE
from minutes.records.export import WITHDRAWN
from minutes.service import Ctx, users

REASON = "possible staff disciplinary, grievance or complaint"
QUOTE = line("Helen", "higher salary band").text
PASSWORD = "correct horse battery"


def setup(home, extraction_flag: bool = False):
    draft = demo_draft(flags=True)
    if extraction_flag:
        draft.flags.append(
            types.Flag(kind="extraction", reason="the model's reply was incomplete", evidence=[])
        )
    built = build(load_settings(), draft)
    ctx = Ctx.open(load_settings())
    users.add_user(ctx, "Rhys Reviewer", "reviewer", PASSWORD, "test")
    users.add_user(ctx, "Clara Clerk", "clerk", PASSWORD, "test")
    ctx.close()
    return built


def rows(home, sql: str) -> list[tuple]:
    with sqlite3.connect(home / "minutes.db") as conn:
        return conn.execute(sql).fetchall()


def send_and_release(built) -> None:
    result = run("review", "resolve", built.draft_id, "f1", "--part2", "--by", "Rhys Reviewer")
    assert result.exit_code == 0 and "f1 part2" in result.output, result.output
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), tick=False):
        approve_and_release(built.draft_id)


def test_only_a_sensitive_flag_goes_to_part_2_and_it_clears_the_blocker(home):
    built = setup(home, extraction_flag=True)
    for ref in ("d1", "f2"):  # a decision, and an extraction problem: not confidential matters
        result = run("review", "resolve", built.draft_id, ref, "--part2", "--by", "Rhys Reviewer")
        assert result.exit_code == 2 and "only a sensitive flag" in result.output
    both = run("review", "resolve", built.draft_id, "f1", "--part2", "--edit", "x", "--by", "R")
    assert both.exit_code == 2 and "not --part2 and --edit" in both.output
    assert run("review", "resolve", built.draft_id, "f1", "--part2", "--by", "Rhys Reviewer").exit_code == 0
    shown = json.loads(run("review", "show", built.draft_id, "--json").output)
    assert shown["blocking"] == ["f2"]  # f1 is resolved: only the extraction flag still blocks
    events = rows(home, "SELECT actor, subject_json FROM audit_event WHERE kind = 'review.resolve'")
    assert [(a, json.loads(s)["resolution"]) for a, s in events] == [("Rhys Reviewer", "part2")]
    diff = json.loads(run("review", "diff", built.draft_id, "--json").output)
    assert [(c["ref"], c["change"]) for c in diff["changes"]] == [("f1", "part 2")]


def test_part_2_export_is_for_reviewers_and_never_in_the_minutes(home, tmp_path):
    built = setup(home)
    send_and_release(built)
    out = tmp_path / "part2.md"
    no_by = run("export", built.draft_id, "--part", "2", "--format", "md", "--out", out)
    assert no_by.exit_code == 2 and "needs --by" in no_by.output
    clerk = run(
        "export", built.draft_id, "--part", "2", "--format", "md", "--out", out, "--by", "Clara Clerk"
    )
    assert clerk.exit_code == 13 and "a clerk may not do this" in clerk.output and not out.exists()
    nobody = run("export", built.draft_id, "--part", "2", "--format", "md", "--out", out, "--by", "Zed")
    assert nobody.exit_code == 3 and not out.exists()
    assert rows(home, "SELECT count(*) FROM export") == [(0,)]
    ok = run("export", built.draft_id, "--part", "2", "--format", "md", "--out", out, "--by", "Rhys Reviewer")
    assert ok.exit_code == 0, ok.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(
        "# Science department meeting: part 2 (confidential)\n\nDate: Monday 23 November 2026\n\nCONFIDENTIAL"
    )
    assert "## Confidential item 1: Staffing\n\n" + REASON in text
    assert f"- 1:17.9–1:20.6: “{QUOTE}”" in text
    assert re.search(r"Sent to part 2 by Rhys Reviewer on [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ 20\d\d\.", text)
    assert rows(home, "SELECT kind, format FROM export") == [("part2", "md")]
    exported = rows(home, "SELECT actor, subject_json FROM audit_event WHERE kind = 'export'")
    assert [(a, json.loads(s)["kind"]) for a, s in exported] == [("Rhys Reviewer", "part2")]

    docx = tmp_path / "part2.docx"
    args = ("--part", "2", "--format", "docx", "--template", "department", "--by", "Rhys Reviewer")
    assert run("export", built.draft_id, *args, "--out", docx).exit_code == 0
    paragraphs = [p.text for p in Document(str(docx)).paragraphs]
    assert "Staffing" in paragraphs and REASON in paragraphs and f"1:17.9–1:20.6: “{QUOTE}”" in paragraphs

    for template in ("governors", "department"):
        for fmt in ("md", "docx"):
            path = tmp_path / f"minutes-{template}.{fmt}"
            result = run("export", built.draft_id, "--format", fmt, "--template", template, "--out", path)
            assert result.exit_code == 0, result.output
            body = (
                path.read_text(encoding="utf-8")
                if fmt == "md"
                else "\n".join(p.text for p in Document(str(path)).paragraphs)
            )
            assert REASON not in body and QUOTE not in body and "salary" not in body
            assert CONFIDENTIAL_NOTE in body
    plain = tmp_path / "plain.md"
    assert run("export", built.draft_id, "--format", "md", "--out", plain).exit_code == 0
    assert REASON not in plain.read_text() and QUOTE not in plain.read_text()


def test_part_2_waits_for_release(home, tmp_path):
    built = setup(home)
    run("review", "resolve", built.draft_id, "f1", "--part2", "--by", "Rhys Reviewer")
    out = tmp_path / "p2.md"
    early = run(
        "export", built.draft_id, "--part", "2", "--format", "md", "--out", out, "--by", "Rhys Reviewer"
    )
    assert early.exit_code == 5 and "only released minutes" in early.output and not out.exists()
    json_fmt = run("export", built.draft_id, "--part", "2", "--format", "json", "--by", "Rhys Reviewer")
    assert json_fmt.exit_code == 2 and "md or docx" in json_fmt.output


def test_a_withdrawal_removes_the_person_from_the_part_2_record(home, tmp_path):
    """Helen's words are the flag's evidence: her withdrawal deletes the exported record and the quote, and a
    new export names her only as a withdrawn participant."""
    draft = demo_draft(flags=True)
    draft.flags[0].reason = "Helen raised a grievance about her salary band"
    built = build(load_settings(), draft)
    ctx = Ctx.open(load_settings())
    users.add_user(ctx, "Rhys Reviewer", "reviewer", PASSWORD, "test")
    ctx.close()
    send_and_release(built)
    out = tmp_path / "part2.md"
    args = ("--part", "2", "--format", "md", "--by", "Rhys Reviewer")
    assert run("export", built.draft_id, *args, "--out", out).exit_code == 0
    assert QUOTE in out.read_text() and "Helen raised" in out.read_text()
    withdraw = run(
        "consent",
        "withdraw",
        built.meeting_id,
        "Helen",
        "--scope",
        "all",
        "--method",
        "verbal",
        "--by",
        "Clerk",
    )
    assert withdraw.exit_code == 0, withdraw.output
    assert not out.exists(), "the exported part-2 record is deleted with every other export"
    assert rows(home, "SELECT kind, invalidated_at IS NOT NULL FROM export") == [("part2", 1)]
    again = tmp_path / "again.md"
    assert run("export", built.draft_id, *args, "--out", again).exit_code == 0
    text = again.read_text()
    assert QUOTE not in text and "Helen" not in text
    assert f"{WITHDRAWN} raised a grievance" in text and "No evidence quote is left" in text
    assert re.search(r"Re-issued on \w+day \d{1,2} \w+ \d{4}: a participant withdrew consent", text)


def test_in_the_web_app_a_reviewer_sends_a_flag_to_part_2_and_only_reviewers_download_it(web):
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    page = reviewer.get(f"/drafts/{d}").text
    assert 'Send to part 2<span class="vh"> (confidential): F1</span>' in page
    sent = reviewer.post(f"/drafts/{d}/items/f1", data={"csrf": csrf, "how": "part2"})
    assert sent.status_code == 303
    assert "In the part-2 (confidential) record" in reviewer.get(f"/drafts/{d}").text
    assert reviewer.post(f"/drafts/{d}/items/d2", data={"csrf": csrf, "how": "keep"}).status_code == 303
    yes = {"csrf": csrf, "confirm": "yes"}
    assert "1 flag goes to the part-2 (confidential) record" in reviewer.get(f"/drafts/{d}/approve").text
    assert reviewer.post(f"/drafts/{d}/approve", data=yes).status_code == 303
    assert reviewer.post(f"/drafts/{d}/release", data=yes).status_code == 303
    page = reviewer.get(f"/drafts/{d}/release").text
    assert "Download part 2 (Word)" in page and page.count('id="part2"') == 1
    title = page[page.index("<title>") : page.index("</title>")]
    assert title.startswith("<title>Release: ") and "<" not in title[len("<title>") :]  # plain text
    got = reviewer.post(f"/drafts/{d}/part2/docx", data={"csrf": csrf, "template": "department"})
    assert got.status_code == 200 and "part2-confidential.docx" in got.headers["content-disposition"]
    paragraphs = [p.text for p in Document(io.BytesIO(got.content)).paragraphs]
    assert REASON in paragraphs and f"1:17.9–1:20.6: “{QUOTE}”" in paragraphs
    clerk, clerk_csrf = web.login("clerk")
    assert "part 2" not in clerk.get(f"/drafts/{d}/release").text.lower()
    for role, client, token in (("clerk", clerk, clerk_csrf), ("admin", *web.login("admin"))):
        before = web.snapshot()
        refused = client.post(f"/drafts/{d}/part2/md", data={"csrf": token})
        assert refused.status_code == 403 and REASON not in refused.text, role
        assert web.snapshot() == before
    minutes = clerk.post(f"/drafts/{d}/download/md", data={"csrf": clerk_csrf}).text
    assert REASON not in minutes and QUOTE not in minutes
    no_csrf = reviewer.post(f"/drafts/{d}/part2/md", data={})
    assert no_csrf.status_code == 403


def test_moving_a_flag_out_of_part_2_after_release_is_caught(home, tmp_path):
    """Which flags are in part 2 is hashed into the release: an edit of the database is refused at export
    and named by `audit verify`."""
    built = setup(home)
    send_and_release(built)
    with sqlite3.connect(home / "minutes.db") as conn:
        conn.execute("UPDATE flag SET resolution = 'kept'")
    out = tmp_path / "p2.md"
    result = run(
        "export", built.draft_id, "--part", "2", "--format", "md", "--out", out, "--by", "Rhys Reviewer"
    )
    assert result.exit_code == 5 and "not exporting" in result.output and not out.exists()
    verify = run("audit", "verify")
    assert verify.exit_code == 1 and f"draft {built.draft_id}" in verify.output

"""The review as a document (issue 42), below the web pages: an item edited in one step, a removal undone, the
summary edited, a transcript line corrected (its quotes, the items and the summary that cite it follow, the
original kept for the audit and forgotten on withdrawal and retention), the document laid out as the clerk's
template files it, and the preview before approval and release. On the processed demo meeting (no models)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from processed_meeting import approve_and_release, build, demo_draft, file_agenda, line, run

from minutes.core.audit import sha256_of
from minutes.core.config import load_settings
from minutes.core.store import Database
from minutes.dates import short_date
from minutes.errors import StateError, UsageError
from minutes.records.retention import purge
from minutes.service import Ctx, document, flags, review

AGENDA = ["Year 9 science museum trip", "Homework policy", "Lab technician post"]
BY = "Mrs Reviewer"


@pytest.fixture
def demo(home, tmp_path):
    settings = load_settings()
    built = build(settings, demo_draft(flags=True, unsupported=True, points=True))
    file_agenda(built.meeting_id, AGENDA, tmp_path)
    ctx = Ctx.open(settings)
    yield ctx, built
    ctx.close()


def _rows(home, sql: str) -> list[tuple]:
    with sqlite3.connect(home / "minutes.db") as conn:
        return conn.execute(sql).fetchall()


def _item(ctx, draft_id: int, ref: str) -> review.review.ItemView:
    return next(i for i in review.show(ctx, draft_id).items if i.ref == ref)


def test_the_document_is_laid_out_as_the_template_files_it(demo):
    ctx, built = demo
    page = document.page(ctx, built.draft_id, "governors")
    sections = page.document.sections
    assert [s.title for s in sections] == AGENDA
    assert [(i.number, i.words) for i in sections[0].entries] == [
        ("1.1", "Resolved: The Year 9 science museum trip moves to the last week of April."),
        ("1.2", "Action (Tom, by Friday 27 November 2026): Book the coach for the Year 9 trip"),
    ]
    assert [i.ref for i in sections[0].points] == ["p1", "p2", "p3"] and [
        i.ref for i in page.document.flags
    ] == ["f1"]
    assert sections[0].entries[1].lines == (6, 7)  # each quote's transcript line
    assert page.line(7).cited_by == ("a1",)
    department = document.page(ctx, built.draft_id, "department").document.sections[0].entries
    assert [(i.number, i.words[:7]) for i in department] == [(None, "Agreed:"), (None, "Action ")]
    unsupported = _item(ctx, built.draft_id, "d2")
    assert (
        unsupported.status == "unsupported" and unsupported.why is None
    )  # no grounding note in this fixture


def test_an_item_is_edited_in_one_step_and_a_removal_is_undone(demo):
    ctx, built = demo
    d = built.draft_id
    changed = review.update_item(ctx, d, "a1", BY, owner="Helen", due="04/12/2026", agenda_item=2)
    assert changed.edited == ["a1"]
    a1 = _item(ctx, d, "a1")
    assert (a1.owner, a1.due, a1.agenda_item, a1.resolution) == ("Helen", "2026-12-04", 2, "edited")
    assert short_date("2026-12-04") == "04/12/2026" and short_date("next meeting") == "next meeting"
    with pytest.raises(UsageError, match="nothing was changed"):  # the phrase as shown is left as it is
        review.update_item(ctx, d, "a3", BY, owner="Priya", due="next meeting", agenda_item=False)
    with pytest.raises(UsageError, match="no participant 'Zed'"):
        review.update_item(ctx, d, "a3", BY, owner="Zed")
    review.update_item(ctx, d, "a3", BY, owner="", due="")
    assert (_item(ctx, d, "a3").owner, _item(ctx, d, "a3").due) == (None, None)

    flags.clear(ctx, d, "f1", "a pay band for the post, not a person", BY)
    assert _item(ctx, d, "f1").resolution == "removed"
    review.restore(ctx, d, "f1", BY)  # the clearing undone
    f1 = _item(ctx, d, "f1")
    assert f1.resolution is None and f1.blocking  # an open flag blocks approval again
    with pytest.raises(UsageError, match="was not removed"):
        review.restore(ctx, d, "f1", BY)
    flagged = flags.flag(ctx, d, BY, lines="12")  # Sam's "Sure, I'll draft it": A2 rests on it alone
    assert flagged.removed == ["a2"]
    with pytest.raises(StateError, match=r"rests on lines flagged as sensitive \(f2\)"):
        review.restore(ctx, d, "a2", BY)
    review.resolve(ctx, d, "d1", "keep", BY)
    review.resolve(ctx, d, "d1", "remove", BY)
    review.restore(ctx, d, "d1", BY)
    assert _item(ctx, d, "d1").resolution == "kept"  # back as it was before the removal
    diff = review.diff(ctx, d)
    assert {c.ref: c.change for c in diff.changes}["a1"] == "edited"


def test_the_summary_is_edited_and_the_preview_names_what_will_be_filed(demo):
    ctx, built = demo
    d = built.draft_id
    review.set_summary(ctx, d, "  The trip moves to April;\n paper homework is trialled.  ", BY)
    assert review.show(ctx, d).summary == "The trip moves to April; paper homework is trialled."
    with pytest.raises(UsageError, match="nothing was changed"):
        review.set_summary(ctx, d, "The trip moves to April; paper homework is trialled.", BY)
    shown = document.preview(ctx, d, "department")
    assert shown.counts == {"decision": 2, "action": 3, "point": 3, "part2": 0, "sections": 3}
    assert shown.blockers == [
        "D2 (unsupported decision) needs keeping, editing or removing",
        "F1 (staffing flag) needs keeping, editing or removing",
    ]
    texts = [b[1] for b in shown.blocks]
    assert "The trip moves to April; paper homework is trialled." in texts
    assert texts[-1] == "Not yet approved. Not yet released: a preview of what will be filed."
    for ref in ("d2", "f1"):
        review.resolve(ctx, d, ref, "keep", BY)
    review.approve(ctx, d, BY)
    assert (
        document.preview(ctx, d, "governors")
        .blocks[-1][1]
        .startswith("Reviewed and approved by Mrs Reviewer.")
    )
    assert document.page(ctx, d).approve_blockers == ["the draft is approved"]


def test_a_corrected_line_reaches_its_quotes_items_and_summary_and_keeps_the_original(demo, home):
    ctx, built = demo
    d = built.draft_id
    review.set_summary(ctx, d, "Tom books the coach for the trip.", BY)
    heard = line("Priya", "Tom, can you book").text
    said = heard.replace("the coach", "the minibus")
    result = review.correct_line(ctx, d, 6, BY, text=said)
    assert (result.text_changed, result.speaker_changed, result.quotes) == (True, False, 3)
    assert result.items == ["a1"] and result.summary  # d1 and p3 cite line 6 too, but do not say "coach"
    a1 = _item(ctx, d, "a1")
    assert a1.text == "Book the minibus for the Year 9 trip" and a1.resolution is None  # still to be checked
    assert said in [e.quote for e in a1.evidence]
    assert review.show(ctx, d).summary == "Tom books the minibus for the trip."
    page = document.page(ctx, d)
    assert (page.line(6).text, page.line(6).heard) == (said, heard)
    [(before, after, by)] = _rows(home, "SELECT before_text, after_text, corrected_by FROM line_correction")
    assert (before, after, by) == (heard, said, BY)
    words = _rows(
        home,
        "SELECT w.word, w.start, w.end FROM word w JOIN segment s ON w.segment_id = s.id "
        "WHERE s.idx = 5 ORDER BY w.idx",
    )
    assert " ".join(w for w, _, _ in words) == said and words[0][1] == pytest.approx(
        line("Priya", "Tom, can").start
    )
    [(hashes,)] = _rows(home, "SELECT hashes_json FROM audit_event WHERE kind = 'transcript.correct'")
    assert sha256_of(heard) in hashes and heard not in hashes  # the audit holds hashes, never words

    moved = review.correct_line(ctx, d, 3, BY, speaker="Sam")
    assert (moved.speaker_changed, moved.text_changed) == (True, False)
    assert document.page(ctx, d).line(3).speaker == "Sam"
    with pytest.raises(UsageError, match="already says that"):
        review.correct_line(ctx, d, 3, BY, speaker="Sam")
    with pytest.raises(UsageError, match="control or invisible"):
        review.correct_line(ctx, d, 3, BY, text="a\x1b[31m red")


def test_a_withdrawal_and_retention_take_the_kept_originals(demo, home):
    ctx, built = demo
    d = built.draft_id
    review.correct_line(ctx, d, 2, BY, text=line("Tom", "coach prices").text.replace("twelve", "eleven"))
    review.correct_line(ctx, d, 3, BY, text=line("Helen", "Tuesdays clash").text.replace("March", "May"))
    assert len(_rows(home, "SELECT id FROM line_correction")) == 2
    withdraw = ("consent", "withdraw", built.meeting_id, "Tom", "--scope", "all", "--method", "written")
    assert run(*withdraw, "--by", "Clerk").exit_code == 0
    assert _rows(home, "SELECT idx FROM line_correction") == [(2,)]  # Tom's line went, and what it said
    for ref in ("d2", "f1"):
        review.resolve(ctx, d, ref, "keep", BY)
    approve_and_release(d)
    with pytest.raises(StateError, match="released"):
        review.correct_line(ctx, d, 3, BY, text="Released minutes keep their transcript.")
    db = Database.open(load_settings())
    with db.session() as s:
        purge(s, load_settings(), now=datetime.now(UTC) + timedelta(days=400))
    db.close()
    assert _rows(home, "SELECT id FROM line_correction") == []

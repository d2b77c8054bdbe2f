"""A reviewer's own items on the command line (`review add`, `review resolve --kind`, `review transcript`), the
summary kept in step with the points, an unsupported item a reviewer vouched for, and a failing editor: a real
store, the processed demo meeting (no models)."""

from __future__ import annotations

import json

import pytest
from pg import snapshot
from processed_meeting import approve_and_release, build, demo_draft, ev, run

from minutes.core import types
from minutes.core.config import load_settings
from minutes.drafting.points import summary as points_summary

POINTS = [
    types.Point(text="Coach prices are cheapest on a Tuesday.", evidence=[ev("Tom", "coach prices")]),
    types.Point(text="Tuesdays clash with the Year 11 mocks.", evidence=[ev("Helen", "Tuesdays clash")]),
]


@pytest.fixture
def built(home, database):
    draft = demo_draft(unsupported=True)
    draft.points = [p.model_copy(deep=True) for p in POINTS]
    draft.summary = points_summary(draft.points)  # as drafting makes it
    return build(load_settings(), draft)


def shown(draft_id) -> dict:
    result = run("review", "show", draft_id, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def item(draft_id, ref: str) -> dict:
    return next(i for i in shown(draft_id)["items"] if i["ref"] == ref)


def ok(*args) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def audit(meeting_id, kind: str) -> list[dict]:
    events = json.loads(ok("audit", "log", "--meeting", meeting_id, "--kind", kind, "--json"))
    return [e["subject"] for e in events]


def one_line_error(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    text = result.output.strip()
    assert text.startswith("error: ") and "\n" not in text, text
    for needle in needles:
        assert needle in text, text


def test_transcript_lines_are_numbered_as_add_cites_them(built):
    lines = json.loads(ok("review", "transcript", built.draft_id, "--json"))
    assert lines[0]["line"] == 1 and lines[0]["speaker"] == "Priya" and lines[0]["text"].startswith("Okay")
    printed = ok("review", "transcript", built.draft_id).splitlines()
    assert printed[1].split()[:3] == ["2", "00:08", "Tom:"]


def test_a_decision_and_an_action_added_with_their_evidence(built):
    said = ok(
        "review", "add", built.draft_id, "--kind", "decision", "--text", "The trip is in the last week of April.",
        "--lines", "4-5", "--by", "Mrs Reviewer",
    )  # fmt: skip
    assert said == f"draft {built.draft_id}: added decision d3, citing 2 lines\n"
    d3 = item(built.draft_id, "d3")
    assert d3["origin"] == "reviewer" and d3["status"] == "supported" and not d3["blocking"]
    assert [e["quote"][:24] for e in d3["evidence"]] == [
        "Right. So shall we move ",
        "That works for me. The c",
    ]
    ok(
        "review", "add", built.draft_id, "--kind", "action", "--text", "Tell parents about the trial",
        "--owner", "sam", "--due", "4 Dec 2026", "--at", "0:53-0:57", "--by", "Mrs Reviewer",
    )  # fmt: skip
    a4 = item(built.draft_id, "a4")
    assert (a4["owner"], a4["due"], a4["text"]) == ("Sam", "2026-12-04", "Tell parents about the trial")
    assert [e["start"] for e in a4["evidence"]] == [53.76]
    assert shown(built.draft_id)["status"] == "in_review"
    assert [(s["added"], s["evidence"]) for s in audit(built.meeting_id, "review.add")] == [
        (["d3"], 2),
        (["a4"], 1),
    ]
    assert ok("audit", "verify")


@pytest.mark.parametrize(
    "args, code, needles",
    [
        (
            ("--kind", "action", "--text", "Ring the coach firm", "--owner", "Bob"),
            2,
            ("no participant 'Bob'",),
        ),
        (("--kind", "decision", "--text", "Fine", "--owner", "Tom"), 2, ("actions only",)),
        (("--kind", "point", "--text", "A point", "--lines", "99"), 2, ("not in the transcript (1 to",)),
        (("--kind", "point", "--text", "A point", "--lines", "two"), 2, ("not line numbers",)),
        (("--kind", "point", "--text", "A point", "--at", "9:00-9:10"), 2, ("nothing was said",)),
        (("--kind", "point", "--text", "A point", "--at", "0:05-0:01"), 2, ("inverted",)),
        (("--kind", "point", "--text", "A point", "--at", "0:01-0:05", "--lines", "1"), 2, ("not both",)),
        (("--kind", "point", "--text", "   "), 2, ("needs its text",)),
        (("--kind", "action", "--text", "Book it", "--due", "Friday"), 2, ("not a date",)),
    ],
)
def test_bad_additions_are_one_line_errors_and_change_nothing(built, home, args, code, needles):
    before = snapshot(home)
    one_line_error(run("review", "add", built.draft_id, *args, "--by", "Mrs Reviewer"), code, *needles)
    assert snapshot(home) == before


def test_changing_an_items_kind_keeps_its_text_and_evidence_and_is_audited(built):
    d1 = item(built.draft_id, "d1")
    said = ok("review", "resolve", built.draft_id, "d1", "--kind", "action", "--by", "Mrs Reviewer")
    assert said == f"draft {built.draft_id}: d1 is now action a4 (its evidence went with it)\n"
    a4 = item(built.draft_id, "a4")
    assert a4["text"] == d1["text"] and a4["evidence"] == d1["evidence"] and a4["origin"] == "reviewer"
    assert item(built.draft_id, "d1")["resolution"] == "removed"
    diff = json.loads(ok("review", "diff", built.draft_id, "--json"))
    changes = {c["ref"]: (c["change"], c["by"]) for c in diff["changes"]}
    assert changes["d1"] == ("removed", "Mrs Reviewer") and changes["a4"] == ("added", "Mrs Reviewer")
    assert audit(built.meeting_id, "review.kind")[-1] | {"draft": None} == {
        "draft": None,
        "item": "d1",
        "kind": "action",
        "removed": ["d1"],
        "added": ["a4"],
        "was": None,  # its resolution before, for an undo (the web page's; `minutes.review.manual.undo_kind`)
        "summary": False,
    }
    ok("review", "resolve", built.draft_id, "a4", "--kind", "point", "--by", "Mrs Reviewer")
    p3 = item(built.draft_id, "p3")
    assert p3["text"] == d1["text"] and p3["evidence"] == d1["evidence"]
    assert ok("audit", "verify")


def test_changing_the_kind_is_refused_where_it_makes_no_sense(built, home):
    before = snapshot(home)
    resolve = ("review", "resolve", built.draft_id)
    one_line_error(run(*resolve, "d2", "--kind", "decision", "--by", "R"), 2, "already a decision")
    one_line_error(run(*resolve, "d2", "--kind", "action", "--keep", "--by", "R"), 2, "--kind goes alone")
    one_line_error(run(*resolve, "d9", "--kind", "action", "--by", "R"), 3, "no item d9")
    assert snapshot(home) == before
    ok(*resolve, "d2", "--keep", "--by", "R")
    approve_and_release(built.draft_id)
    one_line_error(run(*resolve, "d1", "--kind", "point", "--by", "R"), 5, "released")


def test_the_summary_follows_the_points_until_a_reviewer_writes_their_own(built, tmp_path):
    draft = built.draft_id
    assert (
        shown(draft)["summary"]
        == "Coach prices are cheapest on a Tuesday. Tuesdays clash with the Year 11 mocks."
    )
    ok("review", "resolve", draft, "p2", "--edit", "Tuesdays clash with the mock exams.", "--by", "R")
    assert (
        shown(draft)["summary"]
        == "Coach prices are cheapest on a Tuesday. Tuesdays clash with the mock exams."
    )
    ok("review", "resolve", draft, "p1", "--remove", "--by", "R")
    assert shown(draft)["summary"] == "Tuesdays clash with the mock exams."
    ok(
        "review",
        "add",
        draft,
        "--kind",
        "point",
        "--text",
        "April suits the coach firm",
        "--lines",
        "5",
        "--by",
        "R",
    )
    assert shown(draft)["summary"] == "Tuesdays clash with the mock exams. April suits the coach firm."
    current = _document(draft)  # the reviewer writes their own summary
    current["summary"] = "The trip moves to April."
    edited = tmp_path / "doc.json"
    edited.write_text(json.dumps(current))
    ok("review", "edit", draft, "--from", edited, "--by", "R")
    ok("review", "resolve", draft, "p2", "--edit", "Mocks are on Tuesdays.", "--by", "R")
    assert shown(draft)["summary"] == "The trip moves to April."


def _document(draft_id) -> dict:
    """The document `review edit` opens, as the service gives it."""
    from minutes.service import Ctx, review

    ctx = Ctx.open(load_settings())
    try:
        return review.document(ctx, draft_id)
    finally:
        ctx.close()


def test_an_unsupported_item_a_reviewer_kept_is_no_longer_shown_unsupported(built, home):
    before = ok("review", "show", built.draft_id)
    assert "UNSUPPORTED" in before
    ok("review", "resolve", built.draft_id, "d2", "--keep", "--by", "Mrs Reviewer")
    after = ok("review", "show", built.draft_id)
    assert "UNSUPPORTED" not in after and "checked by the reviewer" in after
    d2 = item(built.draft_id, "d2")
    assert (d2["status"], d2["resolution"], d2["blocking"]) == ("unsupported", "kept", False)  # the record
    assert audit(built.meeting_id, "review.resolve")[-1]["item"] == "d2"


def test_a_failing_editor_is_a_one_line_error_and_changes_nothing(built, home, monkeypatch):
    monkeypatch.setenv("EDITOR", "false")
    monkeypatch.setenv("VISUAL", "false")
    before = snapshot(home)
    one_line_error(run("review", "edit", built.draft_id, "--by", "R"), 2, "the editor failed", "--from FILE")
    assert snapshot(home) == before

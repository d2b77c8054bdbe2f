"""The accuracy-check queue on a real store (SQLite and PostgreSQL): states, edits, resolutions, release, and their audit trail."""

from __future__ import annotations

import json
import sys

import pytest
from pg import snapshot
from processed_meeting import approve_and_release, build, demo_draft, run

from minutes import review
from minutes.core.config import load_settings
from minutes.core.store import Database


@pytest.fixture
def built(home, database):
    return build(load_settings())


@pytest.fixture
def flagged(home, database):
    return build(load_settings(), demo_draft(flags=True, unsupported=True))


def one_line_error(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    text = result.output.strip()
    assert text.startswith("error: ") and "\n" not in text, text
    assert "Traceback" not in text
    for needle in needles:
        assert needle in text, text


def status(draft_id: int) -> str:
    return json.loads(run("review", "show", draft_id, "--json").output)["status"]


def audit_kinds(meeting_id: int) -> list[str]:
    result = run("audit", "log", "--meeting", meeting_id, "--json")
    assert result.exit_code == 0, result.output
    return [
        e["kind"] for e in json.loads(result.output) if not e["kind"].startswith(("meeting.", "participant."))
    ]


def test_create_draft_queues_pending_with_items_and_evidence(built):
    listed = json.loads(run("review", "list", "--status", "pending", "--json").output)
    assert [(d["id"], d["status"], d["decisions"], d["actions"], d["blocking"]) for d in listed] == [
        (built.draft_id, "pending", 2, 3, 0)
    ]
    shown = json.loads(run("review", "show", built.draft_id, "--json").output)
    assert [i["ref"] for i in shown["items"]] == ["d1", "d2", "a1", "a2", "a3"]
    a1 = shown["items"][2]
    assert (a1["owner"], a1["due"], a1["evidence"][1]["quote"]) == (
        "Tom",
        "2026-11-27",
        "Yes, I'll book it by Friday.",
    )
    db = Database.open(load_settings())
    with db.session() as s:
        assert review.draft_as_types(s, built.draft_id) == demo_draft()
    db.close()
    text = run("review", "show", built.draft_id)
    assert (
        text.exit_code == 0 and "Yes, I'll book it by Friday." in text.output and "00:34-00:36" in text.output
    )
    assert "notes from drafting" in text.output and "owner was changed from Priya to Tom" in text.output
    assert shown["notes"] == demo_draft().notes
    table = run("review", "list")
    assert table.exit_code == 0 and "Science department meeting" in table.output and "pending" in table.output


def test_whole_life_cycle_is_in_the_audit_chain_in_order(built):
    doc = json.loads(run("review", "show", built.draft_id, "--json").output)
    assert doc["status"] == "pending"
    assert run("review", "approve", built.draft_id, "--by", "Mrs Reviewer").exit_code == 0
    assert status(built.draft_id) == "approved"
    # an edit after approval sends the draft back to review
    assert (
        run(
            "review",
            "resolve",
            built.draft_id,
            "a3",
            "--edit",
            "Check the budget with the business manager",
            "--by",
            "Mrs Reviewer",
        ).exit_code
        == 0
    )
    assert status(built.draft_id) == "in_review"
    approve_and_release(built.draft_id)
    assert status(built.draft_id) == "released"
    assert audit_kinds(built.meeting_id) == [
        "draft.create",
        "review.start",
        "review.approve",
        "review.reopen",
        "review.resolve",
        "review.approve",
        "release",
    ]
    steps = json.loads(run("review", "show", built.draft_id, "--json").output)["history"]
    assert [
        (h["reviewer"], h["from_status"], h["to_status"]) for h in steps if h["kind"] == "transition"
    ] == [
        ("Mrs Reviewer", "pending", "in_review"),
        ("Mrs Reviewer", "in_review", "approved"),
        ("Mrs Reviewer", "approved", "in_review"),
        ("Mrs Reviewer", "in_review", "approved"),
        ("Mr Chair", "approved", "released"),
    ]
    assert all(h["at"] for h in steps)
    assert run("audit", "verify").exit_code == 0


def test_releasing_twice_says_so_plainly_and_changes_nothing(built, home):
    approve_and_release(built.draft_id)
    before = snapshot(home)
    again = run("release", built.draft_id, "--by", "Mr Chair")
    one_line_error(
        again, 5, f"draft {built.draft_id} was already released by Mr Chair on ", "nothing was changed"
    )
    assert f"minutes export {built.draft_id} --format docx" in again.output
    assert "only approved" not in again.output
    assert snapshot(home) == before


def test_an_empty_review_list_says_where_drafts_come_from(home, database):
    empty = run("review", "list")
    assert empty.exit_code == 0
    assert empty.output.startswith("No drafts yet.") and "minutes process MEETING AUDIO" in empty.output
    approved = run("review", "list", "--status", "in_review")
    assert approved.exit_code == 0 and approved.output.startswith("No draft is in review;")
    assert run("review", "list", "--json").output.strip() == "[]"


def test_release_before_approval_fails_and_changes_nothing(built, home):
    before = snapshot(home)
    one_line_error(run("release", built.draft_id, "--by", "Mr Chair"), 5, "pending", "only approved")
    assert snapshot(home) == before


def test_unresolved_flag_and_unsupported_item_block_approval(flagged, home):
    before = snapshot(home)
    one_line_error(
        run("review", "approve", flagged.draft_id, "--by", "Mrs Reviewer"),
        5,
        "d2 (unsupported)",
        "f1 (staffing flag)",
    )
    assert snapshot(home) == before
    shown = run("review", "show", flagged.draft_id)
    assert "SENSITIVE" in shown.output and "UNSUPPORTED" in shown.output and "d2, f1" in shown.output
    assert run("review", "resolve", flagged.draft_id, "f1", "--keep", "--by", "Mrs Reviewer").exit_code == 0
    one_line_error(run("review", "approve", flagged.draft_id, "--by", "Mrs Reviewer"), 5, "d2 (unsupported)")
    assert run("review", "resolve", flagged.draft_id, "d2", "--remove", "--by", "Mrs Reviewer").exit_code == 0
    assert run("review", "approve", flagged.draft_id, "--by", "Mrs Reviewer").exit_code == 0
    db = Database.open(load_settings())
    with db.session() as s:
        current = review.draft_as_types(s, flagged.draft_id)
    db.close()
    assert [d.text for d in current.decisions] == [demo_draft().decisions[0].text]
    assert [f.kind for f in current.flags] == ["staffing"]


def test_reviewer_added_flag_blocks_approval_until_resolved(built, home, tmp_path):
    db = Database.open(load_settings())
    with db.session() as s:
        doc = review.editable_document(s, built.draft_id)
    db.close()
    doc["flags"].append(
        {"kind": "safeguarding", "reason": "a pupil's welfare came up; handle it off the minutes"}
    )
    path = tmp_path / "flag.json"
    path.write_text(json.dumps(doc))
    added = run("review", "edit", built.draft_id, "--by", "Mrs Reviewer", "--from", path, "--json")
    assert added.exit_code == 0 and json.loads(added.output)["added"] == ["f1"], added.output
    before = snapshot(home)
    one_line_error(
        run("review", "approve", built.draft_id, "--by", "Mrs Reviewer"), 5, "f1 (safeguarding flag)"
    )
    assert snapshot(home) == before
    shown = json.loads(run("review", "show", built.draft_id, "--json").output)
    assert shown["blocking"] == ["f1"]
    assert run("review", "resolve", built.draft_id, "f1", "--keep", "--by", "Mr Head").exit_code == 0
    assert run("review", "approve", built.draft_id, "--by", "Mrs Reviewer").exit_code == 0


def test_edit_from_file_then_diff_shows_who_changed_what(built, tmp_path):
    db = Database.open(load_settings())
    with db.session() as s:
        doc = review.editable_document(s, built.draft_id)
    db.close()
    doc["actions"][0]["owner"] = "Helen"
    del doc["actions"][2]
    doc["decisions"].append({"text": "The lab technician post will be discussed at the next meeting."})
    path = tmp_path / "edit.json"
    path.write_text(json.dumps(doc))
    result = run("review", "edit", built.draft_id, "--by", "Mrs Reviewer", "--from", path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) | {"status": None} == {
        "draft_id": built.draft_id,
        "status": None,
        "added": ["d3"],
        "edited": ["a1"],
        "removed": ["a3"],
        "summary_changed": False,
        "summary_refreshed": False,
    }
    diff = json.loads(run("review", "diff", built.draft_id, "--json").output)
    changes = {c["ref"]: c for c in diff["changes"]}
    assert set(changes) == {"a1", "a3", "d3"}
    assert changes["a1"]["before"]["owner"] == "Tom" and changes["a1"]["after"]["owner"] == "Helen"
    assert changes["a3"]["change"] == "removed" and changes["a3"]["after"] is None
    assert (
        changes["d3"]["change"] == "added" and changes["d3"]["by"] == "Mrs Reviewer" and changes["d3"]["at"]
    )
    text = run("review", "diff", built.draft_id).output
    assert "a1 edited" in text and "Mrs Reviewer" in text and "owner: Tom" in text and "owner: Helen" in text
    # the current version, unchanged, changes nothing
    db = Database.open(load_settings())
    with db.session() as s:
        path.write_text(json.dumps(review.editable_document(s, built.draft_id)))
    db.close()
    again = run("review", "edit", built.draft_id, "--by", "Mrs Reviewer", "--from", path)
    assert again.exit_code == 0 and "no change" in again.output


def test_edit_through_editor(built, tmp_path, monkeypatch):
    script = tmp_path / "editor.py"
    script.write_text(
        "import json, sys\np = sys.argv[1]\nd = json.load(open(p))\n"
        "d['summary'] = 'Edited in the editor.'\njson.dump(d, open(p, 'w'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    result = run("review", "edit", built.draft_id, "--by", "Mrs Reviewer")
    assert result.exit_code == 0, result.output
    assert (
        json.loads(run("review", "show", built.draft_id, "--json").output)["summary"]
        == "Edited in the editor."
    )


@pytest.mark.parametrize(
    "document, needle",
    [
        ('{"decisions": [{"txt": "x"}]}', "decisions.0.text"),
        ('{"actions": [{"task": ""}]}', "actions.0.task"),
        ('{"decisions": "none"}', "decisions"),
        ('{"decisions": [{"id": "d9", "text": "x"}]}', "unknown decision id 'd9'"),
        ('{"decisions": [{"id": "d1", "text": "x"}, {"id": "d1", "text": "y"}]}', "appears twice"),
        ('{"decisions": [', "not JSON"),
    ],
)
def test_edit_with_invalid_structure_is_one_line_and_changes_nothing(built, home, tmp_path, document, needle):
    path = tmp_path / "bad.json"
    path.write_text(document)
    before = snapshot(home)
    one_line_error(
        run("review", "edit", built.draft_id, "--by", "Mrs Reviewer", "--from", path),
        2,
        "invalid edit",
        needle,
    )
    assert snapshot(home) == before


def test_bad_input_gets_one_line_and_leaves_state(built, home):
    before = snapshot(home)
    one_line_error(run("review", "show", 999), 3, "draft 999 does not exist")
    one_line_error(run("review", "approve", 999, "--by", "X"), 3, "draft 999 does not exist")
    one_line_error(run("review", "resolve", built.draft_id, "z1", "--keep", "--by", "X"), 2, "not an item")
    one_line_error(run("review", "resolve", built.draft_id, "d7", "--keep", "--by", "X"), 3, "no item d7")
    one_line_error(
        run("review", "resolve", built.draft_id, "d1", "--by", "X"), 2, "--keep, --remove, --part2 or --edit"
    )
    one_line_error(run("review", "approve", built.draft_id, "--by", "  "), 2, "--by")
    assert snapshot(home) == before
    assert run("review", "approve", built.draft_id, "--by", "Mrs Reviewer").exit_code == 0
    approved = snapshot(home)
    one_line_error(run("review", "approve", built.draft_id, "--by", "Mrs Reviewer"), 5, "already approved")
    assert snapshot(home) == approved
    assert (
        run("review", "reject", built.draft_id, "--by", "Mrs Reviewer", "--reason", "wrong meeting").exit_code
        == 0
    )
    rejected = snapshot(home)
    one_line_error(run("release", built.draft_id, "--by", "Mr Chair"), 5, "rejected", "only approved")
    one_line_error(run("review", "resolve", built.draft_id, "d1", "--keep", "--by", "X"), 5, "rejected")
    assert snapshot(home) == rejected
    assert (
        json.loads(run("review", "show", built.draft_id, "--json").output)["reject_reason"] == "wrong meeting"
    )


def action(draft_id: int, ref: str) -> dict:
    shown = json.loads(run("review", "show", draft_id, "--json").output)
    return next(i for i in shown["items"] if i["ref"] == ref)


def test_resolve_edit_validates_due_date_and_owner(built, home):
    d = built.draft_id
    edit = ("review", "resolve", d, "a1", "--by", "Mrs Reviewer", "--edit", "Book the coach")
    before = snapshot(home)
    one_line_error(run(*edit, "--due", "31/13/2026"), 2, "'31/13/2026' is not a date", "07/12/2026")
    one_line_error(run(*edit, "--due", "Friday"), 2, "not a date", "2026-12-07, 07/12/2026 or 7 Dec 2026")
    one_line_error(
        run(*edit, "--owner", "Samantha"), 2, "meeting 1 has no participant 'Samantha'", "--outside"
    )
    one_line_error(run(*edit, "--owner", "Helenn"), 2, "did you mean 'Helen'?")
    one_line_error(run(*edit[:-2], "--keep", "--due", "2026-12-31"), 2, "--due only goes with --edit")
    one_line_error(run(*edit[:-2], "--remove", "--owner", "Tom"), 2, "--owner only goes with --edit")
    one_line_error(run(*edit, "--outside"), 2, "--outside only goes with --owner")
    one_line_error(
        run("review", "resolve", d, "d1", "--by", "X", "--edit", "T", "--due", "2026-12-31"), 2, "d1"
    )
    assert snapshot(home) == before
    assert run(*edit, "--due", "31/12/2026", "--owner", "helen").exit_code == 0
    assert (action(d, "a1")["owner"], action(d, "a1")["due"]) == ("Helen", "2026-12-31")
    outside = run(*edit, "--owner", "the site manager", "--outside", "--due", "2027-01-08")
    assert outside.exit_code == 0, outside.output
    assert (action(d, "a1")["owner"], action(d, "a1")["due"]) == ("the site manager", "2027-01-08")


def test_not_found_is_exit_3_for_a_meeting_as_for_a_draft(built, tmp_path):
    audio = tmp_path / "x.wav"
    audio.write_bytes(b"")
    one_line_error(run("review", "show", 999), 3, "draft 999 does not exist")
    one_line_error(run("meeting", "show", 999), 3, "no meeting 999")
    one_line_error(run("consent", "status", 999), 3, "no meeting 999")
    one_line_error(run("process", 999, audio), 3, "no meeting 999")
    one_line_error(run("meeting", "show", "x"), 2, "must be a number")


def test_a_reviewers_over_long_wording_is_refused_on_every_path_and_changes_nothing(flagged, home, tmp_path):
    """minutes.db.domain.REVIEWER_CHARS: 1000 characters for an item's words, 200 for a name or a due phrase;
    only what the reviewer writes is held to them, not a drafted field they leave alone."""
    d, by = flagged.draft_id, ("--by", "Mrs Reviewer")
    db = Database.open(load_settings())
    with db.session() as s:
        flag = review.find_item(s, d, "f1")
        flag.reason = "the parser said: " + "x" * 1200  # machine-written, longer than a reviewer may write
        s.add(flag)
        s.commit()
    with db.session() as s:
        doc = review.editable_document(s, d)
    db.close()
    before = snapshot(home)
    one_line_error(
        run("review", "resolve", d, "d1", *by, "--edit", "y" * 1001),
        2,
        "d1's text is 1,001 characters, more than the 1,000 allowed",
    )
    one_line_error(
        run("review", "resolve", d, "a1", *by, "--edit", "Book it", "--owner", "z" * 201, "--outside"),
        2,
        "a1's owner is 201 characters",
    )
    one_line_error(
        run("review", "add", d, "--kind", "point", "--text", "p" * 1001, *by), 2, "the new point's text"
    )
    doc["decisions"][0]["text"] = "w" * 1001
    path = tmp_path / "edit.json"
    path.write_text(json.dumps(doc))
    one_line_error(run("review", "edit", d, *by, "--from", path), 2, "d1's text is 1,001 characters")
    doc["decisions"][0]["text"] = "w" * 1000
    doc["summary"] = "s" * 10001
    path.write_text(json.dumps(doc))
    one_line_error(
        run("review", "edit", d, *by, "--from", path), 2, "the draft's summary is 10,001 characters"
    )
    assert snapshot(home) == before
    # at the limit it is taken; the drafted flag reason, over it but left alone, does not stop the edit
    del doc["summary"]
    path.write_text(json.dumps(doc))
    result = run("review", "edit", d, *by, "--from", path, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["edited"] == ["d1"], result.output
    assert run("review", "resolve", d, "a1", *by, "--edit", "t" * 1000).exit_code == 0

"""Review of the clerk's structure on the CLI: moving an item to another agenda item, and a decision's motion
(proposer, seconder, vote) in the edit document; both audited, validated, refused after release, and exported."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from processed_meeting import approve_and_release, build, run

from minutes.core.config import load_settings
from minutes.service import review
from minutes.service.context import Ctx

AGENDA = "1. Year 9 science museum trip\n2. Homework policy\n3. Lab technician post\n"
BY = ("--by", "Mrs Reviewer")


@pytest.fixture
def built(home, tmp_path):
    built = build(load_settings())
    (tmp_path / "agenda.txt").write_text(AGENDA, encoding="utf-8")
    assert run("meeting", "agenda", built.meeting_id, tmp_path / "agenda.txt").exit_code == 0
    return built


def item(draft_id: int, ref: str) -> dict:
    shown = json.loads(run("review", "show", draft_id, "--json").output)
    return next(i for i in shown["items"] if i["ref"] == ref)


def moves(meeting_id: int) -> list[dict]:
    events = json.loads(run("audit", "log", "--meeting", meeting_id, "--json").output)
    return [e for e in events if e["kind"] == "review.move"]


def exported(draft_id: int, tmp_path, template: str = "governors") -> str:
    out = tmp_path / f"{template}.md"
    result = run("export", draft_id, "--format", "md", "--template", template, "--out", out)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def refused(result, code: int, needle: str) -> None:
    assert result.exit_code == code, result.output
    assert result.output.startswith("error: ") and needle in result.output, result.output


def test_an_item_moves_to_another_agenda_item_and_is_minuted_there(built, tmp_path):
    result = run("review", "move", built.draft_id, "D1", "--agenda", "3", *BY)
    assert result.exit_code == 0 and "d1 moved to agenda item 3" in result.output, result.output
    assert item(built.draft_id, "d1")["agenda_item"] == 3
    assert item(built.draft_id, "d1")["resolution"] is None  # a move is not an edit of the text
    [event] = moves(built.meeting_id)
    assert event["actor"] == "Mrs Reviewer"
    assert "moved to agenda item 3" in run("review", "show", built.draft_id).output
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), tick=False):
        approve_and_release(built.draft_id)
    text = exported(built.draft_id, tmp_path)
    item1 = text[text.index("## 1. Year 9") : text.index("## 2. Homework")]
    item3 = text[text.index("## 3. Lab technician") :]
    assert "museum trip moves" not in item1 and "Book the coach" in item1
    assert "Resolved: The Year 9 science museum trip moves to the last week of April." in item3
    refused(run("review", "move", built.draft_id, "d1", "--agenda", "1", *BY), 5, "released")
    assert item(built.draft_id, "d1")["agenda_item"] == 3 and len(moves(built.meeting_id)) == 1


def test_an_item_moves_back_where_its_evidence_places_it(built):
    assert run("review", "move", built.draft_id, "a1", "--agenda", "2", *BY).exit_code == 0
    result = run("review", "move", built.draft_id, "a1", "--agenda", "0", *BY)
    assert result.exit_code == 0 and "where its evidence places it" in result.output
    assert item(built.draft_id, "a1")["agenda_item"] is None and len(moves(built.meeting_id)) == 2


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("d1", "--agenda", "4"), 2, "agenda item 4 is not on the agenda of meeting"),
        (("d9", "--agenda", "1"), 3, "has no item d9"),
        (("x1", "--agenda", "1"), 2, "not an item reference"),
        (("d1", "--agenda", "0"), 2, "already there"),
    ],
)
def test_a_bad_move_changes_nothing(built, args, code, needle):
    result = run("review", "move", built.draft_id, *args, *BY)
    assert result.exit_code == code and needle in result.output, result.output
    assert "\n" not in result.output.strip()
    assert item(built.draft_id, "d1")["agenda_item"] is None and moves(built.meeting_id) == []


def test_without_an_agenda_nothing_moves(home):
    draft_id = build(load_settings()).draft_id
    refused(run("review", "move", draft_id, "d1", "--agenda", "1", *BY), 2, "has no agenda")


def edit(draft_id: int, tmp_path, change) -> object:
    """`review edit --from FILE` with the current document changed by `change`."""
    ctx = Ctx.open(load_settings())
    try:
        doc = review.document(ctx, draft_id)
    finally:
        ctx.close()
    change(doc)
    path = tmp_path / "edit.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return run("review", "edit", draft_id, "--from", path, *BY)


def test_a_motion_is_edited_in_the_document_and_exported(built, tmp_path):
    def stranger(doc):
        doc["decisions"][1].update(proposer="tom", seconder="Samantha")

    refused(edit(built.draft_id, tmp_path, stranger), 2, "no participant 'Samantha' to be the seconder")
    assert item(built.draft_id, "d2")["proposer"] is None

    def motion(doc):
        doc["decisions"][1].update(proposer="tom", seconder="Helen", vote="carried, 3 for, 1 against")
        doc["actions"][0]["agenda_item"] = 2

    result = edit(built.draft_id, tmp_path, motion)
    assert result.exit_code == 0 and "edited d2, a1" in result.output, result.output
    d2 = item(built.draft_id, "d2")
    assert (d2["proposer"], d2["seconder"], d2["vote"]) == ("Tom", "Helen", "carried, 3 for, 1 against")
    assert (
        "proposed by: Tom  seconded by: Helen  vote: carried, 3 for, 1 against"
        in run("review", "show", built.draft_id).output
    )
    refused(
        edit(built.draft_id, tmp_path, lambda doc: doc["actions"][0].update(agenda_item=7)),
        2,
        "agenda item 7",
    )
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), tick=False):
        approve_and_release(built.draft_id)
    text = exported(built.draft_id, tmp_path, "department")
    assert (
        "- Agreed: Year 7 will trial paper homework sheets for one half term. Proposed by Tom, seconded by "
        "Helen. Carried: 3 for, 1 against.\n" in text
    )
    homework = text[text.index("## 2. Homework") :]
    assert "Book the coach" in homework
    assert run("audit", "verify").exit_code == 0


def test_a_withdrawn_participant_is_no_longer_named_in_a_motion(built, tmp_path):
    """Withdrawal replaces their name in the motion as everywhere else, and the draft stays editable."""

    def motion(doc):
        doc["decisions"][1].update(proposer="Tom", seconder="Helen", vote="carried, with Tom abstaining")

    assert edit(built.draft_id, tmp_path, motion).exit_code == 0
    withdraw = ("consent", "withdraw", built.meeting_id, "Tom", "--scope", "transcribe", "--method", "verbal")
    assert run(*withdraw, "--by", "Clerk").exit_code == 0
    d2 = item(built.draft_id, "d2")
    assert "Tom" not in json.dumps(d2) and d2["seconder"] == "Helen"
    assert d2["proposer"] == "a participant (consent withdrawn)"
    result = edit(built.draft_id, tmp_path, lambda doc: doc["decisions"][1].update(vote="carried"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("bad", [5, ["not an item"], [{"id": "d1", "text": "x", "proposer": 7}]])
def test_an_edit_document_of_the_wrong_shape_is_refused_in_one_line(built, tmp_path, bad):
    result = edit(built.draft_id, tmp_path, lambda doc: doc.update(decisions=bad))
    refused(result, 2, "invalid edit: decisions")
    assert "\n" not in result.output.strip() and item(built.draft_id, "d1")["resolution"] is None

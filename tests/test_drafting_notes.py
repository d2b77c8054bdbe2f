"""The drafting notes a reviewer reads never quote a prompt's worked example: a small model repeats one now and
then (a deferred decision, a task, a discussion point of the example meeting), and its words were never said in
the meeting. Invented lines and canned replies (no model)."""

from __future__ import annotations

from test_extract_rules import WEDNESDAY, FakeEngine, meeting, reply

from minutes.drafting import prompts
from minutes.drafting.extract import extract


def test_an_item_repeating_a_worked_example_is_noted_without_its_words():
    example_decision, example_action, example_point = (
        prompts.EXAMPLE2_REPLY["decisions"][1],  # deferred in the example: it used to be noted as "deferred"
        prompts.EXAMPLE2_REPLY["actions"][2],
        prompts.EXAMPLE2_REPLY["points"][0],
    )
    transcript = meeting(
        ("Ann", "The car park resurfacing starts in the half term."),  # 1
        ("Ben", "Then we agree the staff park on the field that week."),  # 2
        ("Ann", "Agreed, the field it is. I'll tell the staff on Monday."),  # 3
    )
    engine = FakeEngine(
        reply(
            decisions=[
                {**example_decision, "lines": [1, 2]},
                {
                    "text": "Staff park on the field during the resurfacing.",
                    "outcome": "agreed",
                    "lines": [2, 3],
                },
            ],
            actions=[
                {**example_action, "lines": [3], "kind": "only suggested"},
                {
                    "task": "Tell the staff",
                    "owners": ["Ann"],
                    "kind": "volunteered",
                    "due": None,
                    "lines": [3],
                },
            ],
            points=[{**example_point, "lines": [9]}],  # cites no line of this meeting either
        )
    )
    draft = extract(engine, transcript, ["Ann", "Ben"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["Staff park on the field during the resurfacing."]
    assert [a.task for a in draft.actions] == ["Tell the staff"]
    notes = " ".join(draft.notes).casefold()
    assert "netball" not in notes and "sign-ups" not in notes and "tournament" not in notes
    for what in ("a decision", "an action", "a discussion point"):
        assert any(n.startswith(f"not {what} (a worked example repeated): left out") for n in draft.notes)

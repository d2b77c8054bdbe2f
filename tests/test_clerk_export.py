"""Minutes in the clerk's shape: agenda placement by transcript position, and the governors and department
templates read back from DOCX and Markdown, on the processed demo meeting (no models run)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from dev_meetings import dev_meeting
from processed_meeting import (
    approve_and_release,
    build,
    demo_draft,
    export_minutes,
    file_agenda,
    file_apologies,
    run,
    stm_lines,
)

from minutes.core import types
from minutes.core.config import load_settings
from minutes.records.agenda import agenda_starts, next_meeting, place
from minutes.records.clerk import sections

AGENDA = ["Year 9 science museum trip", "Homework policy", "Lab technician post"]
LINES = [(x.start, x.text) for x in stm_lines()]


def released(home, tmp_path, agenda: list[str] | None):
    built = build(load_settings())
    if agenda:
        file_agenda(built.meeting_id, agenda, tmp_path)
    result = run("participant", "add", built.meeting_id, "Mr Governor", "--attendance", "apologies")
    assert result.exit_code == 0, result.output
    file_apologies(built.meeting_id, "Ms Accepted", True, "governor")
    file_apologies(built.meeting_id, "Mr Declined", False, "governor")
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), tick=False):
        approve_and_release(built.draft_id)
    return built


def test_agenda_starts_where_the_chair_moves_on():
    assert agenda_starts(AGENDA, LINES) == [0.6, 36.927, 72.424]  # first line; "Next item"; title words
    assert agenda_starts(AGENDA, []) == [None, None, None]


def test_agenda_starts_on_item_numbers_and_never_goes_back():
    lines = [(0.0, "Welcome."), (5.0, "Moving to item three."), (9.0, "Back to the homework policy briefly.")]
    assert agenda_starts(AGENDA, lines) == [0.0, None, 5.0]


FGB = dev_meeting("m01_fgb_formal_motions")
FGB_AGENDA = FGB.filed["agenda"]


def fgb_lines() -> list[tuple[float, str]]:
    return [(x.start, x.text) for x in FGB.lines]


def test_a_full_governing_body_follows_its_agenda():
    """The dev FGB meeting: items said by number ("Okay, item three"), not in passing ("relevant for item six");
    item 5 starts early, where the head names it in his report, before anything is decided on it."""
    lines = fgb_lines()
    starts = agenda_starts(FGB_AGENDA, lines)
    assert starts == [0.844, 23.647, 43.37, 91.045, 97.924, 218.966, 268.386, 384.24, 445.908, 476.035]
    assert next_meeting(lines) == "Wednesday the twentieth of January"

    def at(t: float) -> list[types.Evidence]:
        return [types.Evidence(start=t, end=t + 1, quote="")]

    draft = types.Draft(
        decisions=[
            types.Decision(text="Minutes approved", evidence=at(77.624)),
            types.Decision(text="Behaviour policy adopted", evidence=at(198.361)),
            types.Decision(text="Boiler chair's action ratified", evidence=at(260.62)),
            types.Decision(text="SEN report delegated to chair's action", evidence=at(402.441)),
        ],
        actions=[
            types.Action(task="Publish the policy", owner="Daniel", due=None, evidence=at(212.386)),
            types.Action(task="Paper on consulting parents", owner="Daniel", due=None, evidence=at(376.644)),
            types.Action(task="Circulate the SEN report", owner="Daniel", due=None, evidence=at(390.087)),
            types.Action(task="Sign off the SEN report", owner="Margaret", due=None, evidence=at(428.938)),
            types.Action(task="Set up finance training", owner="Harpreet", due=None, evidence=at(448.576)),
            types.Action(task="Send out draft minutes", owner="Fiona", due=None, evidence=at(467.076)),
            types.Action(task="Added by a reviewer", owner="Fiona"),
        ],
    )
    placed = {s.title: [e.text for e in s.entries] for s in sections(FGB_AGENDA, draft, lines)}
    assert placed == {
        "Welcome and apologies": [],
        "Declarations of interest": [],
        "Minutes of the last meeting": ["Minutes approved"],
        "Headteacher's report": [],
        "Behaviour policy": ["Behaviour policy adopted", "Publish the policy"],
        "Chair's action: boiler repair": ["Boiler chair's action ratified"],
        "Motion: mobile phones": ["Paper on consulting parents"],
        "SEN information report": [
            "Circulate the SEN report",
            "SEN report delegated to chair's action",
            "Sign off the SEN report",
        ],
        "Governor training": ["Set up finance training", "Send out draft minutes"],
        "Any other business": [],
        "Other matters": ["Added by a reviewer"],
    }


def test_place_is_the_last_start_at_or_before():
    starts = [0.6, None, 72.4]
    assert [place(starts, at) for at in (0.6, 50.0, 72.4, 90.0, None)] == [0, 0, 2, 2, None]


def test_next_meeting_only_when_a_date_is_said():
    assert next_meeting(LINES) is None  # "Let's come back to it at the next meeting" names no date
    said = [(1.0, "The next meeting will be on Tuesday 12 January at 6pm. Thanks all.")]
    assert next_meeting(said) == "Tuesday 12 January at 6pm"
    rambling = [(1.0, "The next meeting is on Tuesday 12 January " + "and then we'll see about that " * 3)]
    assert next_meeting(rambling) is None


def test_governors_docx_has_the_clerks_shape(home, tmp_path):
    from docx import Document

    built = released(home, tmp_path, AGENDA)
    out = tmp_path / "minutes.docx"
    export_minutes(built.draft_id, out, "governors")
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [
        "Science department meeting",
        "Attendance",
        "Declarations of interest",
        "1. Year 9 science museum trip",
        "2. Homework policy",
        "3. Lab technician post",
        "Actions arising",
    ]
    (table,) = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Minute", "Action", "Owner", "Due"],
        ["1.2", "Book the coach for the Year 9 trip", "Tom", "27/11/2026"],
        ["2.2", demo_draft().actions[1].task, "Sam", "25/11/2026"],
        [
            "3.1",
            "Check the budget for the lab technician post with the business manager",
            "Priya",
            "next meeting",
        ],
    ]
    text = [p.text for p in doc.paragraphs]
    assert "Present: Priya (chair), Tom, Helen, Sam" in text and "Apologies: Mr Governor" in text
    assert "Apologies received and accepted from Ms Accepted (governor)" in text
    assert "Apologies received but not accepted from Mr Declined (governor)" in text
    assert text[text.index("Declarations of interest") + 1] == "None recorded."
    item1 = text[text.index("1. Year 9 science museum trip") + 1 : text.index("2. Homework policy")]
    assert item1 == [
        "1.1 Resolved: The Year 9 science museum trip moves to the last week of April.",
        "1.2 Action (Tom, by Friday 27 November 2026): Book the coach for the Year 9 trip",
    ]
    assert text[text.index("2. Homework policy") + 1].startswith("2.1 Resolved: Year 7 will trial paper")
    assert text[text.index("3. Lab technician post") + 1].startswith(
        "3.1 Action (Priya, by next meeting): Check"
    )
    assert (
        text[-1]
        == "Reviewed and approved by Mrs Reviewer. Released by Mr Chair on Wednesday 25 November 2026."
    )


def test_department_markdown_is_lighter_and_keeps_the_summary(home, tmp_path):
    built = released(home, tmp_path, AGENDA)
    out = tmp_path / "minutes.md"
    export_minutes(built.draft_id, out, "department")
    text = out.read_text(encoding="utf-8")
    assert "## Summary\n\nThe department moved the Year 9 trip" in text
    assert (
        "## 2. Homework policy\n\n- Agreed: Year 7 will trial paper homework sheets for one half term.\n"
        "- Action (Sam, by Wednesday 25 November 2026): Draft the letter to parents" in text
    )
    assert "Resolved" not in text and "2.1" not in text
    assert (
        "## Actions arising\n\n| Minute | Action | Owner | Due |\n|---|---|---|---|\n| 1 | Book the coach"
        in text
    )


def test_without_an_agenda_one_discussion_section(home, tmp_path):
    built = released(home, tmp_path, None)
    out = tmp_path / "minutes.md"
    export_minutes(built.draft_id, out, "governors")
    text = out.read_text(encoding="utf-8")
    assert "## 1. Discussion\n\n1.1 Resolved: The Year 9" in text and "1.5 Action (Priya" in text
    assert "## 2." not in text


def test_a_declarations_item_replaces_the_heading(home, tmp_path):
    built = released(home, tmp_path, ["Declarations of interest", *AGENDA])
    out = tmp_path / "minutes.md"
    export_minutes(built.draft_id, out, "governors")
    text = out.read_text(encoding="utf-8")
    assert text.count("Declarations of interest") == 1
    assert "## 1. Declarations of interest\n\nNo decisions or actions.\n\n## 2. Year 9" in text


@pytest.mark.parametrize("args", [("--format", "json"), ("--format", "txt")])
def test_templates_are_for_md_and_docx_minutes_only(home, tmp_path, args):
    built = released(home, tmp_path, AGENDA)
    result = run("export", built.draft_id, *args, "--template", "governors", "--out", tmp_path / "x")
    assert result.exit_code == 2 and "use --template governors or department" in result.output


def test_agenda_and_attendance_are_kept_as_filed_after_release_and_unreleased_minutes_do_not_export(
    home, tmp_path
):
    built = build(load_settings())
    assert (
        run("participant", "add", built.meeting_id, "Mr Declined", "--attendance", "apologies").exit_code == 0
    )
    out = tmp_path / "minutes.docx"
    result = run("export", built.draft_id, "--format", "docx", "--template", "governors", "--out", out)
    assert result.exit_code == 5 and "only released minutes" in result.output and not out.exists()
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), tick=False):
        approve_and_release(built.draft_id)
    path = tmp_path / "agenda.txt"
    path.write_text("1. Apologies\n", encoding="utf-8")
    result = run("meeting", "agenda", built.meeting_id, path)
    assert result.exit_code == 5 and "kept as filed" in result.output
    result = run("attendance", built.meeting_id, "Sam", "in-attendance")
    assert result.exit_code == 5 and "attendance is kept as filed" in result.output
    result = run("attendance", built.meeting_id, "Mr Declined", "apologies", "--accepted")
    assert result.exit_code == 5 and "attendance is kept as filed" in result.output


def test_a_reviewer_item_beside_drafted_ones_exports_in_both_templates(home, tmp_path):
    """A reviewer's item has no evidence, so no time: minuted under an agenda item that already holds drafted
    items (and beside a second reviewer item), it follows them instead of crashing the sort (it did: 500 on
    every clerk's export of such a meeting, and released minutes cannot be edited)."""
    from docx import Document

    from minutes.service import Ctx
    from minutes.service import review as service_review

    settings = load_settings()
    built = build(settings)
    file_agenda(built.meeting_id, AGENDA, tmp_path)
    ctx = Ctx.open(settings)
    try:
        for text in ("Tom to collect the consent slips", "Helen to book the museum guide"):
            service_review.add_item(
                ctx, built.draft_id, "action", text, "Mrs Reviewer", owner=text.split()[0], agenda_item=1
            )
        service_review.add_item(
            ctx, built.draft_id, "decision", "Trip cost capped", "Mrs Reviewer", agenda_item=1
        )
    finally:
        ctx.close()
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), tick=False):
        approve_and_release(built.draft_id)
    docx = tmp_path / "minutes.docx"
    export_minutes(built.draft_id, docx, "governors")
    text = [p.text for p in Document(str(docx)).paragraphs]
    item1 = text[text.index("1. Year 9 science museum trip") + 1 : text.index("2. Homework policy")]
    assert item1 == [
        "1.1 Resolved: The Year 9 science museum trip moves to the last week of April.",
        "1.2 Action (Tom, by Friday 27 November 2026): Book the coach for the Year 9 trip",
        "1.3 Resolved: Trip cost capped",
        "1.4 Action (Tom): Tom to collect the consent slips",
        "1.5 Action (Helen): Helen to book the museum guide",
    ]
    markdown = tmp_path / "minutes.md"
    export_minutes(built.draft_id, markdown, "department")
    assert "- Action (Tom): Tom to collect the consent slips\n- Action (Helen)" in markdown.read_text("utf-8")

"""Motions: proposer, seconder and vote read from the lines around a decision's evidence (no model)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from minutes.core import types
from minutes.drafting.motions import Motion, fill, motion
from minutes.drafting.windows import Line
from minutes.records.clerk import ClerkDoc, render_docx, render_markdown, sections
from minutes.records.export import MinutesDoc

M01 = Path(__file__).parent / "data/dev/meetings/m01_fgb_formal_motions/reference.stm"
ATTENDANCE = (
    "present",
    "in-attendance",
    "apologies-accepted",
    "apologies-not-accepted",
    "apologies",
    "absent",
)
PEOPLE = ["Margaret Ellis", "Harpreet Singh", "Aisha Khan", "Graham Potter"]


def lines_of(*said: tuple[str, str]) -> list[Line]:
    """Transcript lines, ten seconds apart, from (speaker, text) pairs."""
    return [Line(i, 10.0 * i, 10.0 * i + 9, who, text) for i, (who, text) in enumerate(said, 1)]


def at(line: int) -> types.Decision:
    """A decision whose evidence is line `line` (1-based) of lines_of."""
    return types.Decision("d", [types.Evidence(10.0 * line, 10.0 * line + 9, "")])


@pytest.mark.parametrize(
    ("said", "evidence", "expected"),
    [
        (  # the chair asks; a governor proposes, another seconds; a show of hands with counts
            [
                ("Margaret Ellis", "Can I have a proposal to adopt the policy?"),
                ("Harpreet Singh", "I'd like to propose that we adopt it."),
                ("Aisha Khan", "I second that."),
                (
                    "Margaret Ellis",
                    "All in favour? ... Six. Against? One. So six for, one against, and it's carried.",
                ),
            ],
            4,
            Motion("Harpreet Singh", "Aisha Khan", "carried, 6 for, 1 against"),
        ),
        (  # the chair names them for the minutes; unanimous
            [
                (
                    "Margaret Ellis",
                    "The motion to close early on Friday, proposed by Graham, seconded by Aisha.",
                ),
                ("Margaret Ellis", "All in favour? That's everyone. Carried."),
            ],
            2,
            Motion("Graham Potter", "Aisha Khan", "carried unanimously"),
        ),
        (  # "I move that"; a bare "Seconded."; nem con
            [
                ("Graham Potter", "I move that the budget is approved as presented."),
                ("Harpreet Singh", "Seconded."),
                ("Margaret Ellis", "Agreed nem con."),
            ],
            1,
            Motion("Graham Potter", "Harpreet Singh", "carried unanimously"),
        ),
        (  # nobody seconds: the motion falls, and no seconder is invented
            [
                ("Aisha Khan", "I propose we move the meeting to Thursdays."),
                (
                    "Margaret Ellis",
                    "Is there a seconder? ... No? Then the motion falls for want of a seconder.",
                ),
            ],
            1,
            Motion("Aisha Khan", None, "fell"),
        ),
        (  # an informal decision: no motion, nothing filled
            [
                ("Margaret Ellis", "Shall we just keep the trip in April then?"),
                ("Graham Potter", "Fine by me."),
                ("Aisha Khan", "Yes, April it is."),
            ],
            3,
            Motion(),
        ),
        (  # someone who is not a participant is never named; "the second item" is not seconding
            [
                ("SPEAKER_03", "I'll propose."),
                ("Margaret Ellis", "Proposed by Samantha. Now, the second item on the list."),
                ("Margaret Ellis", "Carried."),
            ],
            3,
            Motion(None, None, "carried"),
        ),
    ],
)
def test_motion_phrasings(said, evidence, expected):
    assert motion(at(evidence), lines_of(*said), PEOPLE) == expected


def test_an_earlier_motion_is_not_borrowed():
    """The lines looked at stop at the previous motion's result, so its proposer is not this decision's."""
    lines = lines_of(
        ("Harpreet Singh", "I'll propose."),
        ("Aisha Khan", "Second."),
        ("Margaret Ellis", "All in favour? Carried."),
        ("Margaret Ellis", "Next, the lettings policy. Is everyone content to renew it?"),
        ("Graham Potter", "No objection."),
    )
    assert motion(at(5), lines, PEOPLE) == Motion()
    assert motion(types.Decision("added by a reviewer"), lines, PEOPLE) == Motion()


def m01() -> list[Line]:
    rows = [raw.split(" ", 5) for raw in M01.read_text(encoding="utf-8").splitlines()]
    return [Line(i, float(r[3]), float(r[4]), r[2], r[5]) for i, r in enumerate(rows, 1)]


M01_PEOPLE = ["Margaret", "Fiona", "Graham", "Tomasz", "Harpreet", "Daniel", "Aisha"]
M01_DECISIONS = {  # the gold decisions, at their evidence lines
    77.624: "The minutes of 23 September are approved.",
    198.361: "The revised behaviour policy is adopted.",
    260.62: "The chair's action on the boiler repair is ratified.",
    402.441: "Approval of the SEN information report is delegated to chair's action.",
}


def test_the_dev_governing_body_meeting():
    """m01 (formal motions), with the gold decisions' evidence lines: three motions proposed, seconded and carried,
    and the SEN report delegated by consensus, with no motion."""
    found = [
        motion(types.Decision("d", [types.Evidence(t, t + 1, "")]), m01(), M01_PEOPLE) for t in M01_DECISIONS
    ]
    assert found == [
        Motion("Harpreet", "Graham", "carried unanimously"),
        Motion("Harpreet", "Aisha", "carried unanimously"),
        Motion("Tomasz", "Aisha", "carried, 5 for, 1 abstention"),
        Motion(),
    ]


def test_the_dev_governing_body_minutes_read_back_with_their_motions(tmp_path):
    """The same decisions, filled by the rules and exported in both templates: the DOCX read back, and the
    Markdown, say who proposed and seconded each motion and the vote."""
    from docx import Document

    lines = m01()
    decisions = [types.Decision(text, [types.Evidence(t, t + 1, "")]) for t, text in M01_DECISIONS.items()]
    fill(decisions, lines, M01_PEOPLE)
    base = MinutesDoc("FGB", "2026-11-18", [], "", [], [], None, "Fiona", datetime(2026, 11, 25, tzinfo=UTC))
    placed = sections(["Business"], types.Draft(decisions=decisions), [(x.start, x.text) for x in lines])
    doc = ClerkDoc(base, {key: [] for key in ATTENDANCE}, placed, None)
    (tmp_path / "m.docx").write_bytes(render_docx(doc, "governors"))
    text = [p.text for p in Document(str(tmp_path / "m.docx")).paragraphs]
    assert text[text.index("1. Business") + 1 :][:4] == [
        "1.1 Resolved: The minutes of 23 September are approved. Proposed by Harpreet, seconded by Graham. "
        "Carried unanimously.",
        "1.2 Resolved: The revised behaviour policy is adopted. Proposed by Harpreet, seconded by Aisha. "
        "Carried unanimously.",
        "1.3 Resolved: The chair's action on the boiler repair is ratified. Proposed by Tomasz, seconded by "
        "Aisha. Carried: 5 for, 1 abstention.",
        "1.4 Resolved: Approval of the SEN information report is delegated to chair's action.",
    ]
    markdown = render_markdown(doc, "department")
    assert (
        "- Agreed: The chair's action on the boiler repair is ratified. Proposed by Tomasz, seconded"
        in markdown
    )

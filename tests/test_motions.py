"""Motions: proposer, seconder and vote read from the lines around a decision's evidence (no model)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from minutes.core import types
from minutes.core.drafting_params import DRAFTING
from minutes.drafting.motions import Motion, fill, motion
from minutes.drafting.windows import Line
from minutes.records.clerk import ClerkDoc, render_docx, render_markdown, sections
from minutes.records.export import MinutesDoc

ATTENDANCE = (
    "present",
    "in-attendance",
    "apologies-accepted",
    "apologies-not-accepted",
    "apologies",
    "absent",
)
PEOPLE = ["Nora Blake", "Idris Shah", "Wen Li", "Colm Byrne"]


def lines_of(*said: tuple[str, str]) -> list[Line]:
    """Transcript lines, ten seconds apart, from (speaker, text) pairs."""
    return [Line(i, 10.0 * i, 10.0 * i + 9, who, text) for i, (who, text) in enumerate(said, 1)]


def at(line: int) -> types.Decision:
    """A decision whose evidence is line `line` (1-based) of lines_of."""
    return types.Decision(
        text="d", evidence=[types.Evidence(start=10.0 * line, end=10.0 * line + 9, quote="")]
    )


@pytest.mark.parametrize(
    ("said", "evidence", "expected"),
    [
        (  # the chair asks; a governor proposes, another seconds; a show of hands with counts
            [
                ("Nora Blake", "Would someone propose that we adopt the policy?"),
                ("Idris Shah", "I'd like to propose that we adopt it."),
                ("Wen Li", "I second that."),
                (
                    "Nora Blake",
                    "All in favour? ... Six. Against? One. So six for, one against, and it's carried.",
                ),
            ],
            4,
            Motion("Idris Shah", "Wen Li", "carried, 6 for, 1 against"),
        ),
        (  # the chair names them for the minutes; unanimous
            [
                (
                    "Nora Blake",
                    "The motion to close early on Friday, proposed by Colm, seconded by Wen.",
                ),
                ("Nora Blake", "Those in favour? That's everyone. Carried."),
            ],
            2,
            Motion("Colm Byrne", "Wen Li", "carried unanimously"),
        ),
        (  # "I move that"; a bare "Seconded."; nem con
            [
                ("Colm Byrne", "I move that the budget is approved as presented."),
                ("Idris Shah", "Seconded."),
                ("Nora Blake", "Agreed nem con."),
            ],
            1,
            Motion("Colm Byrne", "Idris Shah", "carried unanimously"),
        ),
        (  # nobody seconds: the motion falls, and no seconder is invented
            [
                ("Wen Li", "I propose we move the meeting to Thursdays."),
                (
                    "Nora Blake",
                    "Is there a seconder? ... No? Then the motion falls for want of a seconder.",
                ),
            ],
            1,
            Motion("Wen Li", None, "fell"),
        ),
        (  # an informal decision: no motion, nothing filled
            [
                ("Nora Blake", "Shall we just keep the trip in April then?"),
                ("Colm Byrne", "Fine by me."),
                ("Wen Li", "Yes, April it is."),
            ],
            3,
            Motion(),
        ),
        (  # someone who is not a participant is never named; "the second item" is not seconding
            [
                ("SPEAKER_03", "I'll propose."),
                ("Nora Blake", "Proposed by Tabitha. Now, the second item on the list."),
                ("Nora Blake", "Carried."),
            ],
            3,
            Motion(None, None, "carried"),
        ),
    ],
)
def test_motion_phrasings(said, evidence, expected):
    assert motion(at(evidence), lines_of(*said), PEOPLE, DRAFTING) == expected


def test_an_earlier_motion_is_not_borrowed():
    """The lines looked at stop at the previous motion's result, so its proposer is not this decision's."""
    lines = lines_of(
        ("Idris Shah", "I'll propose."),
        ("Wen Li", "Second."),
        ("Nora Blake", "All in favour? Carried."),
        ("Nora Blake", "Next, the lettings policy. Is everyone content to renew it?"),
        ("Colm Byrne", "No objection."),
    )
    assert motion(at(5), lines, PEOPLE, DRAFTING) == Motion()
    assert motion(types.Decision(text="added by a reviewer"), lines, PEOPLE, DRAFTING) == Motion()


GOVERNORS = (  # an invented formal meeting: three motions carried, and an item delegated by consent
    ("Nora", "Welcome, everyone. First, the minutes from October. Are there any corrections?"),  # 1
    ("Colm", "Only that my name is spelt wrong on page two."),  # 2
    ("Nora", "Noted. With that change, would someone move that they are approved?"),  # 3
    ("Idris", "I'll move that."),  # 4
    ("Colm", "And I'll second."),  # 5
    ("Nora", "In favour? That's everyone, so carried."),  # 6
    ("Nora", "Item two, the revised attendance policy. Idris, you looked at it."),  # 7
    ("Idris", "I did. The changes are sensible. I'm happy to propose it is adopted."),  # 8
    ("Wen", "Seconded."),  # 9
    ("Nora", "Hands up for? Unanimous, then."),  # 10
    (
        "Nora",
        "Item three. I took chair's action on the roof repair over the summer; it needs ratifying.",
    ),  # 11
    ("Wen", "I propose we ratify it."),  # 12
    ("Idris", "I'll second that."),  # 13
    ("Nora", "In favour? Five. Against? None. Abstentions? One, Colm. So five for, one abstention, carried."),
    ("Nora", "Last, the SEND information report. It isn't ready, so can we leave its approval to me?"),  # 15
    ("Colm", "That seems sensible."),  # 16
    ("Wen", "Agreed."),  # 17
)
GOVERNOR_NAMES = ["Nora", "Colm", "Idris", "Wen"]
GOVERNOR_DECISIONS = {  # the decisions, at their evidence lines
    6: "The October minutes are approved.",
    10: "The revised attendance policy is adopted.",
    14: "The chair's action on the roof repair is ratified.",
    17: "Approving the SEND information report is left to the chair.",
}


def test_a_governing_body_meeting():
    """Three motions proposed, seconded and carried, and an item left to the chair by consent, with no motion."""
    found = [motion(at(n), lines_of(*GOVERNORS), GOVERNOR_NAMES, DRAFTING) for n in GOVERNOR_DECISIONS]
    assert found == [
        Motion("Idris", "Colm", "carried unanimously"),
        Motion("Idris", "Wen", "carried unanimously"),
        Motion("Wen", "Idris", "carried, 5 for, 1 abstention"),
        Motion(),
    ]


def test_the_governing_body_minutes_read_back_with_their_motions(tmp_path):
    """The same decisions, filled by the rules and exported in both templates: the DOCX read back, and the
    Markdown, say who proposed and seconded each motion and the vote."""
    from docx import Document

    lines = lines_of(*GOVERNORS)
    decisions = [types.Decision(text=text, evidence=at(n).evidence) for n, text in GOVERNOR_DECISIONS.items()]
    fill(decisions, lines, GOVERNOR_NAMES, DRAFTING)
    base = MinutesDoc("FGB", "2026-11-18", [], "", [], [], None, "Nora", datetime(2026, 11, 25, tzinfo=UTC))
    placed = sections(["Business"], types.Draft(decisions=decisions), [(x.start, x.text) for x in lines])
    doc = ClerkDoc(base, {key: [] for key in ATTENDANCE}, placed, None)
    (tmp_path / "m.docx").write_bytes(render_docx(doc, "governors"))
    text = [p.text for p in Document(str(tmp_path / "m.docx")).paragraphs]
    assert text[text.index("1. Business") + 1 :][:4] == [
        "1.1 Resolved: The October minutes are approved. Proposed by Idris, seconded by Colm. "
        "Carried unanimously.",
        "1.2 Resolved: The revised attendance policy is adopted. Proposed by Idris, seconded by Wen. "
        "Carried unanimously.",
        "1.3 Resolved: The chair's action on the roof repair is ratified. Proposed by Wen, seconded by "
        "Idris. Carried: 5 for, 1 abstention.",
        "1.4 Resolved: Approving the SEND information report is left to the chair.",
    ]
    markdown = render_markdown(doc, "department")
    assert (
        "- Agreed: The chair's action on the roof repair is ratified. Proposed by Wen, seconded" in markdown
    )

"""Discussion points: the short account of the discussion minuted under each agenda item.

Each chunk's second reply ends with a few points, each citing lines of that chunk, as a decision does. A point
that cites none of them is dropped with a note (withheld sensitive lines are never in a chunk, so they cannot be
cited); one that repeats a worked example is dropped too. Its evidence comes from `rules.evidence`, and the
grounding check judges it like every other item; one touching a sensitive passage is withheld with the other
items (`sensitive.withhold_sensitive_items`). Points go under the agenda item their first evidence falls in, as
decisions and actions do (`records.agenda.placed`); the draft's summary is the supported points' texts joined.
"""

from __future__ import annotations

from minutes.core.types import Draft, Point
from minutes.drafting import prompts, rules
from minutes.drafting.windows import Line


def drafted(replied: list, by_number: dict[int, Line], draft: Draft) -> list[Point]:
    """The chunk's points (`replied`: text and cited line numbers), each with its evidence; notes for the rest."""
    out = []
    for point in replied:
        text = point.text.strip()
        if rules.repeats_example(text, prompts.EXAMPLE_ITEMS):  # first: its words must not reach a note
            draft.notes.append(rules.example_note("a discussion point"))
        elif not any(n in by_number for n in point.lines):
            draft.notes.append(
                f"not a discussion point (it cites no line of its part of the meeting): {text}"
            )
        elif why := rules.not_an_item(text, prompts.EXAMPLE_ITEMS):
            draft.notes.append(f"not a discussion point ({why}): {text}")
        else:
            out.append(Point(text, rules.evidence(text, point.lines, by_number)))
    return out


def summary(points: list[Point]) -> str:
    """The draft's overall summary: the points in meeting order."""
    ordered = sorted(points, key=lambda p: min((e.start for e in p.evidence), default=0.0))
    return " ".join(p.text.rstrip(".") + "." for p in ordered)

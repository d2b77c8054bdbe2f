"""Discussion points: the short account of the discussion minuted under each agenda item.

Each chunk's second reply ends with a few points, each citing lines of that chunk, as a decision does. A point
that cites none of them is dropped with a note (withheld sensitive lines are never in a chunk, so they cannot be
cited); one that repeats a worked example is dropped too. Its evidence comes from `rules.evidence`, and the
grounding check judges it like every other item; one touching a sensitive passage is withheld with the other
items (`sensitive.withhold_sensitive_items`). Points go under the agenda item their first evidence falls in, as
decisions and actions do (`records.agenda.placed`); the draft's summary is the supported points' texts joined.

A point must be faithful to who said what (`faithful`): each participant it names speaks in its lines or is
addressed there, and it does not give a drafted action to anyone but its owner ("Ruth will draft the
protocol" when the action to draft it is Tom's). One that fails is dropped with a note, so the summary built
from the points never carries it.
"""

from __future__ import annotations

import re

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Action, Draft, Point
from minutes.drafting import grounding, prompts, rules
from minutes.drafting.windows import Line


def drafted(
    replied: list, by_number: dict[int, Line], draft: Draft, params: DraftingParams = DRAFTING
) -> list[Point]:
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
        elif why := rules.not_an_item(text, prompts.EXAMPLE_ITEMS, params):
            draft.notes.append(f"not a discussion point ({why}): {text}")
        else:
            out.append(Point(text=text, evidence=rules.evidence(text, point.lines, by_number, params)))
    return out


def faithful(draft: Draft, lines: list[Line], names: list[str]) -> None:
    """Drop each point that says what someone said, decided or will do when its lines do not bear that out
    (see the module docstring), with a note."""
    kept = []
    for point in draft.points:
        if why := _unfaithful(point, draft.actions, lines, names):
            draft.notes.append(f"not a discussion point ({why}): {point.text}")
        else:
            kept.append(point)
    draft.points = kept


def _unfaithful(point: Point, actions: list[Action], lines: list[Line], names: list[str]) -> str | None:
    spans = {(e.start, e.end) for e in point.evidence}
    cited = [x for x in lines if (x.start, x.end) in spans]
    named = [n for n in names if _names(point.text, n)]
    for name in named:
        speaks = any(grounding.same_person(name, x.speaker) for x in cited)
        addressed = any(_names(x.text, name) for x in cited if not grounding.same_person(name, x.speaker))
        if not (speaks or addressed):
            return f"{name} neither speaks nor is addressed in its lines"
        for action in actions:
            owner = action.owner
            if (
                owner
                and not grounding.same_person(name, owner)
                and not any(grounding.same_person(n, owner) for n in named)
                and rules.shared_stems(action.task, point.text) >= 0.5
            ):
                return f"the action it gives {name} is {owner}'s"
    return None


def _names(text: str, name: str) -> bool:
    """Whether the text names the participant by their first name, as a name (capitalised)."""
    return bool(re.search(rf"\b{re.escape(name.split()[0])}\b", text))


def summary(points: list[Point]) -> str:
    """The draft's overall summary: the points in meeting order."""
    ordered = sorted(points, key=lambda p: min((e.start for e in p.evidence), default=0.0))
    return " ".join(p.text.rstrip(".") + "." for p in ordered)

"""Who owns an action when the model's owner cannot stand: a task taken on by a speaker nobody has named
("Speaker 2") goes to the participant addressed in its lines.

The owner-correcting rules that were here (a task asked of someone by name, handed on, or done "with" the owner)
each changed one dev meeting or none when switched off on all eight (docs/drafting-rules.md), and went.
"""

from __future__ import annotations

import re

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Action
from minutes.drafting.rules import cited_lines
from minutes.drafting.windows import Line

# the people addressed at the start of a request: "Sam, could you", "Kwame, Priya, could you two", "Kit and Mo, can you"
ASKED = re.compile(
    r"(?:^|[.?!]\s*|\b(?:so|and|now|okay|right),?\s+)((?:{w}(?:\s*,\s*|\s+and\s+)){{0,3}}{w})\s*,\s*"
    r"(?:could|can|would|will) you\b".format(w=r"[\w'’-]+(?: [\w'’-]+)?"),
    re.IGNORECASE,
)


def addressed(
    action: Action, lines: list[Line], names: list[str], params: DraftingParams = DRAFTING
) -> str | None:
    """The one participant addressed by name at the start of a request in the action's lines or the line before
    ("Sam, could you ..."), if exactly one is."""
    cited = cited_lines(action, lines)
    if not cited:
        return None
    first, last = min(x.number for x in cited), max(x.number for x in cited) + params.settling_lines
    return addressed_in([x for x in lines if first - 1 <= x.number <= last], names)


def addressed_in(lines: list[Line], names: list[str]) -> str | None:
    """The one participant asked by name at the start of a request in these lines, if exactly one is."""
    said = " ".join(m.group(1) for x in lines for m in ASKED.finditer(x.text))
    asked = [n for n in names if re.search(rf"\b{re.escape(n.split()[0])}\b", said, re.IGNORECASE)]
    return asked[0] if len(asked) == 1 else None

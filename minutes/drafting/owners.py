"""Who owns an action: the rules that correct the owner the model picked, each small, general and unit-tested.

- A task asked of someone by name in its line ("Sam, could you ...") belongs to them, not to whoever asked (of
  several asked together, to one the task's other actions do not have yet).
- A task handed on by someone else in the lines just after ("can Raj do that instead?") belongs to the new person.
- A task someone says they will do with the model's owner ("I'll go through it with Ola") belongs to the one who
  said it: the person named after "with" helps.
- A task taken on by a speaker nobody has named ("Speaker 2") goes to the participant addressed in its lines.
"""

from __future__ import annotations

import re

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Action
from minutes.drafting.rules import VOLUNTEERS, cited_lines
from minutes.drafting.windows import Line

# the people addressed at the start of a request: "Sam, could you", "Kwame, Priya, could you two", "Kit and Mo, can you"
ASKED = re.compile(
    r"(?:^|[.?!]\s*|\b(?:so|and|now|okay|right),?\s+)((?:{w}(?:\s*,\s*|\s+and\s+)){{0,3}}{w})\s*,\s*"
    r"(?:could|can|would|will) you\b".format(w=r"[\w'’-]+(?: [\w'’-]+)?"),
    re.IGNORECASE,
)
HANDOVER = (
    r"\b(?:can|could|would|will)\s+{name}\s+(?:do|take|pick up|handle|cover|chase|sort)\b[^.?!]*"
    r"\b(?:instead|for me|on)\b|\b{name}\s*,\s*(?:can|could|would|will) you (?:do|take) (?:that|this|it)"
    r"\b[^.?!]*\binstead\b"
)


def asked_owner(
    action: Action, lines: list[Line], names: list[str], co_owners: frozenset[str] = frozenset()
) -> str | None:
    """The participant asked by name, in the action's own line, to do what the model gave to the asker. Of two
    or more asked together ("Kwame, Priya, could you two ..."), the first one the task's other actions
    (`co_owners`) do not already have."""
    for line in cited_lines(action, lines):
        if action.owner != line.speaker:
            continue
        addressed = " ".join(m.group(1) for m in ASKED.finditer(line.text))
        asked = [
            n
            for n in names
            if n != line.speaker and re.search(rf"\b{re.escape(n)}\b", addressed, re.IGNORECASE)
        ]
        free = [n for n in asked if n not in co_owners]
        if len(asked) == 1 or free:
            return asked[0] if len(asked) == 1 else free[0]
    return None


def handed_to(
    action: Action, lines: list[Line], names: list[str], params: DraftingParams = DRAFTING
) -> str | None:
    """The participant a task is handed on to ("can Raj do that instead?") in or just after its evidence."""
    cited = cited_lines(action, lines)
    if not cited:
        return None
    last = max(x.number for x in cited)
    window = [x for x in lines if min(c.number for c in cited) <= x.number <= last + params.handover_lines]
    for line in reversed(window):
        if line.speaker == action.owner:
            continue  # an owner handing on "that" may mean another task; a hand-over comes from someone else
        named = [
            n
            for n in names
            if n != action.owner and re.search(HANDOVER.format(name=re.escape(n)), line.text, re.IGNORECASE)
        ]
        if len(named) == 1:
            return named[0]
    return None


def said_with(action: Action, lines: list[Line], names: list[str]) -> str | None:
    """The participant who, in the action's lines, says they will do the task with its owner ("I'll review it with
    Harpreet"), when the task says it is done with the owner: the one named after "with" helps."""
    owner = action.owner
    with_owner = rf"\bwith\s+{re.escape(owner or '')}\b"
    if owner is None or not re.search(with_owner, action.task, re.IGNORECASE):
        return None
    for line in cited_lines(action, lines):
        if (
            line.speaker in names
            and line.speaker != owner
            and VOLUNTEERS.search(line.text)
            and re.search(with_owner, line.text, re.IGNORECASE)
        ):
            return line.speaker
    return None


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

"""Progress found in the talk: which lines of a meeting report on an open action of the body's last minutes ("the
contractor starts on the third", "I've sent the letters"), and what status they suggest.

Candidate lines are found lexically (the owner speaks or is named, and the line shares a task word, or it shares
two task words), then each is put to the model, on its own with the task, as a yes/no question (Engine.classify:
P(yes) read from one forward pass, nothing generated): does this line give news of how the task is going? The
line judged likeliest to is asked a second question: does it say the task is finished? (A passage with the
lines around it was tried first: the 1.5B model then answered for the next speaker's line, not the marked one.) Finished suggests "done", otherwise "carried" (under way,
to be carried forward). The reviewer confirms; nothing is recorded as decided from here.

The worked examples are invented for this purpose (none is taken from a test or dev meeting).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Flag
from minutes.drafting.engine import Engine, Messages
from minutes.drafting.grounding import stems
from minutes.drafting.windows import Line

SYSTEM = (
    "You read a line from a school meeting and answer with Yes or No whether the speaker gives news of how a task "
    "is going: done, started, booked, arranged, delayed or not started yet. A question, a new request or talk about "
    "something else is No."
)

REPORTS = "Does this line give news of how that task is going?"
FINISHED = "Does this line say that task is finished?"

# (speaker, line, owner, task, reports, finished)
EXAMPLES: tuple[tuple[str, str, str, str, bool, bool], ...] = (
    ("Ben", "Three quotes are in, they're in the pack.", "Ben", "Get three quotes for the fence", True, True),
    (
        "Ann",
        "Ben, where are we with the fence quotes?",
        "Ben",
        "Get three quotes for the fence",
        False,
        False,
    ),
    (
        "Cara",
        "The roofers start on the fourteenth, weather permitting.",
        "Cara",
        "Arrange the roof repair",
        True,
        False,
    ),
    (
        "Eve",
        "Could we also look at the fence on the field side?",
        "Ben",
        "Get three quotes for the fence",
        False,
        False,
    ),
    (
        "Eve",
        "Sorry, I haven't touched the risk assessment yet.",
        "Eve",
        "Write the risk assessment for the museum visit",
        True,
        False,
    ),
    (
        "Finn",
        "Gita, can you send the consent letters by Friday?",
        "Gita",
        "Send the trip consent letters",
        False,
        False,
    ),
    ("Gita", "The consent letters went home on Monday.", "Gita", "Send the trip consent letters", True, True),
    ("Dan", "The hall is cold again, the heating is off.", "Dan", "Fix the hall lights", False, False),
    (
        "Dan",
        "The reading books are ordered, they arrive next week.",
        "Dan",
        "Order the new reading books",
        True,
        True,
    ),
)


@dataclass(frozen=True)
class OpenAction:
    """An open action as the progress reader needs it (its id is the released action's)."""

    id: int
    task: str
    owner: str | None


@dataclass
class Suggestion:
    status: str  # done or carried
    p: float  # P(yes) that the best line reports on the action
    evidence: list[dict] = field(default_factory=list)  # {"start", "end", "quote"} of the lines judged yes

    def as_json(self) -> dict:
        return {"status": self.status, "p": round(self.p, 3), "evidence": self.evidence}


def candidates(lines: list[Line], action: OpenAction, params: DraftingParams = DRAFTING) -> list[int]:
    """Indexes of lines that may report on `action`: its owner speaks or is named there and a task word is
    shared, or two task words are; the best matches first, at most `params.progress_candidates`."""
    task = stems(action.task)
    owner = {p.casefold() for p in (action.owner or "").split() if len(p) > 1}
    scored = []
    for i, line in enumerate(lines):
        shared = len(task & stems(line.text))
        theirs = bool(owner) and (
            (line.speaker or "").casefold() in owner
            or any(part.casefold() in owner for part in (line.speaker or "").split())
            or bool(owner & set(line.text.casefold().replace(",", " ").split()))
        )
        if shared >= 2 or (theirs and shared >= 1):
            scored.append((-(shared + theirs), i))
    return sorted(i for _, i in sorted(scored)[: params.progress_candidates])


def _ask(speaker: str | None, text: str, owner: str | None, task: str, question: str) -> str:
    return f'Task: "{task}" ({owner or "unassigned"})\nLine: {speaker or "Unknown"}: {text}\n{question}'


def opening(question: str) -> Messages:
    """The instructions and the worked examples, each answered Yes or No, for one of the two questions."""
    out: Messages = [{"role": "system", "content": SYSTEM}]
    for speaker, text, owner, task, reports, finished in EXAMPLES:
        answer = reports if question == REPORTS else finished
        out += [
            {"role": "user", "content": _ask(speaker, text, owner, task, question)},
            {"role": "assistant", "content": "Yes" if answer else "No"},
        ]
    return out


def _question(line: Line, action: OpenAction, question: str) -> str:
    return _ask(line.speaker, line.text, action.owner, action.task, question)


def outside(lines: list[Line], flags: list[Flag]) -> list[Line]:
    """The lines outside every flagged passage: a sensitive matter, withheld from drafting, is never put to the
    model by the progress reader either."""
    spans = [(e.start, e.end) for f in flags for e in f.evidence]
    return [ln for ln in lines if not any(ln.start < end and start < ln.end for start, end in spans)]


def suggest(
    engine: Engine,
    lines: list[Line],
    actions: list[OpenAction],
    params: DraftingParams = DRAFTING,
) -> dict[int, Suggestion]:
    """For each open action a line of `lines` reports on, the suggested status and its evidence lines: the line
    judged likeliest to report on it (at `params.progress_yes` or above) and any other at `progress_also` or
    above. Pass only lines the model may read (see `outside`)."""
    yes, also = params.progress_yes, params.progress_also
    asked = [(a, i) for a in actions for i in candidates(lines, a, params)]
    if not asked:
        return {}
    reports = engine.classify(opening(REPORTS), [_question(lines[i], a, REPORTS) for a, i in asked])
    scored: dict[int, list[tuple[float, int]]] = {}
    for (a, i), p in zip(asked, reports, strict=True):
        scored.setdefault(a.id, []).append((p, i))
    found = {
        a: sorted(i for p, i in hits if p >= also or (p, i) == max(hits))
        for a, hits in scored.items()
        if max(hits)[0] >= yes
    }
    by_id = {a.id: a for a in actions}
    best = {a: max(scored[a])[1] for a in found}
    finished = (
        engine.classify(opening(FINISHED), [_question(lines[best[a]], by_id[a], FINISHED) for a in found])
        if found
        else []
    )
    return {
        a: Suggestion(
            "done" if done >= yes else "carried",
            max(scored[a])[0],
            [{"start": lines[i].start, "end": lines[i].end, "quote": lines[i].text} for i in found[a]],
        )
        for a, done in zip(found, finished, strict=True)
    }

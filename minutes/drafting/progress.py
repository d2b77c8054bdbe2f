"""Progress found in the talk: which lines of a meeting report on an open action of the body's last minutes ("the
contractor starts on the third", "I've sent the letters"), and what status they suggest.

Candidate lines are found lexically (the owner speaks or is named, and the line shares a task word, or it shares
two task words), then each is put to the model as a yes/no question (Engine.classify: P(yes) read from one
forward pass, nothing generated): does the marked line report on this action? A line judged yes is asked a
second question: does it say the action is finished? Finished suggests "done", otherwise "carried" (under way,
to be carried forward). The reviewer confirms; nothing is recorded as decided from here.

The worked examples are invented for this purpose (none is taken from a test or dev meeting).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from minutes.drafting.engine import Engine, Messages
from minutes.drafting.windows import Line

YES = 0.5  # P(yes) at or above which a line is judged to report on the action (and, asked again, finished)
BEFORE, AFTER = 1, 1  # lines shown around the marked one
MAX_CANDIDATES = 6  # lines asked about per action at most (the best lexical matches)
_WORD = re.compile(r"[a-z][a-z']+")
_STOP = frozenset(
    "the a an and or of to for in on at by with from about into our their his her its this that these those be "
    "is are was were get got make made do does did send sent check find ask put set up out all any some".split()
)

SYSTEM = """You read a few numbered lines from a school meeting and answer one question about an action from the last meeting with Yes or No.
Answer whether the line marked >> reports what has happened on that action: done, started, arranged, booked, sent, delayed or stuck.
A line that only mentions the same subject, asks about it, or gives someone a new task is not a report on the action."""

REPORTS = "Does the line marked >> report on this action?"
FINISHED = "Does the line marked >> say this action is finished?"

# (lines, action, reports, finished)
EXAMPLES: tuple[tuple[str, str, bool, bool], ...] = (
    (
        "1 Ann: Matters arising. Ben, the fence quotes?\n>> 2 Ben: Three quotes are in, they're in the pack.",
        "Ben: get three quotes for the fence",
        True,
        True,
    ),
    (
        ">> 1 Cara: The roofers start on the fourteenth, weather permitting.\n2 Ann: Thanks.",
        "Cara: arrange the roof repair",
        True,
        False,
    ),
    (
        "1 Dan: On the library, I've emailed the publisher twice.\n>> 2 Dan: No reply yet, so it's still open.",
        "Dan: order the new library books",
        True,
        False,
    ),
    (
        ">> 1 Eve: Could we also look at the fence on the field side?\n2 Ann: Put it on the next agenda.",
        "Ben: get three quotes for the fence",
        False,
        False,
    ),
    (
        "1 Ann: Next item, the trip.\n>> 2 Finn: Gita, can you send the consent letters by Friday?",
        "Gita: send the trip consent letters",
        False,
        False,
    ),
    (
        ">> 1 Gita: The consent letters went home on Monday, all but three are back.",
        "Gita: send the trip consent letters",
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


def _words(text: str) -> set[str]:
    return {w.strip("'") for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _stem(word: str) -> str:
    """Crude but enough to match "letters"/"letter", "booked"/"book", "sending"/"send"."""
    for end in ("ing", "ed", "es", "s"):
        if word.endswith(end) and len(word) - len(end) >= 3:
            return word[: -len(end)]
    return word


def candidates(lines: list[Line], action: OpenAction) -> list[int]:
    """Indexes of lines that may report on `action`: its owner speaks or is named there and a task word is
    shared, or two task words are; the best matches first, at most MAX_CANDIDATES."""
    task = {_stem(w) for w in _words(action.task)}
    owner = {p.casefold() for p in (action.owner or "").split() if len(p) > 1}
    scored = []
    for i, line in enumerate(lines):
        shared = len(task & {_stem(w) for w in _words(line.text)})
        theirs = bool(owner) and (
            (line.speaker or "").casefold() in owner
            or any(part.casefold() in owner for part in (line.speaker or "").split())
            or bool(owner & set(line.text.casefold().replace(",", " ").split()))
        )
        if shared >= 2 or (theirs and shared >= 1):
            scored.append((-(shared + theirs), i))
    return sorted(i for _, i in sorted(scored)[:MAX_CANDIDATES])


def _ask(shown: str, action: str, question: str) -> str:
    return f"Lines:\n{shown}\n\nAction: {action}\n{question}"


def opening(question: str) -> Messages:
    out: Messages = [{"role": "system", "content": SYSTEM}]
    for shown, action, reports, finished in EXAMPLES:
        answer = reports if question == REPORTS else reports and finished
        out += [
            {"role": "user", "content": _ask(shown, action, question)},
            {"role": "assistant", "content": "Yes" if answer else "No"},
        ]
    return out


def _passage(lines: list[Line], marked: int) -> str:
    lo, hi = max(0, marked - BEFORE), min(len(lines), marked + AFTER + 1)
    return "\n".join(f"{'>> ' if i == marked else ''}{lines[i].render()}" for i in range(lo, hi))


def suggest(engine: Engine, lines: list[Line], actions: list[OpenAction]) -> dict[int, Suggestion]:
    """For each open action a line of `lines` reports on, the suggested status and its evidence lines."""
    asked = [
        (a, i, _ask(_passage(lines, i), f"{a.owner or 'Unassigned'}: {a.task}", REPORTS))
        for a in actions
        for i in candidates(lines, a)
    ]
    if not asked:
        return {}
    reports = engine.classify(opening(REPORTS), [q for _, _, q in asked])
    found: dict[int, list[tuple[float, int]]] = {}
    for (a, i, _), p in zip(asked, reports, strict=True):
        if p >= YES:
            found.setdefault(a.id, []).append((p, i))
    by_id = {a.id: a for a in actions}
    order = list(found)
    finished = (
        engine.classify(
            opening(FINISHED),
            [
                _ask(
                    _passage(lines, max(found[a])[1]),
                    f"{by_id[a].owner or 'Unassigned'}: {by_id[a].task}",
                    FINISHED,
                )
                for a in order
            ],
        )
        if order
        else []
    )
    out = {}
    for a, done in zip(order, finished, strict=True):
        hits = sorted(found[a], key=lambda h: h[1])
        out[a] = Suggestion(
            "done" if done >= YES else "carried",
            max(p for p, _ in hits),
            [{"start": lines[i].start, "end": lines[i].end, "quote": lines[i].text} for _, i in hits],
        )
    return out

"""Yes/no judgements by classification (Engine.classify): a drafted decision is put to the model as a question whose answer is read from its next-token probabilities, in one forward pass
(prefill only). A 1.5B model writing a chunk's minutes marks reports, proposals and items only noted as
"agreed"; asked about one passage at a time, with worked examples of each kind, it tells them apart far better,
and a question costs a fraction of a written answer. Only what passes is kept, or worded.

A decision is what the meeting settled, in its final state: agreed, approved, adopted, chosen or carried. News
or a report (even of something already arranged), a proposal or suggestion nobody has agreed to, an item only
noted or received, a matter put off or left open, a motion voted down and one person's task are not.

The worked examples are invented for this purpose (none is taken from a test or dev meeting). Those about a line
marked ">>" are from the looks' yes/no questions, since removed (docs/drafting-rules.md); they stay because the
examples are the opening every question shares, and the figures were measured with them.
"""

from __future__ import annotations

from collections.abc import Sequence

from minutes.core.drafting_params import DraftingParams
from minutes.drafting.engine import Engine, Messages
from minutes.drafting.windows import Line

SYSTEM = """You read a few numbered lines from a school meeting and answer one question about them with Yes or No.
Yes: in these lines the group settles something, as its final word: it agrees, approves, adopts, chooses or votes for it.
No: the lines only give news or a report (even of something already arranged), make a proposal or suggestion nobody agrees to, note or receive a paper, put a matter off or leave it open, vote it down, or give one person a task."""

MINUTE = "Did the group settle this here?"
MARKED = "Does the group settle something in the line marked >>?"

# (lines, the minute asked about or None for a marked line, the answer)
EXAMPLES: tuple[tuple[str, str | None, bool], ...] = (
    (
        "1 Ann: Item four, the uniform policy. Any objections to adopting it?\n2 Ben: None from me.\n"
        "3 Ann: Then it's adopted.",
        "The uniform policy was adopted.",
        True,
    ),
    (
        "1 Dan: The new boiler went in over half term, and the heating has been fine since.\n"
        "2 Ann: Good to hear.",
        "The new boiler was installed over half term.",
        False,
    ),
    (
        "1 Cara: The office have suggested holding parents' evening online this year.\n"
        "2 Dan: Worth thinking about. Let's get a feel from staff first.",
        "Parents' evening will be held online.",
        False,
    ),
    (
        "1 Eve: Shall we use the hall for the spring concert rather than the church?\n"
        "2 Finn: Hall's fine with me, it's warmer.\n3 Gita: Hall then.",
        "The spring concert will be in the hall.",
        True,
    ),
    (
        "1 Ann: The auditor's management letter is in your packs. Any questions?\n2 Cara: No.\n"
        "3 Ann: Then we receive it and note it.",
        "The auditor's management letter was approved.",
        False,
    ),
    (
        "1 Cara: I move that we charge for the after-school club.\n2 Ben: I'll second it.\n"
        "3 Ann: Hands up for. Two. Against? Five. So that's lost.",
        "The after-school club will be charged for.",
        False,
    ),
    (
        "1 Ben: Can we settle the Year 6 trip today?\n"
        "2 Ann: Not until we have the coach prices. It can wait for next month.",
        "The Year 6 trip goes ahead.",
        False,
    ),
    (
        "1 Ann: Ben, could you get three quotes for the fence by Easter?\n2 Ben: Sure, I can do that.",
        "Ben gets three quotes for the fence.",
        False,
    ),
    (
        "1 Gita: So are we happy to swap the Friday staff briefing to Monday mornings?\n"
        "2 Eve: Yes, Mondays work better.\n>> 3 Finn: Monday it is, from next week.",
        None,
        True,
    ),
    (
        "1 Dan: Mock exams start on the ninth, everything's timetabled.\n>> 2 Ann: Okay, great, thanks Dan.",
        None,
        False,
    ),
    (
        "1 Finn: Do we want a stall at the summer fair?\n2 Gita: I'd rather not, we're stretched.\n"
        ">> 3 Eve: Okay, no stall this year then.",
        None,
        True,
    ),
    (
        "1 Cara: What about a second minibus?\n>> 2 Ben: We'd need a grant first. Let's look at it again in June.",
        None,
        False,
    ),
    (
        "1 Eve: The shop has the blue folders or the green ones.\n2 Finn: Green are cheaper.\n"
        ">> 3 Gita: We'll go with the green ones.",
        None,
        True,
    ),
    (
        ">> 1 Ann: Finn, can you put the rota on the board?\n2 Finn: Will do.",
        None,
        False,
    ),
)


def _ask(shown: str, minute: str | None) -> str:
    if minute is None:
        return f"Lines:\n{shown}\n\n{MARKED}"
    return f'Lines:\n{shown}\n\nMinute: "{minute}"\n{MINUTE}'


def opening() -> Messages:
    """The fixed start of every question: the instructions and the worked examples, each answered Yes or No."""
    out: Messages = [{"role": "system", "content": SYSTEM}]
    for shown, minute, answer in EXAMPLES:
        out += [
            {"role": "user", "content": _ask(shown, minute)},
            {"role": "assistant", "content": "Yes" if answer else "No"},
        ]
    return out


def passage(lines: list[Line], first: int, last: int, params: DraftingParams) -> str:
    """Lines `first`..`last` (indexes into `lines`) with `passage_before` lines before and `passage_after`
    after, `passage_max_lines` at most."""
    hi = min(len(lines), last + params.passage_after + 1)
    lo = max(0, first - params.passage_before, hi - params.passage_max_lines)
    return "\n".join(lines[i].render() for i in range(lo, hi))


def decided(engine: Engine, asked: Sequence[tuple[str, str | None]]) -> list[float]:
    """P(yes) for each (passage, minute) pair: the minute decided in the passage."""
    if not asked:
        return []
    return engine.classify(opening(), [_ask(shown, minute) for shown, minute in asked])

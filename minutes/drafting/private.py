"""The local model as a classifier of private matters: yes/no questions read from its next-token probabilities.

A 1.5B model judges "is this private?" better than it writes, and a question costs prefill only
(`Engine.classify`). The cost is the tokens it reads, so only lines about a third person that the lexicon did
not flag are asked (minutes.drafting.sensitive), `sensitive_group` lines to a question, each question short.
A group judged private is asked again line by line, and a line it judges private on its own is flagged.
The worked examples are invented and of no dev meeting. The model leans to "yes" (on 12 invented private lines
and 12 invented business lines naming a person, P(yes) was 0.83-0.99 against 0.24-0.80), so a flag needs
`sensitive_threshold` (0.8: 12 of 12 against 1 of 12 there; chosen on those invented lines, not the dev set).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.drafting.engine import Engine, Messages
from minutes.drafting.windows import Line

INSTRUCTIONS = (
    "You check lines of a school meeting transcript before minutes are drafted. Answer Yes if a line says "
    "something private about a person the meeting can identify (a pupil, a parent, a member of staff): their "
    "health or feelings, family or home life, money or housing, safeguarding, behaviour sanctions, conduct, "
    "absence, a death, immigration, sexuality, or anything said in confidence. Answer No for school business: "
    "plans, policies, budgets, events, training, rotas, who does which task. Answer Yes or No."
)
QUESTION = "{lines}\nPrivate about a person?"
EXAMPLES: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("Gwen: I'll put the revised rota on the staff noticeboard by Friday.",), False),
    (("Idris: Between us, Carys has been crying in my lessons since her gran went into a home.",), True),
    (("Rhian: Can Owain take the Year 8 trip letters? He's got the list.", "Owain: Yes, fine."), False),
    (("Dai: The lad in 7F is sleeping in his dad's car some nights.",), True),
    (("Mali: Sioned says the new laptops arrive after half term.",), False),
    (("Huw: Mrs Pryce won't be back this term, she's having more tests on her heart.",), True),
)


@dataclass
class Judged:
    flagged: set[int] = field(default_factory=set)  # line numbers the model judged private
    questions: int = 0


def opening() -> Messages:
    """The fixed instructions and worked examples every question follows (kept in the model's cache)."""
    messages: Messages = [{"role": "system", "content": INSTRUCTIONS}]
    for said, private in EXAMPLES:
        messages += [
            {"role": "user", "content": QUESTION.format(lines="\n".join(said))},
            {"role": "assistant", "content": "Yes" if private else "No"},
        ]
    return messages


def question(lines: list[Line]) -> str:
    return QUESTION.format(lines="\n".join(f"{x.speaker or 'Someone'}: {x.text}" for x in lines))


def judge(engine: Engine, lines: list[Line], params: DraftingParams = DRAFTING) -> Judged:
    """The lines the model judges private: groups first, then the lines of each group it judged private."""
    judged = Judged()
    if not lines:
        return judged
    size, threshold = params.sensitive_group, params.sensitive_threshold
    groups = [lines[i : i + size] for i in range(0, len(lines), size)]
    said = engine.classify(opening(), [question(g) for g in groups])
    judged.questions += len(groups)
    private = [g for g, p in zip(groups, said, strict=True) if p >= threshold]
    singles = [g[0] for g in private if len(g) == 1]
    ask = [x for g in private if len(g) > 1 for x in g]
    one_by_one = engine.classify(opening(), [question([x]) for x in ask]) if ask else []
    judged.questions += len(ask)
    alone = dict(zip((x.number for x in ask), one_by_one, strict=True))
    judged.flagged.update(x.number for x in singles)
    judged.flagged.update(n for n, p in alone.items() if p >= threshold)
    return judged

"""Second looks: one short, focused model call at a line that plainly settles something (a settling phrase, or a
yes to a question proposing something) or where a participant takes a task on ("I'll ..."), when no drafted
item cites it (the model, reading a whole chunk, misses some of these). A look's answer must be said in the
lines it was shown. The looks a meeting gets grow with its length (`cap`)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date
from functools import partial

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Action, Decision, Draft, Evidence
from minutes.drafting import dates, grounding, owners, prompts, rules
from minutes.drafting.engine import Completes, Engine
from minutes.drafting.windows import Line

LOOK = "second look"  # what progress counts while the looks run
# where a volunteered task's own words end: the sentence, its first comma, or a clause about someone else
CLAUSE_END = re.compile(r"[.!?;,]|\s+(?:and|but|so|then)\s+(?:we|you|he|she|they|it)\b", re.IGNORECASE)
# "I'll be honest": how, not what; "I'll close the meeting at, um, seven": cut off mid-phrase
NOT_A_TASK = re.compile(r"^be\b|\b(?:a|an|the|at|to|on|in|by|for|of|with|and|or|from|about)$", re.IGNORECASE)
FILLER = re.compile(r"^(?:(?:just|also|then|um|uh|er|certainly|definitely)\b[\s,]*)+", re.IGNORECASE)
# the yes a look's decision often keeps from its line ("Yes, we should do tickets ...")
_YES_WORDS = r"yes|yeah|yep|definitely|absolutely"
YES = re.compile(rf"^(?:{_YES_WORDS}|of course)\b", re.IGNORECASE)
# assent no settling phrase names (rule "yes_looks"): a yes, or "let's do that", answering another speaker's
# question that proposes something
PROPOSES = re.compile(
    r"\b(?:should|shall|could|can) we\b|\bwhy don['’]t we\b|\b(?:how|what) about\b|\bdo we want\b",
    re.IGNORECASE,
)
ASSENTS = re.compile(rf"^(?:{_YES_WORDS})\b|\blet['’]?s do (?:that|it|this)\b", re.IGNORECASE)


def second_looks(
    engine: Engine,
    lines: list[Line],
    names: list[str],
    meeting_date: date | None,
    draft: Draft,
    judged: set[tuple[float, float]],
    params: DraftingParams = DRAFTING,
    progress: Callable[[int, int, str], None] | None = None,
) -> None:
    """A focused look at each line that plainly settles something ("Agreed.", "the hall then") or where a
    participant volunteers ("I'll ...") when no drafted item cites it: the model, reading a whole chunk, misses
    some of these (measured on the dev meetings), and one line with its lead-up is an easy question."""
    decisions = [d for d in draft.decisions if not rules.repeats_an_action(d, draft.actions, params)]
    cited = {
        kind: {(e.start, e.end) for item in items for e in item.evidence}
        for kind, items in (("decision", decisions), ("task", draft.actions))
    }
    cited["decision"] |= judged
    cues = (
        *((("decision", _settles),) if params.on("decision_looks") else ()),
        *((("decision", partial(_answers_proposal, params=params)),) if params.on("yes_looks") else ()),
        *((("task", _volunteers),) if params.on("task_looks") else ()),
    )
    looks = list(  # a line two cues of one kind mark gets one look
        dict.fromkeys(
            (kind, i)
            for i, line in enumerate(lines)
            for kind, cue in cues
            if cue(lines, i)
            and (line.start, line.end) not in cited[kind]
            and (kind == "decision" or line.speaker)
        )
    )
    chosen = looks[: cap(lines, params)]
    if chosen:  # its opening's model state comes from disk, as the chunks' does (minutes.engines.llama)
        engine.keep_prefix(prompts.second_look_opening())
    if progress and chosen:
        progress(0, len(chosen), LOOK)
    answers = engine.map(
        partial(_answer, lines=lines, params=params), chosen
    )  # side by side where they can be
    for done, ((kind, i), answer) in enumerate(zip(chosen, answers, strict=True), 1):
        if progress:
            progress(done, len(chosen), LOOK)
        item = _look(answer, lines, i, kind, meeting_date, params, names)
        if item is None:
            continue
        items: list = draft.decisions if isinstance(item, Decision) else draft.actions
        quote = item.evidence[0]
        twin = next((x for x in items if rules.restates(item, x, params)), None)
        if twin is not None:  # the same item, said again where the meeting settled it: one more quote
            twin.evidence = sorted([*twin.evidence, quote], key=lambda e: e.start)
            continue
        items.append(item)
        draft.notes.append(
            f"found on a second look at a line no item cited: {item.task if isinstance(item, Action) else item.text}"
        )


def cap(lines: list[Line], params: DraftingParams = DRAFTING) -> int:
    """How many looks a meeting gets: `max_second_looks` at least, more in a long meeting (`looks_per_line`), so
    a cap set on short meetings does not leave the second half of a long one without a look."""
    if not params.on("looks_scale"):
        return params.max_second_looks
    return max(params.max_second_looks, math.ceil(len(lines) * params.looks_per_line))


def _settles(lines: list[Line], i: int) -> bool:
    """Whether line `i` plainly settles something: a settling phrase."""
    return bool(rules.SETTLES.search(lines[i].text))


def _answers_proposal(lines: list[Line], i: int, params: DraftingParams = DRAFTING) -> bool:
    """Whether line `i` is a yes (or "let's do that") answering another speaker's question that proposes
    something ("Should we ...?" / "Yes."): the look and the judge then say what, if anything, it settled."""
    line = lines[i]
    asked = lines[max(0, i - params.answer_lines) : i]
    return bool(ASSENTS.search(line.text)) and any(
        x.speaker != line.speaker and "?" in x.text and PROPOSES.search(x.text) for x in asked
    )


def _volunteers(lines: list[Line], i: int) -> bool:
    """Whether a speaker takes a task on in line `i`: "I'll", "leave that with me"."""
    return rules.VOLUNTEERS.search(lines[i].text) is not None


def _shown(lines: list[Line], i: int, kind: str, params: DraftingParams) -> tuple[list[Line], str]:
    """The lines a look at line `i` shows before it, and its text (the line marked ">>"). A decision sums up a
    longer lead-up (its subject is often named several lines earlier) than a task, which answers the request
    just before it."""
    shown = params.look_before_decision if kind == "decision" else params.look_before_task
    before = lines[max(0, i - shown) : i]
    return before, "\n".join([*(x.render() for x in before), f">> {lines[i].render()}"])


def _answer(
    engine: Completes, look: tuple[str, int], lines: list[Line], params: DraftingParams
) -> dict | None:
    """The model's answer to one look (`kind`, line index), or None when it was cut at the token limit."""
    kind, i = look
    _, text = _shown(lines, i, kind, params)
    try:
        return json.loads(
            engine.complete(
                prompts.second_look_messages(text, lines[i].speaker or "the speaker", kind),
                prompts.second_look_schema(kind, params),
                params.look_tokens,
            )
        )
    except json.JSONDecodeError:
        return None


def _look(
    answer: dict | None,
    lines: list[Line],
    i: int,
    kind: str,
    meeting_date: date | None,
    params: DraftingParams = DRAFTING,
    names: tuple[str, ...] | list[str] = (),
) -> Decision | Action | None:
    """The item a look at line `i` with its lead-up found, if it stands the checks."""
    if answer is None:
        return None  # cut at the token limit: nothing is added
    line = lines[i]
    before, text = _shown(lines, i, kind, params)
    found = grounding.in_its_script((answer.get(kind) or "").strip(), text)
    # a decision sums up its lead-up; a task is the speaker's own line or the request just before it
    basis = [*before, line] if kind == "decision" else lines[max(0, i - 1) : i + 1]
    said = params.on("look_said_in")
    if params.on("look_spoken_task") and kind == "task" and found and not rules.said_in(found, basis, params):
        # the model saw a task there but wrote another line's: the line's own words, and its own deadline
        found = _spoken_task(line.text)
        answer = {"due": next(iter(dates.phrases(found)), None)}
    if (
        rules.not_an_item(found, prompts.EXAMPLE_ITEMS, params)
        or (params.on("no_question") and rules.asks(found))
        or (said and not rules.said_in(found, basis, params))
        or not found
    ):
        return None
    quote = Evidence(start=line.start, end=line.end, quote=line.text)
    if (
        kind == "decision"
    ):  # the answer to a yes line often keeps its "Yes," ("Yes, we should do tickets ...")
        stated = YES.sub("", found).lstrip(" ,.")
        return Decision(text=stated[:1].upper() + stated[1:], evidence=[quote])
    due = dates.resolve(answer.get("due"), meeting_date)
    # a speaker nobody has named ("Speaker 2") is no owner: the participant they answered, or the reviewer
    owner = (
        line.speaker if line.speaker in names else owners.addressed_in(lines[max(0, i - 1) : i], list(names))
    )
    return Action(task=found, owner=owner, due=due, evidence=[quote])


def _spoken_task(text: str) -> str:
    """The task a volunteering line states in its own words ("I'll get the report circulated to governors by
    Friday." -> "Get the report circulated to governors by Friday"), or "" when it names none. Used when a look
    answers with a task from another line: on the formal-motions meeting the 1.5B model answered "I'll get the
    final version of the report circulated" with the phones paper promised two lines earlier."""
    cue = rules.VOLUNTEERS.search(text)
    if cue is None:
        return ""
    clause = FILLER.sub("", CLAUSE_END.split(text[cue.end() :], maxsplit=1)[0].strip(" ,"))
    if len(clause.split()) < 3 or NOT_A_TASK.search(clause):
        return ""
    return clause[:1].upper() + clause[1:]

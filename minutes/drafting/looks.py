"""Second looks: one short, focused model call at a line that plainly settles something (a settling phrase, or a
yes to a proposal just put) or where a participant takes a task on ("I'll ...", "I need to ..."), when no
drafted item cites it (the model, reading a whole chunk, misses some of these). Looks the cue lines leave go to
lines where the group commits itself ("we'll go with ..."), put to the model first as yes/no questions
(minutes.drafting.judge: prefill only), the surest first. A look's answer must be said in the lines it was
shown; a yes that settles a proposal on terms of its own is minuted in those terms."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date
from functools import partial

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Action, Decision, Draft, Evidence
from minutes.drafting import grounding, judge, owners, prompts, rules
from minutes.drafting.engine import Completes, Engine
from minutes.drafting.windows import Line

LOOK = "second look"  # what progress counts while the looks run
# the group committing itself ("we'll go with the green ones", "let's keep it in June"): a candidate settling
# line, asked yes/no first
COMMITS = re.compile(
    r"\b(?:we['’]ll|we will|we['’]re going to|we are going to|we['’]re gonna|let['’]s|go (?:with|for)|"
    r"decided|agreed|settled)\b",
    re.IGNORECASE,
)
# where a volunteered task's own words end: the sentence, its first comma, or a clause about someone else
CLAUSE_END = re.compile(r"[.!?;,]|\s+(?:and|but|so|then)\s+(?:we|you|he|she|they|it)\b", re.IGNORECASE)
# "I'll be honest": how, not what; "I'll close the meeting at, um, seven": cut off mid-phrase
NOT_A_TASK = re.compile(r"^be\b|\b(?:a|an|the|at|to|on|in|by|for|of|with|and|or|from|about)$", re.IGNORECASE)
FILLER = re.compile(r"^(?:(?:just|also|then|um|uh|er|certainly|definitely)\b[\s,]*)+", re.IGNORECASE)
# a yes to a proposal put as a question settles it ("Should we do tickets?" "Yes. Free tickets, two a family.")
PROPOSAL = re.compile(r"\b(?:should|shall|can|could) we\b[^?]*\?", re.IGNORECASE)
YES = re.compile(r"^(?:yes|yeah|yep|definitely|absolutely|of course)\b", re.IGNORECASE)
# a task a speaker sets themselves without "I'll" ("I just need to ring them and fix a date")
SETS_SELF = re.compile(
    r"\bi(?:\s+(?:just|still|really))?\s+need to\b|\bi(?:['’]m| am) (?:going to|gonna)\b", re.IGNORECASE
)
# the room asked or counted: a call for hands ("hands up for ...?", "those in favour?"), a vote's count ("four
# for, two against"), or the chair asking for assent ("are we content to ...?", "everyone happy with that?");
# where a vote or a chair's question settles a matter, the line often names no settling word of its own (a
# vote that is lost or puts the matter off settles nothing to look for)
VOTE = re.compile(
    r"\bhands up\b|\bshow of hands\b|\bthose in favou?r\b|\b\w+ for,? (?:\w+ )?against\b|"
    r"\b(?:are we|is everyone|everyone|everybody|all) (?:all )?(?:happy|content)\b",
    re.IGNORECASE,
)


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
        *((("decision", partial(_settles, params=params)),) if params.on("decision_looks") else ()),
        *((("task", partial(_volunteers, params=params)),) if params.on("task_looks") else ()),
    )
    looks = [
        (kind, i)
        for i, line in enumerate(lines)
        for kind, cue in cues
        if cue(lines, i)
        and (line.start, line.end) not in cited[kind]
        and (kind == "decision" or line.speaker)
    ]
    if params.on("judge_looks") and params.on("decision_looks"):
        commitments = [
            i
            for i, line in enumerate(lines)
            if _commits(line)
            and (line.start, line.end) not in cited["decision"]
            and ("decision", i) not in looks
        ]
        chosen = _with_commitments(engine, lines, looks, commitments, params)
    else:
        chosen = looks[: caps(lines, params)[0]]
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
        twin = next(
            (x for x in items if rules.restates(item, x, params) and _near(x, lines, i, kind, params)), None
        )
        if twin is not None:  # the same item, said again where the meeting settled it: one more quote
            twin.evidence = sorted([*twin.evidence, quote], key=lambda e: e.start)
            continue
        items.append(item)
        draft.notes.append(
            f"found on a second look at a line no item cited: {getattr(item, 'text', None) or item.task}"
        )


def _with_commitments(
    engine: Engine,
    lines: list[Line],
    looks: list[tuple[str, int]],
    commitments: list[int],
    params: DraftingParams,
) -> list[tuple[str, int]]:
    """The looks to take, in line order: the plain cue lines first, as without commitments; the slots they leave
    go to the commitments ("we'll go with ...") the model, asked yes or no (`max_questions` at most), judges settle
    something, the surest first (a design meeting settles things in such words, hardly ever "agreed")."""
    most, questions = caps(lines, params)
    chosen = looks[:most]
    spare = most - len(chosen)
    if spare <= 0 or not commitments:
        return chosen
    asked = commitments[:questions]
    answers = judge.decided(engine, [(judge.passage(lines, i, i, params, marked=i), None) for i in asked])
    ranked = sorted(
        ((p, i) for i, p in zip(asked, answers, strict=True) if p >= params.judge_yes_line), reverse=True
    )
    return sorted([*chosen, *(("decision", i) for _, i in ranked[:spare])], key=lambda look: look[1])


def caps(lines: list[Line], params: DraftingParams = DRAFTING) -> tuple[int, int]:
    """How many looks a meeting gets, and how many commitments are asked yes/no: `max_second_looks` and
    `max_questions` at least, more in a long meeting (`looks_per_line`, `questions_per_line`), so a cap set on
    short meetings does not leave the second half of a long one without a look."""
    if not params.on("looks_scale"):
        return params.max_second_looks, params.max_questions
    n = len(lines)
    return (
        max(params.max_second_looks, math.ceil(n * params.looks_per_line)),
        max(params.max_questions, math.ceil(n * params.questions_per_line)),
    )


def _settles(lines: list[Line], i: int, params: DraftingParams = DRAFTING) -> bool:
    """Whether line `i` plainly settles something: a settling phrase, a vote or a call for the room's assent,
    or a yes to the proposal just put."""
    text = lines[i].text
    return (
        bool(rules.SETTLES.search(text))
        or (params.on("vote_cue") and bool(VOTE.search(text)) and not rules.PUTS_OFF.search(text))
        or (params.on("look_yes_to_proposal") and _yes_to_proposal(lines, i))
    )


def _commits(line: Line) -> bool:
    """Whether a line has the group committing itself ("we'll go with the green ones"), as a statement."""
    return bool(COMMITS.search(line.text)) and not rules.asks(line.text) and len(line.text.split()) > 3


def _yes_to_proposal(lines: list[Line], i: int) -> bool:
    """Whether line `i` says yes to a proposal the line before put as a question, by someone else."""
    line, before = lines[i], lines[i - 1] if i else None
    return (
        before is not None
        and before.speaker != line.speaker
        and bool(YES.match(line.text) and PROPOSAL.search(before.text))
    )


def _answers_terms(lines: list[Line], i: int) -> str:
    """The terms a yes to a proposal states after its yes, when they name what the proposal was about ("Should
    we do tickets, with two performances?" "Yes. Free tickets, two per family for each show." -> "Free tickets,
    two per family for each show"); "" for a bare yes, a question, or words on something else (a reason, "Yes,
    Friday's better for everyone", shares only the day with "Should we move the disco to the Friday?")."""
    if not _yes_to_proposal(lines, i):
        return ""
    after_yes = YES.sub("", lines[i].text).lstrip(" ,.!")
    said = rules.SENTENCE.split(after_yes, maxsplit=1)[0].rstrip(" .!")
    if len(said.split()) < 3 or rules.asks(said) or not rules.shares_a_subject(said, lines[i - 1].text):
        return ""
    return said[:1].upper() + said[1:]


def _volunteers(lines: list[Line], i: int, params: DraftingParams = DRAFTING) -> bool:
    return _task_cue(lines[i].text, params) is not None


def _task_cue(text: str, params: DraftingParams = DRAFTING) -> re.Match | None:
    """Where a speaker takes a task on: "I'll", "leave that with me", or one they set themselves."""
    return rules.VOLUNTEERS.search(text) or (SETS_SELF.search(text) if params.on("look_sets_self") else None)


def _near(item: Decision | Action, lines: list[Line], i: int, kind: str, params: DraftingParams) -> bool:
    """Whether a drafted decision cites line `i` or one of the `twin_before` lines before it: a decision found
    there and restating it is it, said again where the meeting settled it. One farther back is another matter in
    like words (the formal-motions meeting's "the revised behaviour policy is adopted", eight lines after the
    chair opened the item and eleven after the head's report flagged the revised behaviour policy). Tasks are
    twins wherever they are."""
    if kind == "task" or not params.on("look_twin_near"):
        return True
    near = lines[max(0, i - params.twin_before) : i + 1]
    return bool({(x.start, x.end) for x in near} & {(e.start, e.end) for e in item.evidence})


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
    terms = _answers_terms(lines, i) if kind == "decision" and params.on("look_terms") else ""
    if found and terms and rules.shared_stems(terms, found) < params.look_terms_stems:
        # the model worded the decision from the proposal and left out the terms the yes settled it on (the
        # Christmas meeting's "We should do tickets, with two performances" for "Yes. Free tickets, two per
        # family for each show"): what was agreed is the answer's terms
        found = terms
    # a decision sums up its lead-up; a task is the speaker's own line or the request just before it
    basis = [*before, line] if kind == "decision" else lines[max(0, i - 1) : i + 1]
    said = params.on("look_said_in")
    if params.on("look_spoken_task") and kind == "task" and found and not rules.said_in(found, basis, params):
        # the model saw a task there but wrote another line's: the line's own words, and its own deadline
        found, answer = _spoken_task(line.text), {}
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
    if params.on("approval_task") and rules.APPROVAL.match(found):
        return None  # the meeting's approval: its decision look minutes it
    due = rules.due(answer.get("due"), [line.text], meeting_date, found, heard=text, params=params)
    # a speaker nobody has named ("Speaker 2") is no owner: the participant they answered, or the reviewer
    owner = (
        line.speaker if line.speaker in names else owners.addressed_in(lines[max(0, i - 1) : i], list(names))
    )
    return Action(
        task=rules.without_deadline(found) if due else found, owner=owner, due=due, evidence=[quote]
    )


def _spoken_task(text: str) -> str:
    """The task a volunteering line states in its own words ("I'll get the report circulated to governors by
    Friday." -> "Get the report circulated to governors by Friday"), or "" when it names none. Used when a look
    answers with a task from another line: on the formal-motions meeting the 1.5B model answered "I'll get the
    final version of the report circulated" with the phones paper promised two lines earlier."""
    cue = _task_cue(text)
    if cue is None:
        return ""
    clause = FILLER.sub("", CLAUSE_END.split(text[cue.end() :], maxsplit=1)[0].strip(" ,"))
    if len(clause.split()) < 3 or NOT_A_TASK.search(clause):
        return ""
    return clause[:1].upper() + clause[1:]

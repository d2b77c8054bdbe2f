"""Extraction: an attributed transcript -> Draft (decisions, actions, discussion points, flags), every item with
evidence.

Steps: withhold sensitive passages (flagged for a human); read the candidate windows of the rest
(minutes.drafting.windows) in chunks, each chunk starting with the last lines of the one before, so items that
span chunks are seen whole; the model replies in two turns per chunk (actions, then decisions and discussion
points, minutes.drafting.points) under JSON schemas (minutes.drafting.prompts), so every reply parses and every
list is bounded; its items pass the rules of minutes.drafting.rules (outcome, settled, taken on, merging,
sensitive words); each decision is put to the model as a yes/no question (minutes.drafting.judge);
settling and volunteering lines no item cites get a second look (minutes.drafting.looks); when the meeting
took more than one chunk, a final pass consolidates the whole meeting's decisions; each decision's motion
(proposer, seconder, vote) is read from its lines (minutes.drafting.motions); then the grounding check.

Every rule has a switch in the parameters (minutes.core.drafting_params.RULES), so the dev bench measures each.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

from pydantic import ValidationError

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Action, Decision, Draft, Evidence, Flag, Segment, Transcript
from minutes.db import ItemStatus
from minutes.drafting import (
    dates,
    grounding,
    judge,
    looks,
    motions,
    owners,
    points,
    prompts,
    roles,
    rules,
    sensitive,
    windows,
)
from minutes.drafting.engine import Completes, Engine
from minutes.drafting.prompts import Consolidation, DecisionReply, PointReply, Reply
from minutes.drafting.roles import Attendee
from minutes.drafting.windows import Line
from minutes.errors import NotFoundError, UsageError

log = logging.getLogger(__name__)

MAX_CONSOLIDATE = (
    30  # decisions the final pass can weigh in one call (its prompt and reply must fit the context)
)

SAID = " (said: "  # in the final pass's prompt, between a drafted decision and the quotes it rests on
Progress = Callable[[int, int, str], None]  # (done, total, what is counted: PART, then looks.LOOK)
PART = "part"  # one part (chunk) of the meeting the model reads


# -- the model's reply (its models and schemas: minutes.drafting.prompts) -------------------------------------
def parse_reply(text: str) -> Reply:
    """The reply as JSON, validated; ValueError with a short reason otherwise (a reply cut at the token limit)."""
    try:
        return Reply.model_validate_json(text)  # pydantic's own JSON parser, no dict in between
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "json_invalid":
            raise ValueError(f"invalid JSON: {err['ctx']['error']}") from None
        raise ValueError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None


# -- input ------------------------------------------------------------------------------------------------------
class _TranscriptFile(Transcript):
    """A transcript file as `minutes extract` reads it: the domain model, with segments required and the
    language and duration optional (older exports and hand-made files leave them out)."""

    language: str = "en"
    duration: float = 0.0
    segments: list[Segment]


def read_transcript(path: str | Path) -> Transcript:
    """Read a transcript JSON file (the documented shape); a one-line UsageError/NotFoundError if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text file") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: not a transcript (expected an object with 'segments')")
    try:
        return Transcript.model_validate(_TranscriptFile.model_validate(data).model_dump())
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(f"{path}: not a transcript: {where}: {err['msg']}") from None


# -- extraction -------------------------------------------------------------------------------------------------
def extract(
    engine: Engine,
    transcript: Transcript,
    participants: list[str],
    meeting_date: date | None,
    progress: Progress | None = None,
    chunk_tokens: int | None = None,
    selection: bool = True,
    reviewed: sensitive.Reviewed | None = None,
    params: DraftingParams = DRAFTING,
) -> Draft:
    """Draft minutes of one meeting with a loaded extractor (see minutes.engines.extractor.load_extractor).

    `participants` are names, or "Name:role"; default: the transcript's speakers. `selection=False` reads every
    line (to measure what selection costs); `params` holds the tunables and which rules run. `reviewed`: a
    reviewer's cleared and added sensitive flags on an earlier draft of this transcript (a re-draft drafts the
    lines they cleared and withholds those they flagged)."""
    draft = Draft()
    lines = windows.lines_of(transcript)
    if not lines:
        draft.notes.append("the transcript has no speech; nothing to extract")
        return draft
    people = roles.parse(participants) or [Attendee(s) for s in _speakers(lines)]
    if params.on("intro_roles"):
        people = roles.with_roles(people, lines, params)
    names = [p.name for p in people]
    found = sensitive.detect(lines, names, engine, reviewed, params)
    draft.flags.extend(found.flags)
    shown = [line for line in lines if line.number not in found.withheld]
    cue_names = names if params.on("addressed_cue") else []
    chunks = _chunks(shown, cue_names, engine, chunk_tokens or params.chunk_tokens, selection, params)
    log.info("extraction: %d lines, %d withheld, %d chunks", len(lines), len(found.withheld), len(chunks))
    if not chunks:
        draft.notes.append("no line suggests a decision or an action; the model was not run")
    else:
        engine.keep_prefix(prompts.opening())
    judged: set[tuple[float, float]] = set()  # proposals the model judged rejected, deferred or reversed
    labels = [p.label for p in people]
    if progress and chunks:
        progress(0, len(chunks), PART)  # counting starts now: the first estimate comes from the pace
    turns = engine.map(
        partial(_turns, labels=labels, params=params), chunks
    )  # chunks are read side by side where they can be
    for done, (part, said) in enumerate(zip(chunks, turns, strict=True), 1):
        reply = _reply(part, said, draft, f"chunk {done} of {len(chunks)}")
        by_number = {line.number: line for line in part}
        draft.decisions.extend(_decisions(reply, by_number, draft, judged, params))
        draft.actions.extend(_actions(reply, by_number, people, meeting_date, draft, params))
        draft.points.extend(points.drafted(reply.points, by_number, draft, params))
        if progress:
            progress(done, len(chunks), PART)
    listed = list(draft.actions)  # every task the model listed, before the rules drop any
    _drop_unsettled(draft, shown, people, params)
    asked: set[int] = set()  # the decisions put to the model as yes/no questions (by id)
    if params.on("judge_decisions"):
        _judge_decisions(engine, draft, shown, asked, params)
    looks.second_looks(engine, shown, names, meeting_date, draft, judged, params, progress)
    if params.on("judge_decisions"):  # and those the looks found
        _judge_decisions(engine, draft, shown, asked, params)
    if params.on("due_said"):  # a due the calendar cannot place: the one date the task's lines say
        for a in draft.actions:
            if not dates.is_date(a.due) and (told := rules.spoken_due(a, shown, meeting_date)):
                a.due = told
    if params.on("faithful_points"):  # before merging: a faithful point is not merged into one that is not
        points.faithful(draft, shown, names)
    if params.on("merge"):
        draft.actions = rules.merge(draft.actions, partial(rules.same_action, params=params))
        draft.decisions = rules.merge(draft.decisions, partial(rules.same_decision, params=params))
        draft.points = rules.merge(draft.points, partial(rules.same_decision, params=params))
    if params.on("consolidate") and len(chunks) > 1 and 1 < len(draft.decisions) <= MAX_CONSOLIDATE:
        draft.decisions = _consolidate(engine, draft.decisions, draft, params)
    if params.on("repeats_action"):
        # the decisions turn follows the actions turn, and the model often lists its tasks again as "agreed"
        every = listed + draft.actions
        draft.decisions = [d for d in draft.decisions if not rules.repeats_an_action(d, every, params)]
    private = sensitive.private_words(lines, found.withheld, names)
    sensitive.withhold_sensitive_items(draft, private, names)
    if params.on("motions"):
        motions.fill(draft.decisions, shown, names, params)
    grounding.verify(draft, transcript, params)
    summary = points.summary([p for p in draft.points if p.status == ItemStatus.SUPPORTED])
    draft.summary = sensitive.safe_summary(summary, private, names)
    return draft


def _speakers(lines: list[Line]) -> list[str]:
    return list(dict.fromkeys(line.speaker for line in lines if line.speaker))


def _chunks(
    shown: list[Line], names: list[str], engine: Engine, budget: int, selection: bool, params: DraftingParams
) -> list[list[Line]]:
    """The candidate windows (two lines either side of each cue line), or every line, in chunks; each chunk
    after the first begins with the last `overlap_lines` lines of the one before.

    Measured on three dev meetings with the 1.5B model, the windows gave more of the gold items than whole
    meetings (decisions 2/7 against 1/7, actions 8/12 against 5/12): it lists more from a shorter, denser text."""
    parts = windows.select(shown, names, before=2, after=2) if selection else [shown]
    chunks = windows.chunk([p for p in parts if p], engine.count_tokens, budget)
    return chunks[:1] + [
        prev[len(prev) - params.overlap_lines :] + part
        for prev, part in zip(chunks, chunks[1:], strict=False)
    ]


def _turns(engine: Completes, part: list[Line], labels: list[str], params: DraftingParams) -> tuple[str, str]:
    """A chunk's two turns, actions then decisions (the second reuses the first's prompt in the model's cache):
    the model's replies as it wrote them."""
    numbers = [line.number for line in part]
    first = prompts.messages(windows.render(part), labels)
    actions = engine.complete(first, prompts.actions_schema(numbers, labels, params), params.max_new_tokens)
    decisions = engine.complete(
        prompts.second_turn(first, actions), prompts.decisions_schema(numbers, params), params.max_new_tokens
    )
    return actions, decisions


def _reply(part: list[Line], said: tuple[str, str], draft: Draft, where: str) -> Reply:
    """A chunk's two replies as one. The schemas make each parse; only a reply cut at the token limit fails, and
    that part is flagged for a person."""
    actions, decisions = said
    try:
        reply = Reply(
            actions=parse_reply(actions).actions, **parse_reply(decisions).model_dump(exclude={"actions"})
        )
        return _in_its_script(reply, windows.render(part))
    except ValueError as exc:
        reason = f"{where}: the model's reply was incomplete ({exc}); check this part of the meeting by hand"
    log.warning("extraction %s", reason)
    draft.flags.append(
        Flag(
            kind="extraction",
            reason=reason,
            evidence=[Evidence(start=part[0].start, end=part[-1].end, quote="")],
        )
    )
    draft.notes.append(reason)
    return Reply()


def _in_its_script(reply: Reply, source: str) -> Reply:
    """Every text of the reply cut where it leaves the transcript's script (grounding.in_its_script)."""
    texts: list[DecisionReply | PointReply] = [*reply.decisions, *reply.points]
    for item in texts:
        item.text = grounding.in_its_script(item.text, source)
    for action in reply.actions:
        action.task = grounding.in_its_script(action.task, source)
        action.due = action.due and (grounding.in_its_script(action.due, source) or None)
    return reply


def _decisions(
    reply: Reply,
    by_number: dict[int, Line],
    draft: Draft,
    judged: set[tuple[float, float]],
    params: DraftingParams,
) -> list[Decision]:
    """The agreed decisions; the lines of those rejected, deferred or reversed later go into `judged`, so no
    second look brings them back."""
    out = []
    for d in reply.decisions:
        text = d.text
        evidence = rules.evidence(text, d.lines, by_number, params)
        if params.on("example_repeated") and rules.repeats_example(text, prompts.EXAMPLE_ITEMS, params):
            draft.notes.append(rules.example_note("a decision"))  # first: its words must not reach a note
        elif params.on("outcome") and d.outcome != "agreed":
            draft.notes.append(f"not a decision ({d.outcome}): {text}")
            if d.outcome in prompts.JUDGED:
                judged |= {(e.start, e.end) for e in evidence}
        elif params.on("no_question") and rules.asks(text):
            draft.notes.append(f"not a decision (a question): {text}")
        elif why := rules.not_an_item(text, prompts.EXAMPLE_ITEMS, params):
            draft.notes.append(f"not a decision ({why}): {text}")
        else:
            out.append(Decision(text=text, evidence=evidence))
    return out


def _actions(
    reply: Reply,
    by_number: dict[int, Line],
    people: list[Attendee],
    meeting_date: date | None,
    draft: Draft,
    params: DraftingParams,
) -> list[Action]:
    """One action per owner the model picked (joint owners give one each; none gives one without an owner).
    A task only suggested, or reported as done, is noted and left out."""
    out = []
    for a in reply.actions:
        if params.on("example_repeated") and rules.repeats_example(a.task, prompts.EXAMPLE_ITEMS, params):
            draft.notes.append(rules.example_note("an action"))  # first: its words must not reach a note
            continue
        if params.on("action_kind") and a.kind not in prompts.ACTION_KINDS:
            draft.notes.append(f"not an action ({a.kind}): {a.task.strip()}")
            continue
        if why := rules.not_an_item(a.task, prompts.EXAMPLE_ITEMS, params):
            draft.notes.append(f"not an action ({why}): {a.task.strip()}")
            continue
        cited = rules.evidence(a.task, a.lines, by_number, params)
        task, due = a.task.strip(), dates.resolve(a.due, meeting_date)
        owners: list[str | None] = [
            *dict.fromkeys(n for label in a.owners if (n := roles.resolve(label, people)))
        ]
        owners = owners or [None]
        out += [
            Action(
                task=task,
                owner=owner,
                due=due,
                evidence=[Evidence(start=e.start, end=e.end, quote=e.quote) for e in cited],
            )
            for owner in owners
        ]
    return out


def _drop_unsettled(draft: Draft, lines: list[Line], people: list[Attendee], params: DraftingParams) -> None:
    """Leave out decisions the meeting did not settle and actions nobody took on (rules.settled, rules.taken_on),
    with a note for each, so the reviewer can still see what was dropped. An action taken on by a speaker
    nobody has named ("Speaker 2": no voice sample) is never dropped for that: it goes to the participant
    addressed in its lines, or stays with its owner left for the reviewer."""
    called = {p.name: [p.name.split()[0], *([p.role] if p.role else [])] for p in people}
    names = [p.name for p in people]
    if params.on("settled"):
        kept = []
        for d in draft.decisions:
            if rules.settled(d, lines, params):
                kept.append(d)
            else:
                draft.notes.append(f"not a decision (nobody agreed to it in its lines): {d.text}")
        draft.decisions = kept
    kept_actions = []
    for a in draft.actions:
        if not params.on("taken_on") or rules.taken_on(a, lines, called, params):
            kept_actions.append(a)
        elif unnamed := rules.unnamed_taker(a, lines, names, params):
            addressed = owners.addressed(a, lines, names, params)
            was, a.owner = a.owner, addressed
            if addressed:
                why = f"who was addressed; {unnamed}, who took it on, has no name yet"
            else:
                why = f"left for the reviewer: {unnamed}, who took it on, has no name yet"
            draft.notes.append(f"an action's owner was changed from {was} to {addressed}, {why}: {a.task}")
            kept_actions.append(a)
        elif params.on("taker") and (took := rules.taker(a, lines, _others(a, draft.actions, names), params)):
            draft.notes.append(
                f"an action's owner was changed from {a.owner} to {took}, who took it on in its lines: {a.task}"
            )
            a.owner = took
            kept_actions.append(a)
        else:
            draft.notes.append(f"not an action ({a.owner} did not take it on in its lines): {a.task}")
    draft.actions = kept_actions


def _others(action: Action, actions: list[Action], names: list[str]) -> list[str]:
    """The participants who could take the action on instead of its owner: not those the model already gave the
    same task to (joint owners each get a copy of it)."""
    joint = {a.owner for a in actions if a.task == action.task and a.evidence == action.evidence}
    return [n for n in names if n not in joint]


def _judge_decisions(
    engine: Engine, draft: Draft, lines: list[Line], asked: set[int], params: DraftingParams
) -> None:
    """Put each decision not yet `asked` to the model as a yes/no question with the lines it rests on
    (minutes.drafting.judge): one it does not judge decided there (a report, a proposal, an item noted, a matter
    put off) is left out, with a note."""
    index = {(x.start, x.end): i for i, x in enumerate(lines)}
    new = [d for d in draft.decisions if id(d) not in asked]
    asked |= {id(d) for d in new}
    put = []
    for d in new:
        at = sorted(index[(e.start, e.end)] for e in d.evidence if (e.start, e.end) in index)
        if at:  # one citing no line of the transcript is left to the grounding check
            put.append((d, judge.passage(lines, at[0], at[-1], params)))
    answers = judge.decided(engine, [(shown, d.text) for d, shown in put])
    refused = {id(d) for (d, _), p in zip(put, answers, strict=True) if p < params.judge_yes}
    for d in draft.decisions:
        if id(d) in refused:
            draft.notes.append(
                f"not a decision (not settled in its lines, asked as a yes/no question): {d.text}"
            )
    draft.decisions = [d for d in draft.decisions if id(d) not in refused]


def _unquoted(text: str) -> str:
    """A final-pass wording without the quotes its prompt showed after each item: the 1.5B model copied one in,
    cut mid-quote ("... approved as an accurate record. (said: With that correction, can I have")."""
    return text.split(SAID, 1)[0].strip()


def _consolidate(
    engine: Engine, decisions: list[Decision], draft: Draft, params: DraftingParams
) -> list[Decision]:
    """The final pass over a long meeting's decisions: duplicates across chunks merged in one wording. It never
    loses a decision by itself: one the model leaves out or groups with another matter stands as drafted,
    unless a later decision of the final list is on the same matter (it was changed later)."""
    items = [
        f"{i} {d.text}{SAID}{' / '.join(e.quote for e in d.evidence)[: params.consolidate_quote_chars]})"
        for i, d in enumerate(decisions, 1)
    ]
    text = engine.complete(
        prompts.consolidate_messages(items),
        prompts.consolidate_schema(len(decisions), params),
        params.consolidate_tokens_per_decision * len(decisions) + params.consolidate_tokens_base,
    )
    try:
        chosen = Consolidation.model_validate_json(text).decisions
    except ValidationError:
        draft.notes.append(
            "the final pass over the decisions gave no usable reply; the drafted decisions are kept"
        )
        return decisions
    out: list[Decision] = []
    used: set[int] = set()
    wordings = [
        (grounding.in_its_script(_unquoted(item.text), "\n".join(items)), item.sources) for item in chosen
    ]
    for text, group in wordings:
        # a group joins only decisions on the same matter as its text (the 1.5B model grouped the boiler with
        # the SEN report); the others stand as drafted
        sources = [i for i in dict.fromkeys(group) if rules.same_matter(text, decisions[i - 1].text, params)]
        if not sources or (params.on("no_question") and rules.asks(text)) or used & set(sources):
            continue
        used |= set(sources)
        pooled = {(e.start, e.end): e for i in sources for e in decisions[i - 1].evidence}
        out.append(Decision(text=text, evidence=sorted(pooled.values(), key=lambda e: e.start)))
    for i, d in enumerate(decisions, 1):
        if i in used:
            continue
        later = [x for x in out if x.evidence and d.evidence and x.evidence[0].start > d.evidence[-1].end]
        if any(rules.same_matter(d.text, x.text, params) for x in later):
            draft.notes.append(f"left out by the final pass (changed later in the meeting): {d.text}")
        else:
            out.append(d)
    return sorted(out, key=lambda d: d.evidence[0].start if d.evidence else 0.0)

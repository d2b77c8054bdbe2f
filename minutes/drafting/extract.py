"""Extraction: an attributed transcript -> Draft (decisions, actions, summary, flags), every item with evidence.

Steps: withhold sensitive passages (flagged for a human); select candidate windows by cheap cues; send them in
chunks to the local model, which cites line numbers, stopping a looping reply as it starts (minutes.drafting.loop_guard);
validate its JSON (one repair, then a flagged partial result);
map citations to times and quotes; merge duplicates across chunks; keep deferred points out of the decisions;
resolve owners to participants and due dates against the meeting date; run the grounding check.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from rapidfuzz import fuzz

from minutes.core.types import Action, Decision, Draft, Evidence, Flag, Transcript
from minutes.drafting import dates, grounding, loop_guard, prompts, sensitive, windows
from minutes.drafting.windows import Line
from minutes.errors import NotFoundError, UsageError

log = logging.getLogger(__name__)

CHUNK_TOKENS = 900  # transcript tokens per model call
MAX_NEW_TOKENS = 480
MAX_EVIDENCE_LINES = 3
NO_OWNER = {"", "null", "none", "unknown", "unclear", "n/a", "everyone", "all", "we", "us", "team"}
AGREEMENT = re.compile(
    r"\b(?:agreed|agree|decided|approved|settled|resolved|we['’]ll|we will|we['’]re going to|go with|go ahead|"
    r"works for me|happy with|fine by me|sounds good|that's fine)\b", re.IGNORECASE)
DEFERRAL = re.compile(
    r"\b(?:come back to|revisit|before we decide|not decided|undecided|postpone\w*|defer\w*|hold off|"
    r"park (?:it|that|this)|leave (?:it|that|this) (?:until|for|till))\b", re.IGNORECASE)

# A sentence that states a decision outright: "Agreed. We'll ...", "So we're agreed, ...", "We've decided ...".
STATED = re.compile(
    r"^(?:(?:ok(?:ay)?|good|right|great|fine|so|then)\b[,.]?\s+)*"
    r"(?:we(?:['’]re| are)\s+agreed|we(?:['’]ve| have)?\s+(?:agreed|decided)|it['’]s\s+(?:agreed|decided)|agreed)\b"
    r"(?:\s+(?:then|that))?[,.:;!]?\s*(?P<rest>.*)$", re.IGNORECASE)
SENTENCE = re.compile(r"(?<=[.!?])\s+")
TRAILING_DEADLINE = re.compile(rf"[\s,]+(?:by|before|until|no later than)\s+(?:{dates.DUE_PHRASE.pattern})[\s.]*$",
                               re.IGNORECASE)

Progress = Callable[[int, int], None]


# -- the model's reply ------------------------------------------------------------------------------------------
class _Cited(BaseModel):
    model_config = ConfigDict(extra="ignore")
    lines: list[int] = Field(default_factory=list)

    @field_validator("lines", mode="before")
    @classmethod
    def _numbers(cls, value: Any) -> list[int]:
        items = value if isinstance(value, list) else [value]
        return [int(n) for x in items if x is not None for n in re.findall(r"\d+", str(x))]


class _Decision(_Cited):
    text: str = Field(min_length=1)


class _Action(_Cited):
    task: str = Field(min_length=1)
    owner: str | None = None
    due: str | None = None

    @field_validator("owner", "due", mode="before")
    @classmethod
    def _text_or_none(cls, value: Any) -> str | None:
        if value is None or isinstance(value, (list, dict)):
            return None
        value = str(value).strip()
        return None if value.lower() in ("", "null", "none", "n/a") else value


class Reply(BaseModel):
    """What the model must return for one chunk."""

    model_config = ConfigDict(extra="ignore")
    decisions: list[_Decision] = Field(default_factory=list)
    actions: list[_Action] = Field(default_factory=list)
    summary: str = ""
    ignored: int = 0  # list entries that were neither an object nor text (such as bare line numbers)

    @model_validator(mode="before")
    @classmethod
    def _bare_strings(cls, data: Any) -> Any:
        """An item given as a bare string becomes an item citing no lines (the grounding check will say so)."""
        if isinstance(data, dict):
            data = {**data, "ignored": 0}
            for key, field in (("decisions", "text"), ("actions", "task")):
                if isinstance(data.get(key), list):
                    items = [{field: x} if isinstance(x, str) else x for x in data[key]]
                    data[key] = [x for x in items if isinstance(x, dict)]
                    data["ignored"] += len(items) - len(data[key])
        return data

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, value: Any) -> str:
        return "" if value is None else str(value)


def parse_reply(text: str) -> Reply:
    """The reply's first JSON object, validated; ValueError with a short reason otherwise."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object")
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at character {exc.pos}") from None
    try:
        return Reply.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def salvage(text: str) -> Reply:
    """The complete items of a broken reply (for example one cut off at the token limit)."""
    reply = Reply()
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            obj, _ = decoder.raw_decode(text[m.start():])
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict):
            continue
        try:
            if "task" in obj:
                reply.actions.append(_Action.model_validate(obj))
            elif "text" in obj:
                reply.decisions.append(_Decision.model_validate(obj))
        except ValidationError:
            continue
    return reply


# -- input ------------------------------------------------------------------------------------------------------
class _WordIn(BaseModel):
    start: float
    end: float
    word: str
    probability: float = 1.0
    speaker: str | None = None


class _SegmentIn(BaseModel):
    start: float
    end: float
    text: str
    speaker: str | None = None
    overlap: bool = False
    words: list[_WordIn] = Field(default_factory=list)


class _TranscriptIn(BaseModel):
    language: str = "en"
    duration: float = 0.0
    segments: list[_SegmentIn]


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
        parsed = _TranscriptIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(f"{path}: not a transcript: {where}: {err['msg']}") from None
    return Transcript.from_json(parsed.model_dump())


# -- extraction -------------------------------------------------------------------------------------------------
def extract(engine, transcript: Transcript, participants: list[str], meeting_date: date | None,
            progress: Progress | None = None, chunk_tokens: int = CHUNK_TOKENS,
            max_new_tokens: int = MAX_NEW_TOKENS, selection: bool = True) -> Draft:
    """Draft minutes of one meeting with a loaded extractor (see minutes.engines.extractor.load_extractor).

    `selection=False` sends every line instead of the candidate windows (to measure what selection costs)."""
    draft = Draft()
    lines = windows.lines_of(transcript)
    if not lines:
        draft.notes.append("the transcript has no speech; nothing to extract")
        return draft
    names = [p.strip() for p in participants if p and p.strip()] or _speakers(lines)
    found = sensitive.detect(lines)
    draft.flags.extend(found.flags)
    shown = [line for line in lines if line.number not in found.withheld]
    candidates = windows.select(shown, names) if selection else [shown]
    chunks = windows.chunk(candidates, engine.count_tokens, chunk_tokens)
    log.info("extraction: %d lines, %d withheld, %d chunks", len(lines), len(found.withheld), len(chunks))
    if not chunks:
        draft.notes.append("no line suggests a decision or an action; the model was not run")
    summaries: list[str] = []
    for done, lines_in in enumerate(chunks, 1):
        reply = _ask(engine, lines_in, names, draft, f"chunk {done} of {len(chunks)}", max_new_tokens)
        by_number = {line.number: line for line in lines_in}
        draft.decisions.extend(Decision(d.text.strip(), _evidence(d.text, d.lines, by_number))
                               for d in reply.decisions)
        draft.actions.extend(_action(a, by_number, names, meeting_date, draft) for a in reply.actions)
        if reply.summary.strip():
            summaries.append(reply.summary.strip())
        if progress:
            progress(done, len(chunks))
    draft.actions = _merge(draft.actions, _same_action)
    draft.decisions = _merge(draft.decisions, _same_decision)
    draft.decisions = [d for d in draft.decisions if _is_decision(d, lines, draft)]
    draft.decisions = [d for d in draft.decisions
                       if not any(fuzz.token_sort_ratio(d.text, a.task) >= 80 for a in draft.actions)]
    draft.decisions += _stated_decisions(shown, names, draft)
    _asked_owners(draft, shown, names)
    draft.summary = _clean_summary(" ".join(summaries), lines, found.withheld, draft)
    _withhold_sensitive_items(draft)
    return grounding.verify(draft, transcript)


def _speakers(lines: list[Line]) -> list[str]:
    return list(dict.fromkeys(line.speaker for line in lines if line.speaker))


def _ask(engine, lines_in: list[Line], names: list[str], draft: Draft, where: str, max_new_tokens: int) -> Reply:
    """One model call for a chunk, one repair if the reply is invalid, then a flagged partial result."""
    messages = prompts.messages(windows.render(lines_in), names)
    span = [Evidence(lines_in[0].start, lines_in[-1].end, "")]
    text, cut_short = loop_guard.generate(engine, messages, max_new_tokens, MAX_EVIDENCE_LINES)
    try:
        reply = parse_reply(text)
        if cut_short:
            _flag_chunk(draft, span, f"{where}: the model began repeating itself and its reply was cut short; "
                                     "items from this part of the meeting may be missing: check it by hand")
        return _noted(reply, draft, where)
    except ValueError as exc:
        problem = str(exc)
    log.warning("extraction %s: invalid reply (%s); asking once for a repair", where, problem)
    text2, _ = loop_guard.generate(engine, prompts.repair(messages, text, problem), max_new_tokens,
                                   MAX_EVIDENCE_LINES)
    try:
        reply = parse_reply(text2)
        draft.notes.append(f"{where}: the model's first reply was invalid ({problem}); its repair was used")
        return _noted(reply, draft, where)
    except ValueError as exc:
        second = str(exc)
    partial = max((salvage(text2), salvage(text)), key=lambda r: len(r.decisions) + len(r.actions))
    reason = (f"{where}: the model's reply was invalid twice ({problem}; then {second}); "
              f"{len(partial.decisions)} decision(s) and {len(partial.actions)} action(s) recovered; "
              "check this part of the meeting by hand")
    _flag_chunk(draft, span, reason)
    return partial


def _flag_chunk(draft: Draft, span: list[Evidence], reason: str) -> None:
    """A part of the meeting the model could not read properly: it blocks approval until a person checks it."""
    draft.flags.append(Flag("extraction", reason, span))
    draft.notes.append(reason)


def _noted(reply: Reply, draft: Draft, where: str) -> Reply:
    if reply.ignored:
        draft.notes.append(f"{where}: {reply.ignored} entry(ies) of the model's reply were not items and were ignored")
    return reply


def _evidence(text: str, numbers: list[int], by_number: dict[int, Line]) -> list[Evidence]:
    """The cited lines as evidence. When none of them holds the item's words but the same speaker's line just
    before or after does (ASR often splits a sentence in two), that line is cited instead; the grounding check
    still judges the result."""
    cited = [by_number[n] for n in dict.fromkeys(numbers) if n in by_number][:MAX_EVIDENCE_LINES]
    words = grounding.content_words(text)
    if cited and not any(words & grounding.content_words(x.text) for x in cited):
        near = [by_number[x.number + d] for x in cited for d in (-1, 1) if x.number + d in by_number]
        near = [n for n in near if n.speaker in {x.speaker for x in cited} and words & grounding.content_words(n.text)]
        cited = near[:MAX_EVIDENCE_LINES] or cited
    return [Evidence(line.start, line.end, line.text) for line in sorted(cited, key=lambda x: x.number)]


def _action(a: _Action, by_number: dict[int, Line], names: list[str], meeting_date: date | None,
            draft: Draft) -> Action:
    evidence = _evidence(a.task, a.lines, by_number)
    task = _without_deadline(a.task.strip()) if a.due else a.task.strip()
    return Action(task, _owner(a.owner, names, draft), _due(a.due, evidence, meeting_date), evidence)


def _without_deadline(task: str) -> str:
    """"Book the coach by Friday" -> "Book the coach": the deadline has its own field."""
    m = TRAILING_DEADLINE.search(task)
    if m is None or len(task[:m.start()].split()) < 2:
        return task
    return task[:m.start()].rstrip(" ,")


def _owner(name: str | None, names: list[str], draft: Draft) -> str | None:
    """The participant the model named, or None: never a name that is not a participant."""
    if name is None or name.strip().lower() in NO_OWNER:
        return None
    for participant in names:
        if grounding.same_person(name, participant):
            return participant
    draft.notes.append("an action's owner was not a participant and was left empty")
    return None


def _due(phrase: str | None, evidence: list[Evidence], meeting_date: date | None) -> str | None:
    """Resolve the due phrase, preferring the fuller wording actually spoken ("next Wednesday" over "Wednesday")."""
    if phrase:
        wanted = phrase.lower().strip()
        for quote in evidence:
            for spoken in dates.phrases(quote.quote):
                if wanted in spoken.lower() and len(spoken) > len(wanted):
                    phrase = re.sub(r"^by\s+", "", spoken, flags=re.IGNORECASE)
                    break
            else:
                continue
            break
    return dates.resolve(phrase, meeting_date)


def _same_action(a: Action, b: Action) -> bool:
    if (a.owner or "") != (b.owner or ""):
        return False
    shared = {(e.start, e.end) for e in a.evidence} & {(e.start, e.end) for e in b.evidence}
    return bool(shared) or fuzz.token_set_ratio(a.task, b.task) >= 75


def _same_decision(a: Decision, b: Decision) -> bool:
    return fuzz.token_sort_ratio(a.text, b.text) >= 80


def _merge(items: list, same: Callable[[Any, Any], bool]) -> list:
    """Merge duplicates (within and across chunks): the first wording stays, evidence is pooled."""
    kept: list = []
    for item in items:
        twin = next((k for k in kept if same(k, item)), None)
        if twin is None:
            kept.append(item)
            continue
        seen = {(e.start, e.end) for e in twin.evidence}
        twin.evidence += [e for e in item.evidence if (e.start, e.end) not in seen]
        twin.evidence.sort(key=lambda e: e.start)
        if isinstance(twin, Action) and not _is_date(twin.due) and _is_date(item.due):
            twin.due = item.due
    return kept


def _is_date(value: str | None) -> bool:
    return bool(value) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def _is_decision(d: Decision, lines: list[Line], draft: Draft) -> bool:
    """A decision needs agreement in or just after its evidence; a point put off for later is not one."""
    cited = [line for line in lines if any(line.start == e.start and line.end == e.end for e in d.evidence)]
    if not cited:
        return True  # nothing to judge by; the grounding check marks it unsupported
    said = " ".join(line.text for line in cited)
    last = max(line.number for line in cited)
    after = " ".join(line.text for line in lines if last < line.number <= last + 2)
    if DEFERRAL.search(said) and not AGREEMENT.search(said):
        draft.notes.append(f"not a decision (put off for later, line {last}): {d.text}")
        return False
    if not AGREEMENT.search(f"{said} {after}"):
        draft.notes.append(f"not a decision (no agreement found near line {last}): {d.text}")
        return False
    return True


def _stated_decisions(lines: list[Line], names: list[str], draft: Draft) -> list[Decision]:
    """Decisions stated outright in the meeting ("Agreed. We'll ...") that the model did not list.

    A small model misses some, especially when speech recognition garbles a word. The sentence itself is the
    decision and the line its evidence; a note tells the reviewer it came from the transcript, not the model.
    """
    added: list[Decision] = []
    for line in lines:
        sentences = SENTENCE.split(line.text)
        for i, sentence in enumerate(sentences):
            m = STATED.match(sentence.strip())
            if not m or DEFERRAL.search(line.text):
                continue
            text = m["rest"].strip() or (sentences[i + 1].strip() if i + 1 < len(sentences) else "")
            text = text.rstrip(" .,;!")
            for name in names:  # "... the last week of April, Tom." addresses Tom; it is not part of the decision
                text = re.sub(rf"[,\s]+{re.escape(name)}$", "", text)
            if len(text.split()) < 3:
                continue
            cited = any(e.start < line.end and line.start < e.end for d in draft.decisions + added for e in d.evidence)
            known = any(fuzz.token_set_ratio(text, d.text) >= 70 for d in draft.decisions + added)
            if cited or known or any(fuzz.token_set_ratio(text, a.task) >= 80 for a in draft.actions):
                continue
            decision = Decision(text[0].upper() + text[1:] + ".", [Evidence(line.start, line.end, line.text)])
            added.append(decision)
            draft.notes.append(f"decision taken from the transcript (stated at line {line.number}), "
                               "not found by the model: check its wording")
    return added


def _asked_owners(draft: Draft, lines: list[Line], names: list[str]) -> None:
    """An action asked of someone by name ("Sam, could you ...") belongs to them, not to whoever asked."""
    for action in draft.actions:
        for e in action.evidence:
            line = next((x for x in lines if x.start == e.start and x.end == e.end), None)
            if line is None or action.owner != line.speaker:
                continue
            asked = [n for n in names if n != line.speaker and re.search(
                rf"(?:^|[.?!]\s*){re.escape(n)}\s*,\s*(?:could|can|would|will) you\b", line.text, re.IGNORECASE)]
            if len(asked) == 1:
                draft.notes.append(f"an action's owner was changed from {line.speaker} to {asked[0]}, "
                                   f"who was asked to do it at line {line.number}")
                action.owner = asked[0]
                break


def _clean_summary(summary: str, lines: list[Line], withheld: set[int], draft: Draft) -> str:
    """Drop any summary sentence that carries a sensitive cue or words found only in withheld passages."""
    private = set().union(*(grounding.content_words(x.text) for x in lines if x.number in withheld))
    public = set().union(*(grounding.content_words(x.text) for x in lines if x.number not in withheld))
    only_private = private - public
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", summary.strip()):
        if sentence and (sensitive.cues(sentence) or grounding.content_words(sentence) & only_private):
            draft.notes.append("a summary sentence touching a flagged sensitive passage was removed")
            continue
        kept.append(sentence)
    return " ".join(s for s in kept if s)


def _withhold_sensitive_items(draft: Draft) -> None:
    for items, attr in ((draft.decisions, "text"), (draft.actions, "task")):
        for item in list(items):
            if sensitive.cues(getattr(item, attr)):
                items.remove(item)
                draft.notes.append("an item touching a flagged sensitive passage was withheld for human handling")


def markdown(draft: Draft) -> str:
    """The draft as Markdown, for reading at the terminal (marked as an unreviewed draft)."""
    out = ["# Draft minutes (unreviewed)", ""]
    if draft.summary:
        out += ["## Summary", "", draft.summary, ""]
    out += ["## Decisions", ""]
    out += [f"- {d.text}{_mark(d.status)} {_cite(d.evidence)}" for d in draft.decisions] or ["- none"]
    out += ["", "## Actions", ""]
    out += [f"- {a.task} (owner: {a.owner or 'unassigned'}; due: {a.due or 'not set'}){_mark(a.status)} "
            f"{_cite(a.evidence)}" for a in draft.actions] or ["- none"]
    if draft.flags:
        out += ["", "## Flags for human handling", ""]
        out += [f"- [{f.kind}] {f.reason} {_cite(f.evidence)}" for f in draft.flags]
    if draft.notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in draft.notes]
    return "\n".join(out) + "\n"


def _mark(status: str) -> str:
    return " **[unsupported]**" if status != "supported" else ""


def _cite(evidence: list[Evidence]) -> str:
    return " ".join(f"[{e.start:.1f}-{e.end:.1f}s]" for e in evidence)

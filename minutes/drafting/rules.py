"""The rules applied to the model's items, each small, general (not fitted to one meeting) and unit-tested.
A rule stays only while switching it off changes more than one dev meeting (docs/drafting-rules.md).

- Only a proposal the model marks "agreed" is a decision; "rejected", "deferred" and "reversed later" are noted
  and left out (the final state of the meeting wins). A decision worded as a question is left out.
- The meeting must be heard to settle it: in a decision's lines and the two after them, the last line that
  agrees ("agreed", "carried", "X it is", "fine by me", "yes", "we'll") or puts off or turns down ("come back
  to it", "before we decide", "wait for", "the motion falls") must agree. A report or a question nobody took
  up is no decision, whatever a small model marked it (measured: it marks news and deferred points "agreed").
- An action must be taken on: in its lines and the two after them, the owner says they will ("I'll", "will
  do", "yes", "leave it with me"), or someone else names them.
- Evidence is the cited lines; a cited line whose neighbour holds more of the item's words is replaced by that
  neighbour (small models cite one line off; ASR splits sentences).
- Owners are the participants the model picked (one action per owner, so joint owners give one action each).
- Duplicates within and across chunks are merged (evidence pooled); a decision that repeats an action is dropped.
- Sensitive passages: no item, and no summary sentence, may carry a sensitive cue or a name (or any word) that
  occurs only in a withheld passage; such items are withheld for human handling.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from rapidfuzz import fuzz

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Action, Decision, Evidence
from minutes.drafting import dates, grounding, windows
from minutes.drafting.windows import Line

_words = grounding.folded_words
_stems = grounding.stems
AGREES = re.compile(
    r"\b(?:agree[ds]?|carried|all in favou?r|unanimous(?:ly)?|approved?|decided|settled|resolved|it is|"
    r"go (?:with|for) (?:it|that|this)|go ahead|fine (?:by|with) me|works for me|that works|sounds good|"
    r"happy with|makes sense|let['’]?s|we['’]ll|we will|we['’]re going to|we are going to|yes|yeah|yep|"
    r"ok(?:ay)?|sure|fine|great|perfect|good)\b",
    re.IGNORECASE,
)
PUTS_OFF = re.compile(
    r"\b(?:come back to|before we decide|(?:not|won['’]t|can['’]t) decide|wait (?:for|until|and see)|"
    r"put (?:it|that|this) off|park (?:it|that|this)|defer(?:red)?|postpone[ds]?|hold off|think about it|"
    r"leave it for now|not (?:yet|now)|another time|"
    # turned down: a motion that falls is no decision, whatever the vote line's other words
    r"(?:motion|proposal|resolution|it|that) (?:falls|fell|is lost|was lost|is defeated|was defeated)|voted down|"
    r"not carried|defeated)\b",
    re.IGNORECASE,
)
VOTED = re.compile(
    r"\b(?:carried|(?:motion|proposal|resolution) (?:falls|fell|is lost|was lost)|not carried|defeated)\b",
    re.I,
)
SETTLES = windows.SETTLES  # a line no drafted item cites gets a second, focused look
# "I'll propose", "I'll second" and "I'll abstain" are a motion's procedure, not a task
VOLUNTEERS = re.compile(
    r"\b(?:i['’]ll|i will)(?!\s+(?:propose|second|abstain|vote)\b)|\bleave (?:it|that|this) with me\b",
    re.IGNORECASE,
)
TAKES_ON = re.compile(
    r"\b(?:i['’]ll|i will|i can|i could|i['’]m going to|i am going to|i['’]m on it|on it|leave (?:it|that|this) "
    r"with me|will do|(?<!not )happy to|no problem|of course|yes|yeah|yep|(?<!not )sure|ok(?:ay)?|(?<!not )fine|"
    r"i['’]ve got (?:it|that))\b",
    re.IGNORECASE,
)
# a line where the speaker commits themself to doing something, not a bare assent ("yes", "fine"), which is as
# often agreement with the matter as acceptance of the task
COMMITS = re.compile(
    r"\b(?:(?:i['’]ll|i will)(?!\s+(?:propose|second|abstain|vote)\b)|i can(?!['’]?t)|i could|i['’]m going to|"
    r"i am going to|can do|will do|(?<!not )happy to|leave (?:it|that|this) with me|i['’]ve got (?:it|that))\b",
    re.IGNORECASE,
)
# a request put to someone ("could you ...", "would you mind?"), which the next speaker answers
REQUEST = re.compile(r"\b(?:could|can|would|will) you\b", re.IGNORECASE)
QUESTION = re.compile(
    r"\?\s*$|^(?:(?:do|does|did|should|shall|can|could|will|would)\s+(?:we|you|they|i|it)|"
    r"(?:is|are)\s+(?:we|you|they|it|there|this|that|the)|what|which|how|why|who|when|where)\b",
    re.IGNORECASE,
)


EXAMPLE_REPEATED = "a worked example repeated"


def not_an_item(text: str, examples: tuple[str, ...], params: DraftingParams = DRAFTING) -> str | None:
    """Why a model's item text is none: under two content words ("All in favour", "Second"), or one of the
    prompt's worked examples repeated (the 1.5B model listed "Sports day goes back to the old timetable" in a
    governors' meeting)."""
    if params.on("few_words") and len(_words(text)) < 2:
        return "too few words"
    if params.on("example_repeated") and repeats_example(text, examples, params):
        return EXAMPLE_REPEATED
    return None


def repeats_example(text: str, examples: tuple[str, ...], params: DraftingParams = DRAFTING) -> bool:
    return any(fuzz.token_sort_ratio(text, x) >= params.example_score for x in examples)


def example_note(what: str) -> str:
    """The note for an item that repeats a prompt's worked example. It never quotes the item: those words were
    not said in the meeting (the demo's notes told a reviewer about a netball tournament nobody mentioned)."""
    return (
        f"not {what} ({EXAMPLE_REPEATED}): left out, and not quoted here, as nobody said it in this meeting"
    )


def is_question(text: str) -> bool:
    return bool(QUESTION.search(text.strip()))


def asks(item_text: str) -> bool:
    """Whether a drafted item asks anything: an item is a statement, so one holding a question anywhere is a line
    copied from the talk (a real design meeting gave "We're gonna use batteries right? And we actually had ...")."""
    return is_question(item_text) or "?" in item_text


def evidence(
    text: str, numbers: list[int], by_number: dict[int, Line], params: DraftingParams = DRAFTING
) -> list[Evidence]:
    """The cited lines as evidence (see the module docstring); the grounding check still judges the result.

    A small model often cites the line next to the one it means (measured on the dev meetings: "7" for the
    line numbered 8). A cited line on its own whose neighbour shares more of the item's words is replaced by
    it; a run of cited lines is kept as cited. Lines that hold almost none of the item's words (under `astray` of
    its stems: the model cited another item's lines, seen on the formal-motions meeting) give way to the one
    line of the chunk that holds at least half of them, if there is one; cited lines just after it stay (the
    vote or assent that follows a proposal)."""
    words = _stems(text)
    wanted = list(dict.fromkeys(numbers))
    cited: list[Line] = []
    for n in wanted:
        if n not in by_number:
            continue
        alone = params.on("evidence_neighbour") and n - 1 not in wanted and n + 1 not in wanted
        options = [by_number[m] for m in ((n, n - 1, n + 1) if alone else (n,)) if m in by_number]
        best = max(options, key=lambda x: len(words & _stems(x.text)))  # ties keep the cited line
        if best not in cited:
            cited.append(best)
    cited = cited[: params.max_evidence_lines]
    if params.on("evidence_astray") and shared_stems(text, " ".join(x.text for x in cited)) < params.astray:
        nearest = max(by_number.values(), key=lambda x: len(words & _stems(x.text)), default=None)
        if nearest is not None and shared_stems(text, nearest.text) >= params.astray_best_stems:
            cited = [
                nearest,
                *(x for x in cited if 0 < x.number - nearest.number <= params.settling_lines + 1),
            ]
    return [
        Evidence(start=line.start, end=line.end, quote=line.text)
        for line in sorted(cited, key=lambda x: x.number)
    ]


def _settling(item: Decision | Action, lines: list[Line], params: DraftingParams) -> list[Line]:
    """The item's cited lines and the `settling_lines` lines after the last of them, in order."""
    cited = cited_lines(item, lines)
    if not cited:
        return []
    first, last = min(x.number for x in cited), max(x.number for x in cited)
    return [x for x in lines if first <= x.number <= last + params.settling_lines]


def settled(decision: Decision, lines: list[Line], params: DraftingParams = DRAFTING) -> bool:
    """Whether the last agreeing or putting-off line around the decision agrees (see the module docstring). A
    vote's result in the cited lines ("carried", "the motion falls") closes the item: the lines after it
    belong to the next one."""
    voted = params.on("settle_vote_closes") and any(VOTED.search(e.quote) for e in decision.evidence)
    last = max((e.end for e in decision.evidence), default=0.0)
    state = False
    for line in _settling(decision, lines, params):
        if line.start >= last and voted:
            break
        if PUTS_OFF.search(line.text):
            state = False
        elif AGREES.search(line.text):
            state = True
    return state


def taken_on(
    action: Action, lines: list[Line], names: dict[str, list[str]], params: DraftingParams = DRAFTING
) -> bool:
    """Whether the owner takes the task on, or is named for it by someone else, around its evidence. `names`
    maps an owner to the words that name them (first name, role)."""
    if action.owner is None:
        return True
    called = [w.lower() for w in names.get(action.owner, [action.owner])]
    for line in _settling(action, lines, params):
        if grounding.same_person(action.owner, line.speaker):
            if TAKES_ON.search(line.text):
                return True
        elif any(re.search(rf"\b{re.escape(w)}\b", line.text, re.IGNORECASE) for w in called):
            return True
    return False


def unnamed_taker(
    action: Action, lines: list[Line], names: list[str], params: DraftingParams = DRAFTING
) -> str | None:
    """The speaker nobody has named (no participant's name: "Speaker 2", a voice without a sample) who takes
    the task on in its lines, when there is one: whether that is the owner nobody can tell from the talk."""
    for line in _settling(action, lines, params):
        known = any(grounding.same_person(n, line.speaker) for n in names)
        if line.speaker and not known and TAKES_ON.search(line.text):
            return line.speaker
    return None


def taker(
    action: Action, lines: list[Line], names: list[str], params: DraftingParams = DRAFTING
) -> str | None:
    """The one named participant, other than the owner, who answers a request in the task's lines by committing
    themself ("Could you book the minibus?" / "Yes, I'll book it tonight"; `REQUEST`, then `COMMITS`), when exactly one
    does: the owner the model should have picked. The 1.5B model often names whoever asked for the task (the
    chair) instead of who answered."""
    settling = _settling(action, lines, params)
    before = {x.number: x for x in lines}
    took = {
        name
        for line in settling
        if COMMITS.search(line.text)
        and (asked := before.get(line.number - 1)) is not None
        and asked.speaker != line.speaker
        and REQUEST.search(asked.text)
        for name in names
        if grounding.same_person(name, line.speaker) and name != action.owner
    }
    return took.pop() if len(took) == 1 else None


def spoken_due(action: Action, lines: list[Line], meeting_date: date | None) -> str | None:
    """The one date the task's own words and its cited lines say ("I'll renew it this afternoon", "by the end
    of the month"), as an ISO date; None when they say none or several."""
    said = [action.task, *(x.text for x in cited_lines(action, lines))]
    told = {dates.resolve(p, meeting_date) for text in said for p in dates.phrases(text)}
    placed = {d for d in told if dates.is_date(d)}
    return placed.pop() if len(placed) == 1 else None


def cited_lines(item: Decision | Action, lines: list[Line]) -> list[Line]:
    spans = {(e.start, e.end) for e in item.evidence}
    return [line for line in lines if (line.start, line.end) in spans]


def same_action(a: Action, b: Action, params: DraftingParams = DRAFTING) -> bool:
    if (a.owner or "") != (b.owner or ""):
        return False
    shared = {(e.start, e.end) for e in a.evidence} & {(e.start, e.end) for e in b.evidence}
    score = fuzz.token_set_ratio(a.task, b.task)
    return score >= params.same_action_score or (bool(shared) and score >= params.same_action_cited_score)


def same_decision(a: Decision, b: Decision, params: DraftingParams = DRAFTING) -> bool:
    """Near-identical wording, or similar wording citing the same line (the overlap between chunks). Similar
    wording alone is not enough: "on the sixth" and, later, "on the thirteenth" are two decisions."""
    shared = {(e.start, e.end) for e in a.evidence} & {(e.start, e.end) for e in b.evidence}
    score = fuzz.token_sort_ratio(a.text, b.text)
    return score >= params.same_decision_score or (bool(shared) and score >= params.same_decision_cited_score)


def said_in(text: str, lines: list[Line], params: DraftingParams) -> bool:
    """Whether most of an answer's word stems are in the given lines, and every number, day and month it names
    (a second look must answer from what it was shown about: the 1.5B model once turned a bare "Fine by me"
    into "The spring meeting will be held on a Saturday", from the prompt's example)."""
    said = " ".join(x.text for x in lines)
    return shared_stems(text, said) >= params.said_in_stems and _specifics(text) <= _specifics(said)


def shares_a_subject(text: str, other: str) -> bool:
    """Whether two texts share a content-word stem that is not a number, day or month: "Free tickets, two per
    family" and "Should we do tickets?" do; "Friday's better for everyone" and "Should we move the disco to the
    Friday?" share only the day."""
    return bool(_stems(text) & _stems(other) - _stems(" ".join(_specifics(text))))


def same_matter(text: str, other: str, params: DraftingParams) -> bool:
    """Whether two wordings share at least `same_matter_stems` (half) of the shorter one's word stems."""
    return max(shared_stems(text, other), shared_stems(other, text)) >= params.same_matter_stems


def restates(item: Decision | Action, other: Decision | Action, params: DraftingParams) -> bool:
    """Whether an item found on a second look is one already drafted: most of its word stems are the other's,
    and it names no other number, day or month (so "the fair moves to the thirteenth" does not restate "the fair
    is on the sixth"); an action needs nearly all its stems and the same owner."""
    if isinstance(item, Action) and isinstance(other, Action):
        return (item.owner or "") == (other.owner or "") and shared_stems(
            item.task, other.task
        ) >= params.twin_task_stems
    if isinstance(item, Decision) and isinstance(other, Decision):
        mine, theirs = _specifics(item.text), _specifics(other.text)
        clash = bool(mine) and bool(theirs) and not (mine <= theirs or theirs <= mine)
        return not clash and shared_stems(item.text, other.text) >= params.twin_decision_stems
    return False


SPECIFIC = re.compile(
    rf"\b(?:\d+(?:st|nd|rd|th)?|{dates.ORDINAL_WORDS}|{'|'.join(dates.DAYS + dates.MONTHS)})\b", re.IGNORECASE
)


def _specifics(text: str) -> set[str]:
    """The numbers, days and months a text names, a number however it is written ("9th", "ninth" -> "9"): two
    decisions that name different ones are two decisions."""
    return {_specific(m.group(0).lower()) for m in SPECIFIC.finditer(text)}


def _specific(word: str) -> str:
    if number := re.match(r"\d+", word):
        return str(int(number.group(0)))
    return next((str(n) for key, n in dates.ORDINALS.items() if re.fullmatch(key, word)), word)


def merge(items: list, same: Callable[[Any, Any], bool]) -> list:
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
        if isinstance(twin, Action) and not dates.is_date(twin.due) and dates.is_date(item.due):
            twin.due = item.due
    return kept


def repeats_an_action(decision: Decision, actions: list[Action], params: DraftingParams = DRAFTING) -> bool:
    """The same words as an action; an action's task with its owner named ("Tom books the coach"); or an action
    restated from the same lines ("Coach booking is done by Friday", citing only what "Book the coach" cites)."""
    return any(
        fuzz.token_sort_ratio(decision.text, a.task) >= params.repeats_action_score
        or (
            a.owner
            and a.owner.lower() in _words(decision.text)
            and fuzz.token_set_ratio(decision.text, a.task) >= params.repeats_owned_action_score
        )
        or (_within(decision, a) and shared_stems(decision.text, a.task) >= params.repeats_action_stems)
        for a in actions
    )


def _within(decision: Decision, action: Action) -> bool:
    spans = {(e.start, e.end) for e in action.evidence}
    return bool(decision.evidence) and all((e.start, e.end) in spans for e in decision.evidence)


def shared_stems(text: str, other: str) -> float:
    """The share of the text's content-word stems that the other text has too."""
    mine = _stems(text)
    return len(mine & _stems(other)) / len(mine) if mine else 0.0

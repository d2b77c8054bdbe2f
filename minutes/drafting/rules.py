"""The rules applied to the model's items, each small, general (not fitted to one meeting) and unit-tested.

- A decision's text that runs two matters together (sentences sharing no word) is one decision per matter.
- Only a proposal the model marks "agreed" is a decision; "rejected", "deferred" and "reversed later" are noted
  and left out (the final state of the meeting wins). A decision worded as a question is left out.
- The meeting must be heard to settle it: in a decision's lines and the two after them, the last line that
  agrees ("agreed", "carried", "X it is", "fine by me", "yes", "we'll") or puts off or turns down ("come back
  to it", "before we decide", "wait for", "the motion falls") must agree. A report or a question nobody took up is no decision, whatever
  a small model marked it (measured: it marks news and deferred points "agreed").
- An action must be taken on: in its lines and the two after them, the owner says they will ("I'll", "will
  do", "yes", "leave it with me"), or someone else names them (asking, or handing it on). A task its owner
  reports done in its lines ("that's done") is none.
- Evidence is the cited lines; a cited line whose neighbour holds more of the item's words is replaced by that
  neighbour (small models cite one line off; ASR splits sentences).
- Owners are the participants the model picked (one action per owner, so joint owners give one action each),
  corrected by the rules of minutes.drafting.owners.
- A deadline clause leaves the task text; the due phrase resolves against the meeting date (minutes.drafting.dates),
  preferring the fuller wording actually spoken in the evidence; of two dates in one phrase (a self-correction)
  the last wins; a phrase the calendar cannot place gives way to the one date the evidence says as a deadline;
  a phrase naming a date that nobody says in or around the action's lines is another task's, and is dropped.
- Duplicates within and across chunks are merged (evidence pooled); a decision that repeats an action is dropped.
- A decision the meeting went back on later ("actually, scrap that, ...", with the earlier matter named in the
  lead-up) is left out: the final state wins.
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
REVERSES = re.compile(
    r"\b(?:scrap that|forget that|actually|instead|change of plan|on second thoughts?|after all|go back on)\b",
    re.IGNORECASE,
)
VOTED = re.compile(
    r"\b(?:carried|(?:motion|proposal|resolution) (?:falls|fell|is lost|was lost)|not carried|defeated)\b",
    re.I,
)
SETTLES = windows.SETTLES  # a line no drafted item cites gets a second, focused look
# a "task" that is the meeting's own act of settling ("Approve the summer programme", "Adopt the policy"): the
# meeting's decision, not one person's action (a 1.5B model lists such approvals as actions of whoever spoke)
APPROVAL = re.compile(r"^(?:approve|adopt|ratify|vote (?:on|for|to))\b", re.IGNORECASE)
# "I'll propose", "I'll second" and "I'll abstain" are a motion's procedure, not a task
VOLUNTEERS = re.compile(
    r"\b(?:i['’]ll|i will)(?!\s+(?:propose|second|abstain|vote)\b)|\bleave (?:it|that|this) with me\b",
    re.IGNORECASE,
)
DONE = re.compile(
    r"\b(?:(?:that|it|this)(?:['’]s| is| has)|already|all)\s+(?:been\s+)?(?:done|sorted|sent|finished|completed)\b",
    re.IGNORECASE,
)
TAKES_ON = re.compile(
    r"\b(?:i['’]ll|i will|i can|i could|i['’]m going to|i am going to|i['’]m on it|on it|leave (?:it|that|this) "
    r"with me|will do|(?<!not )happy to|no problem|of course|yes|yeah|yep|(?<!not )sure|ok(?:ay)?|(?<!not )fine|"
    r"i['’]ve got (?:it|that))\b",
    re.IGNORECASE,
)
QUESTION = re.compile(
    r"\?\s*$|^(?:(?:do|does|did|should|shall|can|could|will|would)\s+(?:we|you|they|i|it)|"
    r"(?:is|are)\s+(?:we|you|they|it|there|this|that|the)|what|which|how|why|who|when|where)\b",
    re.IGNORECASE,
)
TRAILING_DEADLINE = re.compile(
    rf"[\s,]+(?:by|before|until|no later than|on)\s+(?:{dates.DUE_PHRASE.pattern})[\s.]*$", re.IGNORECASE
)

BY = re.compile(r"(?:by|before|no later than)\s", re.IGNORECASE)  # a deadline, not just a time
DEADLINE = re.compile(r"(?:by|before|on|until)\s", re.IGNORECASE)  # a spoken date said as a deadline
WHEN = re.compile(
    rf"\d|\b(?:{'|'.join(dates.DAYS + dates.MONTHS)}|term|week|month|year|today|tonight|tomorrow|morning|"
    r"afternoon|evening|soon|asap|christmas|easter|summer|spring|autumn|winter|meeting|holidays?)\b",
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


SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# a sentence that goes on about the one before it ("It will be on a Tuesday.", "Also ...")
GOES_ON = re.compile(r"^(?:it|this|that|they|these|those|he|she|and|but|so|also|which|then|both)\b", re.I)


def matters(text: str) -> list[str]:
    """A decision's text as one text per matter: the model sometimes runs two decisions together ("The minutes
    were approved. The pupil premium statement went on the website."). A sentence that shares no word stem with
    the sentences before it and does not go on about them ("It ...", "Also ...") starts another matter."""
    out: list[str] = []
    for sentence in SENTENCE.split(text.strip()):
        if out and (GOES_ON.match(sentence) or _stems(sentence) & _stems(out[-1])):
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def own_lines(text: str, numbers: list[int], by_number: dict[int, Line]) -> list[int]:
    """Of the lines cited for several matters, those that hold any of one matter's words (all, if none does)."""
    return [n for n in numbers if n in by_number and _stems(text) & _stems(by_number[n].text)] or numbers


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
        best = max(by_number.values(), key=lambda x: len(words & _stems(x.text)), default=None)
        if best is not None and shared_stems(text, best.text) >= params.astray_best_stems:
            cited = [best, *(x for x in cited if 0 < x.number - best.number <= params.settling_lines + 1)]
    return [
        Evidence(start=line.start, end=line.end, quote=line.text)
        for line in sorted(cited, key=lambda x: x.number)
    ]


def _stems(text: str) -> set[str]:
    """Content words cut to four letters, so "booking", "book" and "booked" meet."""
    return {w[:4] for w in _words(text)}


def without_deadline(task: str) -> str:
    """ "Book the coach by Friday" -> "Book the coach": the deadline has its own field."""
    m = TRAILING_DEADLINE.search(task)
    if m is None or len(task[: m.start()].split()) < 2:
        return task
    return task[: m.start()].rstrip(" ,")


def due(
    phrase: str | None,
    quotes: list[str],
    meeting_date: date | None,
    task: str = "",
    heard: str | None = None,
    params: DraftingParams = DRAFTING,
) -> str | None:
    """Resolve the due phrase, preferring the fuller wording actually spoken ("next Wednesday" over "Wednesday").
    A phrase naming a number, day or month that `heard` (the action's lines and those around them, when given)
    never says is another task's deadline, and is dropped (a real-model draft gave the ticket allocation "the week
    of the fourteenth", said of the care-home visit twenty lines before).
    A phrase holding two dates is a self-correction ("the fifteenth, no, Wednesday the sixteenth"): the last wins.
    A phrase that names no time is replaced by the deadline spoken in the evidence, if any. A deadline the task
    itself states ("sign it off by Monday the thirtieth") wins over a phrase that names no date ("the January
    meeting", which is when it is reported). A phrase the calendar cannot place ("before the end of term") gives
    way to the one date the evidence speaks as a deadline ("I'll get it to the trust before we break up on the
    eighteenth"): the owner's answer is often more exact than the request the model took the phrase from."""
    if (
        params.on("due_heard")
        and phrase
        and heard is not None
        and not _specifics(phrase) <= _specifics(heard)
    ):
        phrase = None
    resolved = _due(phrase, quotes, meeting_date, params)
    stated = [m.group(0) for m in dates.DUE_PHRASE.finditer(task) if BY.match(m.group(0))]
    if (
        params.on("due_stated")
        and stated
        and not _is_date(resolved)
        and _is_date(told := dates.resolve(stated[-1], meeting_date))
    ):
        return told
    if params.on("due_from_evidence") and resolved and not _is_date(resolved):
        spoken = {
            dates.resolve(p, meeting_date) for q in quotes for p in dates.phrases(q) if DEADLINE.match(p)
        }
        if len(dated := {d for d in spoken if _is_date(d)}) == 1:
            return dated.pop()
    return resolved


def _due(
    phrase: str | None, quotes: list[str], meeting_date: date | None, params: DraftingParams
) -> str | None:
    said = [m.group(0) for m in dates.DUE_PHRASE.finditer(phrase or "")]
    if params.on("due_last_date") and len(said) > 1:
        phrase = said[-1]
    if params.on("due_no_time") and phrase and not said and not WHEN.search(phrase):
        phrase = next((p for q in quotes for p in dates.phrases(q)), None)  # "the business manager"
    if params.on("due_spoken") and phrase:
        wanted = re.sub(r"^(?:by|before|on|until)\s+", "", phrase.lower().strip(" .,"))
        spoken = [p for q in quotes for p in dates.phrases(q) if wanted in p.lower() and len(p) > len(wanted)]
        if spoken:
            phrase = max(spoken, key=len)
    return dates.resolve(phrase, meeting_date)


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
    belong to the next one. After a new question put past the cited lines ("So shall we move the trip to
    April?"), a line answers that question, unless it restates at least half of the item's words (a
    report of coach prices was taken as agreed by the "that works for me" to the next proposal)."""
    voted = params.on("settle_vote_closes") and any(VOTED.search(e.quote) for e in decision.evidence)
    last = max((e.end for e in decision.evidence), default=0.0)
    state = asked = False
    for line in _settling(decision, lines, params):
        after = line.start >= last
        if after and voted:
            break
        if params.on("settle_new_question") and after and is_question(line.text):
            asked = True
            continue
        if asked and shared_stems(decision.text, line.text) < params.settle_answer_stems:
            continue
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


def reported_done(action: Action, lines: list[Line], params: DraftingParams = DRAFTING) -> bool:
    """Whether the owner, in the task's lines and the two after them, reports it done ("Yes, that's done, it
    went up in October") and never says they will: a small model lists such reports as tasks asked and agreed."""
    if action.owner is None:
        return False
    said = [
        x.text for x in _settling(action, lines, params) if grounding.same_person(action.owner, x.speaker)
    ]
    return any(DONE.search(t) for t in said) and not any(VOLUNTEERS.search(t) for t in said)


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


def gone_back_on(
    decisions: list[Decision], lines: list[Line], params: DraftingParams = DRAFTING
) -> list[tuple[Decision, Decision]]:
    """Pairs (earlier, later) where the meeting went back on an earlier decision: the later one's own lines
    say so ("actually, scrap that", "instead") and its lead-up (`reversal_lead_up` lines) names what the
    earlier one decided. The final state of the meeting wins; a small model reading one chunk cannot see this
    when the two are far apart."""
    pairs = []
    for later in decisions:
        cited = cited_lines(later, lines)
        if not cited or not any(REVERSES.search(x.text) for x in cited):
            continue
        first = min(x.number for x in cited)
        lead_up = " ".join(x.text for x in lines if first - params.reversal_lead_up <= x.number < first)
        for earlier in decisions:
            before = cited_lines(earlier, lines)
            if earlier is not later and before and max(x.number for x in before) < first:
                if shared_stems(earlier.text, lead_up) >= params.reversal_stems:
                    pairs.append((earlier, later))
    return pairs


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


def heard_around(
    evidence: list[Evidence], by_number: dict[int, Line], params: DraftingParams = DRAFTING
) -> str:
    """What was said in an item's cited lines, the two lines before them and the `settling_lines` after."""
    spans = {(e.start, e.end) for e in evidence}
    numbers = [n for n, x in by_number.items() if (x.start, x.end) in spans]
    if not numbers:
        return " ".join(e.quote for e in evidence)
    first, last = min(numbers) - 2, max(numbers) + params.settling_lines
    return " ".join(x.text for n, x in sorted(by_number.items()) if first <= n <= last)


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
        if isinstance(twin, Action) and not _is_date(twin.due) and _is_date(item.due):
            twin.due = item.due
    return kept


def _is_date(value: str | None) -> bool:
    return bool(value) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


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

"""Sensitive passages: flagged for human-only handling and withheld from the model, recall first.

A missed private matter is a privacy failure; a false flag costs a reviewer one click. Three layers find the
lines, and a fourth widens them into passages:

1. The lexicon (minutes.drafting.lexicon) names the private matters of school life by kind.
2. The person detector (minutes.drafting.persons) says whether a line is about someone. A matter on a line
   about a person is a flag; a line about nobody ("Exclusions across the trust fell by a third") is the only
   exemption. A request for confidentiality needs no person.
3. The local model as a classifier (minutes.drafting.private): lines about a third person that the lexicon
   did not flag are put to it as yes/no questions, a few lines a question, read from its next-token
   probabilities (prefill only); a group it judges private is asked line by line to say which.
4. Each flagged line grows into the passage that continues its matter, whoever speaks (`grow`).

A reviewer's decisions on an earlier draft of the same transcript (`Reviewed`) come first: lines they cleared
are drafted, lines they flagged are withheld. A flag carries its kind and line numbers, never the words. The
same test, and the words said only in withheld lines, keep every item, note and summary sentence off a
withheld matter (`withhold_sensitive_items`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.types import Draft, Evidence, Flag
from minutes.drafting import grounding, lexicon, persons, private, windows
from minutes.drafting.engine import Engine
from minutes.drafting.windows import Line

log = logging.getLogger(__name__)

MODEL_KIND = "private"  # a flag the model raised: a private matter about a person, of no listed kind
REVIEWER_KIND = "sensitive"  # a flag a reviewer added (minutes.review.flags) and kept on a re-draft
REASONS = {
    **{k.name: k.reason for k in lexicon.KINDS},
    MODEL_KIND: "the model judged it a private matter about a person",
    REVIEWER_KIND: "a sensitive matter",
}
HANDLING = "for human-only handling, not summarised"
# a line that turns the meeting to other business ends a passage
TOPIC_CHANGE = re.compile(
    r"^\W*(?:(?:um|uh|er|erm)\W+)*(?:thanks|thank you|moving on|next|anyway|any other business|finally|"
    r"(?:one )?last thing|one (?:more|other) thing)\b|"
    r"(?:^|[.?!]\s+)\W*(?:(?:um|uh|er|erm)\W+)*(?:right|okay|ok|so|now|good|great|lovely)[,.]?\s+(?:so|then|now|moving|next|"
    r"item|on to|onto|back to|the next|let['’]s)\b|\b(?:next item|moving on|anything else|any other business|"
    r"close the meeting|back to the agenda|item (?:\d+|one|two|three|four|five|six|seven|eight|nine|ten))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reviewed:
    """A reviewer's decisions on an earlier draft of the same transcript, as time ranges: lines they cleared
    of a flag are drafted; lines they flagged are withheld."""

    cleared: tuple[tuple[float, float], ...] = ()
    added: tuple[tuple[float, float], ...] = ()

    def has(self, spans: tuple[tuple[float, float], ...], line: Line) -> bool:
        return any(a - 0.01 <= line.start and line.end <= b + 0.01 for a, b in spans)


@dataclass
class Found:
    """The flags raised, the line numbers withheld from the model, and what each layer flagged (for the bench)."""

    flags: list[Flag] = field(default_factory=list)
    withheld: set[int] = field(default_factory=set)
    by_layer: dict[str, set[int]] = field(default_factory=dict)  # "lexicon", "model": the lines each flagged
    asked: int = 0  # questions put to the model


def lexical(lines: list[Line], people: persons.People | None = None) -> dict[int, list[str]]:
    """Layers 1 and 2: line number -> the kinds of private matter it names about a person. The person may be in
    the line before, when this line names nobody ("What about Tyler?" / "There was a fight at home")."""
    people = people or persons.People.of(texts=[x.text for x in lines])
    out = {}
    for i, line in enumerate(lines):
        kinds = lexicon.kinds_in(line.text)
        if kinds and (
            set(kinds) & lexicon.NEEDS_NO_PERSON
            or persons.about_person(line.text, people)
            or (i > 0 and persons.third_person(lines[i - 1].text, people))
        ):
            out[line.number] = kinds
    return out


def detect(
    lines: list[Line],
    participants: Iterable[str] = (),
    engine: Engine | None = None,
    reviewed: Reviewed | None = None,
    params: DraftingParams = DRAFTING,
) -> Found:
    """Flag every sensitive passage and withhold its lines from the model. `engine`: ask the model about the
    lines the lexicon left (None: the lexical layers only)."""
    people = persons.People.of(participants, [x.text for x in lines])
    reviewed = reviewed or Reviewed()
    open_lines = [x for x in lines if not reviewed.has(reviewed.cleared + reviewed.added, x)]
    kinds = lexical(open_lines, people)
    found = Found(by_layer={"lexicon": set(kinds)})
    passages = grow(lines, kinds, people, reviewed, params)
    if engine is not None:
        taken = {n for p in passages for n in p}
        asked = [x for x in open_lines if x.number not in taken and _worth_asking(x, people, params)]
        judged = private.judge(engine, asked, params)
        found.asked = judged.questions
        found.by_layer["model"] = judged.flagged
        if judged.flagged:
            kinds |= {n: [MODEL_KIND] for n in judged.flagged}
            passages = grow(lines, kinds, people, reviewed, params)
    by_number = {x.number: x for x in lines}
    index = {x.number: i for i, x in enumerate(lines)}
    added = [x.number for x in lines if reviewed.has(reviewed.added, x)]
    for run in _runs(added, index):
        passages.append(run)
        kinds.update({n: [REVIEWER_KIND] for n in run})
    for passage in sorted(passages):
        found.withheld.update(passage)
        named = list(dict.fromkeys(k for n in passage for k in kinds.get(n, [])))
        said = "; ".join(REASONS[k] for k in named)
        by = ", flagged by a reviewer on an earlier draft" if named == [REVIEWER_KIND] else ""
        for run in _runs(passage, index):  # a line a reviewer cleared splits a passage
            first, last = by_number[run[0]], by_number[run[-1]]
            where = f"line {first.number}" if first is last else f"lines {first.number}-{last.number}"
            reason = f"{said}{by} ({where}); {HANDLING}"
            found.flags.append(
                Flag(
                    kind=named[0],
                    reason=reason,
                    evidence=[Evidence(start=first.start, end=last.end, quote="")],
                )
            )
    log.info(  # counts only: never the words
        "sensitive: %d lines flagged by the word list, %d by the model (%d questions), %d withheld",
        len(found.by_layer["lexicon"]),
        len(found.by_layer.get("model", ())),
        found.asked,
        len(found.withheld),
    )
    return found


def _worth_asking(line: Line, people: persons.People, params: DraftingParams) -> bool:
    """A line the model is asked about: long enough to hold a matter, and about someone else."""
    return len(line.text.split()) >= params.sensitive_ask_words and persons.third_person(line.text, people)


def grow(
    lines: list[Line],
    seeds: dict[int, list[str]],
    people: persons.People,
    reviewed: Reviewed | None = None,
    params: DraftingParams = DRAFTING,
) -> list[list[int]]:
    """Layer 4: each flagged line widened to the passage that continues its matter, whoever says it.

    Backwards, to the line that says whom it is about (a name, title or class within `sensitive_back` lines
    that the flagged line names again or, where it says only "he" or "her", the nearest such line). Forwards,
    line by line while one continues it: another flagged line, a matter of any kind, a line about the same
    person (by name, or by he/she without naming anyone new), an answer to a question the passage ends with, a
    word the passage said that is rare in the meeting, or a short reaction ("Oh, God. Poor kid."); at most
    `sensitive_follow` lines that are not flagged themselves, and never past a turn to other business. A short
    line that asks for, offers or settles something (minutes.drafting.windows.is_cue) is business, not a reaction. Flagged
    lines at most `sensitive_gap` lines apart are one passage. Lines a reviewer cleared are never taken in, though
    the passage may go on past them."""
    reviewed = reviewed or Reviewed()
    index = {x.number: i for i, x in enumerate(lines)}
    rare = _rare_words(lines, params)
    blocked = {x.number for x in lines if reviewed.has(reviewed.cleared, x)}
    passages: list[list[int]] = []
    for number in sorted(seeds):
        i = index[number]
        last = index[passages[-1][-1]] if passages else -1
        if i <= last:
            continue
        start = _back(lines, i, people, blocked, params)
        end = _forward(lines, i, seeds, people, rare, blocked, params)
        if passages and start - last <= params.sensitive_gap + 1:
            passages[-1] += [x.number for x in lines[last + 1 : end + 1] if x.number not in blocked]
        else:
            passages.append([x.number for x in lines[start : end + 1] if x.number not in blocked])
    return passages


def _back(
    lines: list[Line], i: int, people: persons.People, blocked: set[int], params: DraftingParams
) -> int:
    """Where the passage of the flagged line `i` starts: the line within reach that names whom it is about."""
    own = persons.names(lines[i].text, people)
    for j in range(i - 1, max(-1, i - 1 - params.sensitive_back), -1):
        if lines[j].number in blocked:
            continue
        named = persons.names(lines[j].text, people)
        if (own and own & named) or (not own and named):
            return j
    return i


def _forward(
    lines: list[Line],
    end: int,
    seeds: dict[int, list[str]],
    people: persons.People,
    rare: set[str],
    blocked: set[int],
    params: DraftingParams,
) -> int:
    """Where the passage ending at `end` ends once the lines that continue it are taken in."""
    said = persons.names(lines[end].text, people)
    words = grounding.folded_words(lines[end].text) & rare
    extra = 0
    j = end + 1
    while j < len(lines):
        line = lines[j]
        if line.number in blocked:
            j += 1
            continue
        if line.number in seeds:
            end, extra = j, 0
        elif extra >= params.sensitive_follow or TOPIC_CHANGE.search(line.text):
            break
        elif _continues(line, lines[j - 1], said, words, people, params):
            end, extra = j, extra + 1
        else:
            break
        said |= persons.names(line.text, people)
        words |= grounding.folded_words(line.text) & rare
        j += 1
    return end


def _continues(
    line: Line, before: Line, said: set[str], words: set[str], people: persons.People, params: DraftingParams
) -> bool:
    """Whether `line` goes on with the matter the passage holds (see `grow`)."""
    named = persons.names(line.text, people)
    return bool(
        lexicon.kinds_in(line.text)
        or (named & said)
        or (not named and persons.third_person(line.text, people))
        or before.text.rstrip().endswith("?")
        or grounding.folded_words(line.text) & words
        or (
            len(line.text.split()) <= params.sensitive_reaction_words
            and not windows.is_cue(line, people.names)
        )
    )


def _rare_words(lines: list[Line], params: DraftingParams) -> set[str]:
    """Content words said on at most `sensitive_rare_lines` lines of the meeting: a matter's own words."""
    counts = Counter(w for x in lines for w in grounding.folded_words(x.text))
    return {w for w, n in counts.items() if n <= params.sensitive_rare_lines}


def _runs(numbers: list[int], index: dict[int, int] | None = None) -> list[list[int]]:
    """Line numbers split where they stop following each other (in transcript order, by `index`)."""
    at = index or {n: n for n in numbers}
    runs: list[list[int]] = []
    for n in numbers:
        if runs and at[n] == at[runs[-1][-1]] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


# -- keeping withheld matters out of the draft --------------------------------------------------------------------
def private_words(lines: list[Line], withheld: set[int], names: list[str]) -> set[str]:
    """Words (names included) said only in withheld passages; participants' own names are not private."""
    private = set().union(*(grounding.folded_words(x.text) for x in lines if x.number in withheld))
    public = set().union(*(grounding.folded_words(x.text) for x in lines if x.number not in withheld))
    return private - public - {w for n in names for w in grounding.folded_words(n)}


def is_sensitive(text: str, participants: Iterable[str] = ()) -> bool:
    """A text that names a private matter about a person (layers 1 and 2), e.g. an item the model wrote."""
    return bool(lexical([Line(0, 0.0, 0.0, None, text)], persons.People.of(participants)))


def touches_private(text: str, private: set[str], participants: Iterable[str] = ()) -> bool:
    return is_sensitive(text, participants) or bool(grounding.folded_words(text) & private)


def withhold_sensitive_items(draft: Draft, private: set[str], participants: Iterable[str] = ()) -> None:
    """Remove every decision, action and discussion point that touches a withheld matter (a note says how many,
    never what), and put notes that do the same in general words."""
    people = list(participants)
    groups: list[tuple[list[Any], str]]  # the three kinds' lists, each with the field that holds its text
    groups = [(draft.decisions, "text"), (draft.actions, "task"), (draft.points, "text")]
    for items, attr in groups:
        for item in list(items):
            if touches_private(getattr(item, attr), private, people):
                items.remove(item)
                draft.notes.append(
                    "an item touching a flagged sensitive passage was withheld for human handling"
                )
    draft.notes = [
        note
        if not touches_private(note, private, people)
        else "a drafting note touching a flagged sensitive passage was left out"
        for note in draft.notes
    ]


def safe_summary(summary: str, private: set[str], participants: Iterable[str] = ()) -> str:
    """The summary without any sentence that touches a withheld matter."""
    sentences = re.split(r"(?<=[.!?])\s+", summary.strip())
    return " ".join(s for s in sentences if s and not touches_private(s, private, participants))

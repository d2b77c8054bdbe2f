"""Motions: who proposed and seconded a decision, and the vote, when the meeting said them.

Read from the transcript lines around the decision's evidence: from up to `motion_before` lines before its first
evidence line (stopping after an earlier motion's result), through its evidence, to the first result within
`motion_after` lines after it (DraftingParams). In those lines:
- proposer: the speaker of a line saying "I propose", "I'll propose", "happy to propose", "I move that", or the
  participant named in "proposed by X";
- seconder: the speaker of "I'll second", "I second", "happy to second", or of a line that is only "Second." or
  "Seconded.", or the participant named in "seconded by Y";
- vote: "carried" or "fell" ("the motion falls", "defeated", "not carried"), "unanimously" ("unanimous", "all in
  favour ... that's everyone"), and the counts said ("six for", "three against", "one abstention", "in favour?
  ... Five", "with Graham abstaining").
A name counts only when it is a meeting participant's, so nobody is invented; what was not said stays empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minutes.core.drafting_params import DraftingParams
from minutes.core.types import Decision
from minutes.drafting.windows import Line

_NUMBER = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|none|nobody|no one)"
_WORDS = {
    w: i for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)
}
_PROPOSES = re.compile(
    r"\b(?:i(?:['’]ll| will|['’]d like to| would like to|['’]m happy to| am happy to)?|happy to|glad to)\s+"
    r"(?:formally\s+)?(?:propose\b|move (?:that|the motion|approval|adoption|acceptance)\b)",
    re.IGNORECASE,
)
_SECONDS = re.compile(
    r"\b(?:i(?:['’]ll| will|['’]m happy to| am happy to)?|happy to|glad to)\s+second\b(?! (?:item|half|one|time|point)\b)"
    r"|^\W*(?:and\s+|yes,?\s+)?(?:i['’]ll\s+)?second(?:ed)?\b(?!\s+(?:item|half|point|thing|time|of|on)\b)[^?]*$",
    re.IGNORECASE,
)
_BY = r"\s+by\s+((?:[A-Z][\w'’-]*)(?:\s+[A-Z][\w'’-]*)?)"
_PROPOSED_BY = re.compile(r"\bproposed" + _BY)
_SECONDED_BY = re.compile(r"\bseconded" + _BY)
_CARRIED = re.compile(r"\b(?:carried|motion (?:is )?(?:passed|passes|agreed))\b", re.IGNORECASE)
_FELL = re.compile(
    r"\b(?:not carried|(?:motion|it|that) (?:falls|fell|is lost|was lost|is defeated|was defeated))\b",
    re.IGNORECASE,
)
_UNANIMOUS = re.compile(
    r"\bunanimous(?:ly)?\b|\bnem(?:ine)?\.? con\b|\bin favou?r\?\W*that['’]s everyone\b", re.I
)
_COUNTS = {  # how each count is said, as a statement ("six for") or as the chair's question and its answer
    "for": (
        rf"\b{_NUMBER} (?:votes? )?(?:for|in favou?r)\b",
        rf"\bin favou?r\?[\s.…]*(?:that['’]s )?{_NUMBER}\b",
    ),
    "against": (rf"\b{_NUMBER} against\b", rf"\bagainst\?[\s.…]*{_NUMBER}\b"),
    "abstention": (
        rf"\b{_NUMBER} abstentions?\b",
        rf"\babstentions?\?[\s.…]*{_NUMBER}\b",
    ),
}
_VOTING = re.compile(
    r"\b(?:in favou?r|against|abstain|abstention|carried|falls|fell|unanim|nem|motion|vote)", re.I
)
_ABSTAINING = re.compile(r"\bwith [A-Z][\w'’-]* abstaining\b")


@dataclass(frozen=True)
class Motion:
    proposer: str | None = None
    seconder: str | None = None
    vote: str | None = None


def fill(
    decisions: list[Decision], lines: list[Line], participants: list[str], params: DraftingParams
) -> None:
    """Set each decision's proposer, seconder and vote from its lines, where the meeting said them."""
    for decision in decisions:
        found = motion(decision, lines, participants, params)
        decision.proposer, decision.seconder, decision.vote = found.proposer, found.seconder, found.vote


def motion(decision: Decision, lines: list[Line], participants: list[str], params: DraftingParams) -> Motion:
    """The motion behind one decision, read from the lines around its evidence (empty without evidence)."""
    around = _around(decision, lines, params)
    return Motion(
        _person(around, _PROPOSES, _PROPOSED_BY, participants),
        _person(around, _SECONDS, _SECONDED_BY, participants),
        _vote(" ".join(line.text for line in around if _VOTING.search(line.text))),
    )


def _is_result(line: Line) -> bool:
    return any(p.search(line.text) for p in (_CARRIED, _FELL, _UNANIMOUS))


def _around(decision: Decision, lines: list[Line], params: DraftingParams) -> list[Line]:
    """The decision's evidence lines, with up to `motion_before` lines before it back to an earlier result, and
    after it up to the first result (none after it when no result follows within `motion_after` lines)."""
    hit = [
        i
        for i, line in enumerate(lines)
        if any(line.end > e.start and line.start < e.end for e in decision.evidence)
    ]
    if not hit:
        return []
    first, last = hit[0], hit[-1]
    while first > max(0, hit[0] - params.motion_before) and not _is_result(lines[first - 1]):
        first -= 1
    after = next(
        (i for i in range(last + 1, min(len(lines), last + 1 + params.motion_after)) if _is_result(lines[i])),
        last,
    )
    if any(_is_result(lines[i]) for i in hit):
        after = last
    return lines[first : after + 1]


def _person(
    around: list[Line], said: re.Pattern[str], named: re.Pattern[str], participants: list[str]
) -> str | None:
    """The last participant who said it themselves, or who was named as doing it ("proposed by X")."""
    found = None
    for line in around:
        if said.search(line.text):
            found = _participant(line.speaker, participants) or found
        for match in named.finditer(line.text):
            found = _participant(match[1], participants) or found
    return found


def _participant(name: str | None, participants: list[str]) -> str | None:
    """The participant's name as listed, for a full name or an unambiguous first name; None for anyone else."""
    if not name:
        return None
    wanted = name.strip().casefold()
    exact = [p for p in participants if p.casefold() == wanted]
    first = [p for p in participants if p.split()[0].casefold() == wanted.split()[0]]
    found = exact or (first if len(first) == 1 else [])
    return found[0] if found else None


def _count(text: str, key: str) -> int | None:
    for pattern in _COUNTS[key]:
        if said := re.search(pattern, text, re.IGNORECASE):
            word = said[1].lower()
            return int(word) if word.isdigit() else _WORDS.get(word, 0)
    if key == "abstention" and (abstaining := len(_ABSTAINING.findall(text))):
        return abstaining
    return None


def _vote(text: str) -> str | None:
    """The result as the minutes word it: "carried unanimously", "fell, 2 for, 3 against, 1 abstention"."""
    outcome = "fell" if _FELL.search(text) else "carried" if _CARRIED.search(text) else None
    if _UNANIMOUS.search(text) and outcome != "fell":
        return "carried unanimously"
    counts = [(n, key) for key in _COUNTS if (n := _count(text, key))]
    parts = [outcome] if outcome else []
    parts += [f"{n} {key}{'s' if key == 'abstention' and n > 1 else ''}" for n, key in counts]
    return ", ".join(parts) or None

"""Sensitive passages: flag them for human-only handling and keep them out of what the model summarises.

Detection is lexical and auditable: each kind has a list of cue patterns (acronyms such as SEND and DSL only in
capitals, so "send" does not fire), and a flag names the cue that fired.
A flagged passage is the cue line plus the same speaker's next lines (up to `DRAFTING.sensitive_follow`). Flags
carry the time range and the cue word, never the passage text. The same cues check the model's output (every
item, discussion points included).

A cue that names a role, a document, training or a whole group rather than a person's matter ("the SENCO", "the
SEN information report", "the safeguarding course", "students with SEND") is not a flag: withholding those lines
would hide ordinary business (who reports, who is trained, what policy is adopted) from the minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from minutes.core.types import Draft, Evidence, Flag
from minutes.drafting import grounding
from minutes.drafting.params import DRAFTING
from minutes.drafting.windows import Line

KINDS: dict[str, tuple[str, str]] = {
    "safeguarding": (
        "possible safeguarding or child-protection matter",
        (
            r"safeguarding|child protection|designated safeguarding lead|(?-i:\bDSL\b)|disclos(?:ed|ure|ing)|"
            r"abuse[ds]?|abusive|neglect(?:ed)?|self[- ]harm(?:ing)?|suicid\w*|\bat risk\b|bruis(?:e|es|ed|ing)|"
            r"social (?:worker|services|care)|(?-i:\bMASH\b|\bLADO\b|\bFGM\b)|radicali[sz]\w*|prevent referral|"
            r"grooming|exploitation|unsafe at home"
        ),
    ),
    "send": (
        "possible special educational needs of a named child",
        (
            r"(?-i:\bSENC?O?\b|\bSEND\b|\bEHCP\b|\bADHD\b|\bASD\b)|education,? health and care plan|special educational needs|"
            r"dyslexi\w*|dyspraxi\w*|autis\w*|learning difficult\w*|one[- ]to[- ]one support"
        ),
    ),
    "health": (
        "possible health information about a person",
        (
            r"diagnos\w*|medical|medication|illness|mental health|hospital\w*|sick (?:leave|note)|pregnan\w*|"
            r"cancer|depression|anxiety|occupational health|surgery|therapy|counsell?ing"
        ),
    ),
    "staffing": (
        "possible staff disciplinary, grievance or complaint",
        (
            r"disciplinary|grievance|capability (?:procedure|process|meeting)|suspend(?:ed|sion)|dismiss(?:al|ed)|"
            r"misconduct|formal warning|complain(?:t|ts|ed) (?:about|against)|tribunal|whistle-?blow\w*"
        ),
    ),
    "concern": (
        "a concern raised about a named person",
        (r"\b(?i:concern(?:ed|s)?|worried|worries) about (?:[A-Z][a-z]+|(?i:him|her|them|his|their))\b"),
    ),
}
PATTERNS = {
    kind: re.compile(rx, re.IGNORECASE if kind != "concern" else 0) for kind, (_, rx) in KINDS.items()
}
ROLES = re.compile(r"^(?:SENC?OS?|SENDCOS?)$", re.IGNORECASE)
BUSINESS_AFTER = re.compile(
    r"^\W{0,2}(?:information report|report|polic(?:y|ies)|course|training|register|department|team|budget|"
    r"provision|audit|update|funding|governor|lead|link)\b",
    re.IGNORECASE,
)
GROUP_BEFORE = re.compile(
    r"\b(?:students|pupils|children|learners|staff) (?:with|who have)\s+$", re.IGNORECASE
)


@dataclass
class Found:
    """The flags raised and the line numbers withheld from the model."""

    flags: list[Flag] = field(default_factory=list)
    withheld: set[int] = field(default_factory=set)


def cues(text: str) -> list[tuple[str, str]]:
    """(kind, matched words) for every sensitive cue in a text, except roles, documents, training and groups."""
    return [
        (kind, m.group(0))
        for kind, rx in PATTERNS.items()
        for m in rx.finditer(text)
        if not (
            ROLES.match(m.group(0))
            or BUSINESS_AFTER.match(text[m.end() : m.end() + 30])
            or GROUP_BEFORE.search(text[max(0, m.start() - 30) : m.start()])
        )
    ]


def detect(lines: list[Line]) -> Found:
    """Flag every passage with a sensitive cue and withhold its lines from the model."""
    found = Found()
    for i, line in enumerate(lines):
        hits = cues(line.text)
        if not hits:
            continue
        passage = [line]
        for nxt in lines[i + 1 : i + 1 + DRAFTING.sensitive_follow]:
            if nxt.speaker != line.speaker:
                break
            passage.append(nxt)
        found.withheld.update(p.number for p in passage)
        for kind in dict.fromkeys(k for k, _ in hits):
            words = sorted({w.lower() for k, w in hits if k == kind})
            reason = (
                f"{KINDS[kind][0]} (cue: {', '.join(words)}; line {line.number}); "
                "for human-only handling, not summarised"
            )
            evidence = [Evidence(passage[0].start, passage[-1].end, "")]
            found.flags.append(Flag(kind, reason, evidence))
    return found


def private_words(lines: list[Line], withheld: set[int], names: list[str]) -> set[str]:
    """Words (names included) said only in withheld passages; participants' own names are not private."""
    private = set().union(*(grounding.folded_words(x.text) for x in lines if x.number in withheld))
    public = set().union(*(grounding.folded_words(x.text) for x in lines if x.number not in withheld))
    return private - public - {w for n in names for w in grounding.folded_words(n)}


def touches_private(text: str, private: set[str]) -> bool:
    return bool(cues(text)) or bool(grounding.folded_words(text) & private)


def withhold_sensitive_items(draft: Draft, private: set[str]) -> None:
    for items, attr in ((draft.decisions, "text"), (draft.actions, "task"), (draft.points, "text")):
        for item in list(items):
            if touches_private(getattr(item, attr), private):
                items.remove(item)
                draft.notes.append(
                    "an item touching a flagged sensitive passage was withheld for human handling"
                )

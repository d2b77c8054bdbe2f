"""Participants and their roles, so that an owner named by role ("the head will ...") is resolved to a person.

A role comes from the participant list ("Helen:headteacher", as `meeting participant add --role` stores it) or,
failing that, from the meeting's round of introductions: a speaker's own line that starts with their name and
then gives a short role after a comma ("Helen Ashworth, headteacher." / "I'm Yasmin Hussain, governor, ...").
The model sees each participant as "Name (role)" and picks owners from exactly those labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.drafting.windows import Line

INTRO = r"^(?:(?:hi|hello|yes|so),?\s+)?(?:i['’]m\s+|i am\s+|my name is\s+|it['’]s\s+)?{name}(?:\s+[A-Z][\w'’-]+)?\s*,\s*"
NOT_A_ROLE = frozenset(
    "can could will would do did please thanks thank yes no i we you it that this so just what "
    "how are is".split()
)
ROLE = re.compile(r"(?:i['’]m\s+)?(?:the\s+|a\s+|an\s+)?(?P<role>[^.,;:!?]+)")


@dataclass(frozen=True)
class Attendee:
    name: str
    role: str | None = None

    @property
    def label(self) -> str:
        """How the model sees and names them."""
        return f"{self.name} ({self.role})" if self.role else self.name


def parse(entries: list[str]) -> list[Attendee]:
    """'Name' or 'Name:role' entries (blank ones skipped)."""
    people = []
    for entry in entries:
        name, _, role = entry.partition(":")
        if name.strip():
            people.append(Attendee(" ".join(name.split()), " ".join(role.split()) or None))
    return people


def introduced_role(line: Line, name: str, params: DraftingParams = DRAFTING) -> str | None:
    """The role a speaker gives for themselves in an introduction line, or None."""
    if not line.speaker or line.speaker.split()[0].lower() != name.split()[0].lower():
        return None
    intro = re.compile(INTRO.format(name=re.escape(name.split()[0])), re.IGNORECASE)
    for sentence in re.split(r"(?<=[.?!])\s+", line.text):
        if (m := intro.match(sentence)) and (role := ROLE.match(sentence[m.end() :])):
            words = role["role"].split()
            if 0 < len(words) <= params.max_role_words and words[0].lower() not in NOT_A_ROLE:
                return " ".join(words)
    return None


def with_roles(
    people: list[Attendee], lines: list[Line], params: DraftingParams = DRAFTING
) -> list[Attendee]:
    """Fill in roles not given from introductions in the first `intro_lines` lines."""
    out = []
    for person in people:
        role = person.role
        for line in lines[: params.intro_lines]:
            if role:
                break
            role = introduced_role(line, person.name, params)
        out.append(Attendee(person.name, role))
    return out


def resolve(label: str, people: list[Attendee]) -> str | None:
    """The participant's name for a label the model chose ("Helen (headteacher)" or "Helen"), or None."""
    wanted = label.strip().lower()
    for person in people:
        if wanted in (person.label.lower(), person.name.lower()):
            return person.name
    return None

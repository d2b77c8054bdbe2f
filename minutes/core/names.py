"""A typed name matched to a meeting's participants. A near miss ("Zoe OBrien" for "Zoë O'Brien") gets a
suggestion, never a silent match: the consent ledger and the minutes must name the person exactly."""

from __future__ import annotations

import unicodedata

from rapidfuzz import fuzz, process
from sqlmodel import Session

from minutes.consent.errors import ConsentInputError
from minutes.consent.meetings import find_participant, participants_of, withdrawn_label
from minutes.consent.text import name_key
from minutes.db import Participant
from minutes.errors import NotFoundError

SIMILAR = 80  # rapidfuzz ratio (0-100) on the plain forms; "Zoe OBrien" against "Zoë O'Brien" scores 100


def plain(name: str) -> str:
    """A name as typed on a keyboard without accents or punctuation: case, accents, punctuation and spacing
    dropped."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def closest(name: str, candidates: list[str]) -> str | None:
    """The candidate most like `name` on the plain forms, when it is similar enough to suggest."""
    best = process.extractOne(
        plain(name), {c: plain(c) for c in candidates}, scorer=fuzz.ratio, score_cutoff=SIMILAR
    )
    return best[2] if best else None


def participant(s: Session, meeting_id: int, name: str) -> Participant:
    """The participant `name` (or id) names; NotFoundError suggesting the closest name when none matches."""
    name_key(name)  # a malformed name is a usage error, not a miss
    try:
        return find_participant(s, meeting_id, name)
    except ConsentInputError:
        people = participants_of(s, meeting_id)
        guess = closest(name, [p.name for p in people])
        withdrawn = [p.name for p in people if p.id is not None and p.name == withdrawn_label(p.id)]
        raise NotFoundError(
            f"meeting {meeting_id} has no participant {name.strip()!r}",
            f"did you mean '{guess}'?"
            if guess
            else f"participants who withdrew consent are listed by number ({', '.join(withdrawn)}); "
            f"see `minutes meeting show {meeting_id}`"
            if withdrawn
            else f"see `minutes meeting show {meeting_id}`",
        ) from None

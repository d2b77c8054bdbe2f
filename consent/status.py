"""Where each participant stands on each scope of one meeting: the rules the gate applies.

For one participant and one scope:
1. If there is any meeting-level record, the latest one (by record id, i.e. the order they were written) decides:
   given, refused or withdrawn. A meeting-level decision always takes precedence over standing consent.
2. Otherwise, if the participant is linked to a Person, the latest standing record whose window
   [valid_from, valid_until] contains the meeting's date decides (an open end counts as unbounded). A standing
   `given` is `expired` once the day of the check (`on`, default today) is after valid_until, so a meeting
   processed after the window closed needs meeting-level consent.
3. Otherwise the state is `expired` if a standing `given` for that person ended before the meeting's date,
   and `missing` if not.
Only `given` lets a stage run. A participant who sent apologies or is absent is listed but not recorded: the gate
asks nothing of them (`needs_consent`), and asks again as soon as they are marked present.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session, col, select

from minutes.consent.meetings import get_meeting, participants_of
from minutes.db import ConsentRecord, Scope
from minutes.db.ids import stored_id
from minutes.db.meeting import NOT_RECORDED

SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)


class State(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    MISSING = "missing"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Cell:
    """One participant's standing on one scope, and the record it comes from (None when missing)."""

    state: State
    source: str | None = None  # "meeting" or "standing"
    record_id: int | None = None
    method: str | None = None
    recorded_at: dt.datetime | None = None
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class ParticipantStatus:
    participant_id: int
    name: str
    role: str | None
    person_id: int | None
    scopes: dict[str, Cell] = field(default_factory=dict)
    attendance: str = "present"

    @property
    def needs_consent(self) -> bool:
        """In the room (present or in attendance), so in the recording: the gate needs their consent."""
        return self.attendance not in NOT_RECORDED


@dataclass(frozen=True)
class ConsentStatus:
    meeting_id: int
    title: str
    date: dt.date
    on: dt.date
    participants: list[ParticipantStatus]

    @property
    def recorded(self) -> list[ParticipantStatus]:
        """The participants whose consent the gate needs: those present or in attendance."""
        return [p for p in self.participants if p.needs_consent]

    def holders(self, scope: str) -> bool:
        """True when someone is present and every participant present has given `scope`."""
        return bool(self.recorded) and all(p.scopes[scope].state == State.GIVEN for p in self.recorded)


def _covers(rec: ConsentRecord, day: dt.date) -> bool:
    return (rec.valid_from is None or rec.valid_from <= day) and (
        rec.valid_until is None or day <= rec.valid_until
    )


def _cell(rec: ConsentRecord, source: str, state: State | None = None) -> Cell:
    return Cell(state or State(rec.decision), source, rec.id, rec.method, rec.recorded_at, rec.valid_until)


def resolve(
    meeting_records: Sequence[ConsentRecord],
    standing_records: Sequence[ConsentRecord],
    meeting_date: dt.date,
    on: dt.date,
) -> Cell:
    """Apply the rules above to one participant's records for one scope."""
    if meeting_records:
        return _cell(max(meeting_records, key=stored_id), "meeting")
    covering = [r for r in standing_records if _covers(r, meeting_date)]
    if covering:
        last = max(covering, key=stored_id)
        lapsed = last.decision == State.GIVEN and last.valid_until is not None and on > last.valid_until
        return _cell(last, "standing", State.EXPIRED if lapsed else None)
    ended = [
        r
        for r in standing_records
        if r.decision == State.GIVEN and r.valid_until is not None and r.valid_until < meeting_date
    ]
    if ended:
        return _cell(max(ended, key=stored_id), "standing", State.EXPIRED)
    return Cell(State.MISSING)


def consent_status(session: Session, meeting: int | str, on: dt.date | None = None) -> ConsentStatus:
    """Every current participant x every scope, as of day `on` (default: today)."""
    row = get_meeting(session, meeting)
    mid = stored_id(row)
    on = on or dt.date.today()
    parts = participants_of(session, mid)
    own = list(
        session.exec(
            select(ConsentRecord).where(
                ConsentRecord.meeting_id == mid, col(ConsentRecord.participant_id).is_not(None)
            )
        )
    )
    person_ids = {p.person_id for p in parts if p.person_id is not None}
    standing = (
        list(
            session.exec(
                select(ConsentRecord).where(
                    col(ConsentRecord.person_id).in_(person_ids), col(ConsentRecord.participant_id).is_(None)
                )
            )
        )
        if person_ids
        else []
    )
    out = []
    for p in parts:
        cells = {
            scope: resolve(
                [r for r in own if r.participant_id == p.id and r.scope == scope],
                [r for r in standing if r.person_id == p.person_id and r.scope == scope]
                if p.person_id is not None
                else [],
                row.date,
                on,
            )
            for scope in SCOPES
        }
        out.append(ParticipantStatus(stored_id(p), p.name, p.role, p.person_id, cells, p.attendance))
    return ConsentStatus(mid, row.title, row.date, on, out)

"""Meetings and participants as the consent ledger and the gate read them: finding a meeting (and taking its
lock), its participants, a person, and whether its minutes are released. Creating and listing meetings, people
and participants is `minutes.records.meetings`; the text rules are `minutes.consent.text`.

A participant's attendance (present, in-attendance, apologies, absent) is kept apart from consent: only people in
the room (present, in-attendance) are recorded, so only they need consent (see `gate`).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from minutes.consent.errors import ConsentError, ConsentInputError
from minutes.consent.text import as_id, name_key, parse_id
from minutes.db import DraftRow, DraftStatus, Meeting, Participant, Person
from minutes.db.meeting import ATTENDANCE


def withdrawn_label(participant_id: int) -> str:
    """What a withdrawn participant's row shows for a name: their id, nothing that identifies them."""
    return f"Withdrawn participant {participant_id}"


def parse_attendance(value: str) -> str:
    """`value` as one of ATTENDANCE (case and `_` for `-` forgiven), else a one-line ConsentInputError."""
    text = (value or "").strip().lower().replace("_", "-")
    if text not in ATTENDANCE:
        raise ConsentInputError(f"attendance {value!r} is not one of {', '.join(ATTENDANCE)}")
    return text


def get_meeting(session: Session, meeting: int | str) -> Meeting:
    mid = parse_id(meeting, "meeting id")
    row = session.get(Meeting, mid)
    if row is None:
        raise ConsentInputError(f"no meeting {mid} (see `minutes meeting list`)")
    return row


def lock_meeting(session: Session, meeting: int | str) -> Meeting:
    """Take the meeting's lock for the rest of the transaction; every write that changes what the gate sees
    takes it first, and so does `gate.begin_stage`, so a check and a consent change never interleave.

    On SQLite the no-op UPDATE takes the database write lock before anything is read; elsewhere the row is
    locked with SELECT ... FOR UPDATE."""
    mid = parse_id(meeting, "meeting id")
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Meeting).where(col(Meeting.id) == mid).values(title=Meeting.title))
    row = session.exec(
        select(Meeting).where(Meeting.id == mid).with_for_update().execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise ConsentInputError(f"no meeting {mid} (see `minutes meeting list`)")
    return row


def released_draft(session: Session, meeting_id: int) -> int | None:
    """The meeting's released draft, if any: its minutes were filed, and with them who was there and the agenda,
    so those are kept as they are (the release's hash covers them)."""
    return session.exec(
        select(DraftRow.id).where(DraftRow.meeting_id == meeting_id, DraftRow.status == DraftStatus.RELEASED)
    ).first()


def require_unreleased(session: Session, meeting_id: int, what: str) -> None:
    """ConsentError once the meeting's minutes are released: `what` (a change to who was there) is refused."""
    if (draft := released_draft(session, meeting_id)) is not None:
        raise ConsentError(f"meeting {meeting_id} has released minutes (draft {draft}); {what}")


def participants_of(session: Session, meeting_id: int) -> list[Participant]:
    return list(
        session.exec(
            select(Participant).where(Participant.meeting_id == meeting_id).order_by(col(Participant.id))
        )
    )


def find_participant(session: Session, meeting_id: int, ref: str | int) -> Participant:
    """A participant of the meeting by name (compared as `name_key`) or, failing that, by id."""
    text = str(ref)
    row = session.exec(
        select(Participant).where(
            Participant.meeting_id == meeting_id, Participant.name_key == name_key(text)
        )
    ).first()
    if row is None and as_id(text) is not None:
        row = session.get(Participant, as_id(text))
        row = row if row is not None and row.meeting_id == meeting_id else None
    if row is None:
        raise ConsentInputError(
            f"meeting {meeting_id} has no participant {text.strip()!r} "
            f"(see `minutes meeting show {meeting_id}`)"
        )
    return row


def find_person(session: Session, ref: str | int) -> Person:
    """A Person by id or by name (compared as `name_key`)."""
    text = str(ref).strip()
    row = session.exec(select(Person).where(Person.name_key == name_key(text))).first()
    if row is None and as_id(text) is not None:
        row = session.get(Person, as_id(text))
    if row is None:
        raise ConsentInputError(f"no person {text!r} (see `minutes person list`)")
    return row

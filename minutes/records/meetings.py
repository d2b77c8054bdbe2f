"""Meetings, their participants, and people known across meetings: creating, changing and listing them, each
change audited in the caller's transaction. Names and titles are cleaned by `minutes.consent.text`; the lookups
the consent ledger needs (and the meeting lock) are `minutes.consent.meetings`.

A participant is linked to a Person (for standing consent) by `person=` (an id or a name); without it, a
participant whose name matches a known Person is linked to that Person automatically. Adding someone who is in
the room closes the gate until they consent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from minutes.consent.attendance import on_record
from minutes.consent.errors import ConsentError, ConsentInputError
from minutes.consent.hooks import fire_gate_closed
from minutes.consent.meetings import (
    find_participant,
    find_person,
    get_meeting,
    lock_meeting,
    parse_attendance,
    participants_of,
    require_unreleased,
)
from minutes.consent.text import MAX_NAME, MAX_ROLE, MAX_TITLE, clean_text, name_key
from minutes.dates import parse_date
from minutes.db import Meeting, Participant, Person, Recording
from minutes.db.audit import append_event
from minutes.db.ids import stored_id
from minutes.db.meeting import NOT_RECORDED


@dataclass(frozen=True)
class ParticipantInfo:
    id: int
    name: str
    role: str | None
    person_id: int | None
    person: str | None
    attendance: str
    apologies_accepted: bool | None = None


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    title: str
    date: dt.date
    participants: list[ParticipantInfo]
    recordings: int


@dataclass(frozen=True)
class PersonInfo:
    id: int
    name: str
    role: str | None
    meetings: int


def parse_participant_spec(spec: str) -> tuple[str, str | None]:
    """`"Name[:role]"` -> (name, role). The role follows the last colon."""
    name, sep, role = spec.rpartition(":") if ":" in spec else (spec, "", "")
    return clean_text(name, "participant name", MAX_NAME), (
        clean_text(role, "role", MAX_ROLE) if sep else None
    )


def create_meeting(
    session: Session,
    title: str,
    date: str | dt.date,
    participants: Sequence[str] = (),
    actor: str = "minutes",
) -> Meeting:
    """A new meeting with its participants (`"Name[:role]"` each), all in the caller's transaction."""
    meeting = Meeting(
        title=clean_text(title, "meeting title", MAX_TITLE), date=parse_date(date, "meeting date")
    )
    specs = [parse_participant_spec(p) for p in participants]
    session.add(meeting)
    session.flush()
    append_event(session, "meeting.created", actor, meeting.id)
    for name, role in specs:
        add_participant(session, stored_id(meeting), name, role=role, actor=actor)
    return meeting


def add_participant(
    session: Session,
    meeting: int | str,
    name: str,
    role: str | None = None,
    person: str | int | None = None,
    actor: str = "minutes",
    attendance: str = "present",
) -> Participant:
    """Add a participant; refuses a name already in the meeting. Links to `person` (id or name) if given,
    else to the Person of the same name if there is one. A new participant who is present or in attendance
    blocks the gate until they consent; one who sent apologies or is absent does not (they are not recorded)."""
    name = clean_text(name, "participant name", MAX_NAME)
    attendance = parse_attendance(attendance)
    role = clean_text(role, "role", MAX_ROLE) if role is not None else None
    linked = (
        find_person(session, person)
        if person is not None
        else session.exec(select(Person).where(Person.name_key == name_key(name))).first()
    )
    mid = stored_id(lock_meeting(session, meeting))
    require_unreleased(session, mid, "its participants are kept as filed")
    if session.exec(
        select(Participant).where(Participant.meeting_id == mid, Participant.name_key == name_key(name))
    ).first():
        raise ConsentInputError(f"meeting {mid} already has a participant named {name!r}")
    part = Participant(
        meeting_id=mid,
        name=name,
        name_key=name_key(name),
        role=role,
        person_id=linked.id if linked else None,
        attendance=attendance,
    )
    session.add(part)
    session.flush()
    append_event(
        session,
        "participant.added",
        actor,
        mid,
        subject={"participant_id": part.id, "person_id": part.person_id, "attendance": attendance},
    )
    if attendance not in NOT_RECORDED:
        fire_gate_closed(session, mid)
    return part


def remove_participant(
    session: Session, meeting: int | str, ref: str | int, actor: str = "minutes"
) -> Participant:
    """Remove a participant added by mistake (a typo, or someone who was not there), before anything happened.

    Refused once they have any consent on record (the ledger is never edited: withdraw instead) or once the
    meeting has a recording (processing went ahead with them listed). Removing them can unblock the gate."""
    mid = stored_id(lock_meeting(session, meeting))
    require_unreleased(session, mid, "its participants are kept as filed")
    part = find_participant(session, mid, ref)
    record = on_record(session, mid, part)
    if record.consent_records:
        raise ConsentError(
            f"{part.name} has {record.consent_records} consent record(s) in meeting {mid}; the ledger is kept: "
            f"use `minutes consent withdraw {mid} {part.name!r}` instead"
        )
    if record.recorded:
        raise ConsentError(
            f"meeting {mid} already has a recording processed with {part.name} listed; "
            "participants can no longer be removed"
        )
    session.delete(part)
    session.flush()
    append_event(
        session,
        "participant.removed",
        actor,
        mid,
        subject={"participant_id": part.id, "person_id": part.person_id},
    )
    return part


def add_person(session: Session, name: str, role: str | None = None, actor: str = "minutes") -> Person:
    name = clean_text(name, "person name", MAX_NAME)
    role = clean_text(role, "role", MAX_ROLE) if role is not None else None
    if session.exec(select(Person).where(Person.name_key == name_key(name))).first():
        raise ConsentInputError(f"a person named {name!r} already exists")
    person = Person(name=name, name_key=name_key(name), role=role)
    session.add(person)
    session.flush()
    append_event(session, "person.added", actor, subject={"person_id": person.id})
    return person


def list_persons(session: Session) -> list[PersonInfo]:
    counts = dict(
        session.exec(
            select(Participant.person_id, func.count())
            .where(col(Participant.person_id).is_not(None))
            .group_by(col(Participant.person_id))
        ).all()
    )
    return [
        PersonInfo(stored_id(p), p.name, p.role, counts.get(p.id, 0))
        for p in session.exec(select(Person).order_by(Person.name_key))
    ]


def list_meetings(session: Session) -> list[MeetingInfo]:
    return [
        show_meeting(session, stored_id(m))
        for m in session.exec(select(Meeting).order_by(col(Meeting.date), col(Meeting.id)))
    ]


def show_meeting(session: Session, meeting: int | str) -> MeetingInfo:
    row = get_meeting(session, meeting)
    mid = stored_id(row)
    people = {
        p.id: p.name
        for p in session.exec(
            select(Person)
            .join(Participant, col(Participant.person_id) == col(Person.id))
            .where(Participant.meeting_id == mid)
        )
    }
    parts = [
        ParticipantInfo(
            stored_id(p),
            p.name,
            p.role,
            p.person_id,
            people.get(p.person_id),
            p.attendance,
            p.apologies_accepted,
        )
        for p in participants_of(session, mid)
    ]
    recordings = session.exec(
        select(func.count()).select_from(Recording).where(Recording.meeting_id == mid)
    ).one()
    return MeetingInfo(mid, row.title, row.date, parts, recordings)

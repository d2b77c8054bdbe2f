"""Meetings, their participants, and people known across meetings.

Names are cleaned the same way everywhere: Unicode NFC, invisible characters dropped (zero-width spaces and
joiners, soft hyphens, byte-order marks: Unicode's default-ignorable code points), fillers drawn as blanks (Hangul
fillers, the blank braille pattern) read as spaces, runs of whitespace collapsed to one space, trimmed. A zero-width
(non-)joiner is kept only between letters of a script that uses it (Persian, Hindi, ...). Control characters, line
breaks, bidirectional overrides, names with nothing visible and names over 200 characters are refused. Two names are
the same when they match after case-folding with every invisible character dropped (`name_key`), so "tom  SMITH"
duplicates "Tom Smith" and "T\u00adom" duplicates "Tom".

A participant's attendance (present, in-attendance, apologies, absent) is kept apart from consent: only people in
the room (present, in-attendance) are recorded, so only they need consent (see `gate`).

A participant is linked to a Person (for standing consent) by `person=` (an id or a name); without it, a
participant whose name matches a known Person is linked to that Person automatically.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import regex
from sqlalchemy import func, update
from sqlmodel import Session, select

from minutes.consent.errors import ConsentError, ConsentInputError
from minutes.consent.hooks import fire_gate_closed
from minutes.dates import parse_date
from minutes.db import ConsentRecord, Draft, DraftStatus, Meeting, Participant, Person, Recording
from minutes.db.audit import append_event
from minutes.db.meeting import ATTENDANCE, NOT_RECORDED

MAX_NAME, MAX_ROLE, MAX_TITLE = 200, 100, 300
MAX_ID = 2**63 - 1  # the largest id SQLite and PostgreSQL (bigint) can store; a bigger one cannot exist
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_BAD_CATEGORIES = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}
_BLANKS = regex.compile(r"[\u115F\u1160\u3164\uFFA0\u2800]")  # drawn as an empty cell: a space
_JOINERS = "\u200c\u200d"
_INVISIBLE = regex.compile(  # default-ignorables, except joiners between letters of a script that joins
    rf"(?V1)[\p{{Default_Ignorable_Code_Point}}--[{_JOINERS}]]"
    rf"|(?<![\p{{L}}\p{{M}}--[\p{{Latin}}\p{{Greek}}\p{{Cyrillic}}]])[{_JOINERS}]|[{_JOINERS}](?![\p{{L}}\p{{M}}])"
)
_ALL_INVISIBLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")


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


def _visible(text: str, invisible: regex.Pattern) -> str:
    """NFC, blanks as spaces, `invisible` dropped, whitespace collapsed (NFC again: a drop can join marks)."""
    text = invisible.sub("", _BLANKS.sub(" ", unicodedata.normalize("NFC", text)))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _hidden(ch: str) -> bool:
    return ch in _BIDI or unicodedata.category(ch) in _BAD_CATEGORIES


def refuse_controls(value: str, what: str) -> str:
    """`value` unchanged, or a one-line ConsentInputError if it holds control characters (a line break, an
    escape code) or bidirectional overrides: text that is printed on a terminal or into Markdown, such as an
    item of the minutes or a reviewer's name, takes the same characters as names and titles."""
    if any(_hidden(ch) for ch in value or ""):
        raise ConsentInputError(f"{what} contains control or invisible formatting characters")
    return value


def without_controls(value: str) -> str:
    """`value` with control characters and bidirectional overrides dropped (a file's name, kept as a label)."""
    return "".join(ch for ch in value if not _hidden(ch))


def clean_text(value: str, what: str, max_len: int) -> str:
    """The value normalised (see the module docstring), or a one-line ConsentInputError saying what is wrong."""
    raw = refuse_controls(unicodedata.normalize("NFC", value or ""), what)
    text = _visible(raw, _INVISIBLE)
    if not text:
        raise ConsentInputError(f"{what} has no visible characters" if raw.strip() else f"{what} is empty")
    if len(text) > max_len:
        raise ConsentInputError(f"{what} is too long ({len(text)} characters; at most {max_len})")
    return text


def name_key(name: str) -> str:
    """The form two names are compared in: cleaned, every invisible character dropped, case-folded."""
    return _visible(name, _ALL_INVISIBLE).casefold()


def withdrawn_label(participant_id: int) -> str:
    """What a withdrawn participant's row shows for a name: their id, nothing that identifies them."""
    return f"Withdrawn participant {participant_id}"


def as_id(value: str | int) -> int | None:
    """The id written in `value` (ASCII digits, 1 to MAX_ID), else None. Checked here, not by the database
    driver, which overflows on a bigger number."""
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)) and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None


def parse_id(value: str | int, what: str) -> int:
    number = as_id(value)
    if number is None:
        text = str(value).strip()
        shown = text if len(text) <= 30 else text[:30] + "..."
        raise ConsentInputError(f"{what} must be a number from 1 to {MAX_ID}, got {shown!r}")
    return number


def parse_attendance(value: str) -> str:
    """`value` as one of ATTENDANCE (case and `_` for `-` forgiven), else a one-line ConsentInputError."""
    text = (value or "").strip().lower().replace("_", "-")
    if text not in ATTENDANCE:
        raise ConsentInputError(f"attendance {value!r} is not one of {', '.join(ATTENDANCE)}")
    return text


def parse_participant_spec(spec: str) -> tuple[str, str | None]:
    """`"Name[:role]"` -> (name, role). The role follows the last colon."""
    name, sep, role = spec.rpartition(":") if ":" in spec else (spec, "", "")
    return clean_text(name, "participant name", MAX_NAME), (
        clean_text(role, "role", MAX_ROLE) if sep else None
    )


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
        session.execute(update(Meeting).where(Meeting.id == mid).values(title=Meeting.title))
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
        select(Draft.id).where(Draft.meeting_id == meeting_id, Draft.status == DraftStatus.RELEASED)
    ).first()


def require_unreleased(session: Session, meeting_id: int, what: str) -> None:
    """ConsentError once the meeting's minutes are released: `what` (a change to who was there) is refused."""
    if (draft := released_draft(session, meeting_id)) is not None:
        raise ConsentError(f"meeting {meeting_id} has released minutes (draft {draft}); {what}")


def participants_of(session: Session, meeting_id: int) -> list[Participant]:
    return list(
        session.exec(select(Participant).where(Participant.meeting_id == meeting_id).order_by(Participant.id))
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
        add_participant(session, meeting.id, name, role=role, actor=actor)
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
    row = lock_meeting(session, meeting)
    require_unreleased(session, row.id, "its participants are kept as filed")
    if session.exec(
        select(Participant).where(Participant.meeting_id == row.id, Participant.name_key == name_key(name))
    ).first():
        raise ConsentInputError(f"meeting {row.id} already has a participant named {name!r}")
    part = Participant(
        meeting_id=row.id,
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
        row.id,
        subject={"participant_id": part.id, "person_id": part.person_id, "attendance": attendance},
    )
    if attendance not in NOT_RECORDED:
        fire_gate_closed(session, row.id)
    return part


def remove_participant(
    session: Session, meeting: int | str, ref: str | int, actor: str = "minutes"
) -> Participant:
    """Remove a participant added by mistake (a typo, or someone who was not there), before anything happened.

    Refused once they have any consent on record (the ledger is never edited: withdraw instead) or once the
    meeting has a recording (processing went ahead with them listed). Removing them can unblock the gate."""
    row = lock_meeting(session, meeting)
    require_unreleased(session, row.id, "its participants are kept as filed")
    part = find_participant(session, row.id, ref)
    records = session.exec(
        select(func.count()).select_from(ConsentRecord).where(ConsentRecord.participant_id == part.id)
    ).one()
    if records:
        raise ConsentError(
            f"{part.name} has {records} consent record(s) in meeting {row.id}; the ledger is kept: "
            f"use `minutes consent withdraw {row.id} {part.name!r}` instead"
        )
    if session.exec(select(Recording.id).where(Recording.meeting_id == row.id)).first() is not None:
        raise ConsentError(
            f"meeting {row.id} already has a recording processed with {part.name} listed; "
            "participants can no longer be removed"
        )
    session.delete(part)
    session.flush()
    append_event(
        session,
        "participant.removed",
        actor,
        row.id,
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
            .where(Participant.person_id.is_not(None))
            .group_by(Participant.person_id)
        ).all()
    )
    return [
        PersonInfo(p.id, p.name, p.role, counts.get(p.id, 0))
        for p in session.exec(select(Person).order_by(Person.name_key))
    ]


def list_meetings(session: Session) -> list[MeetingInfo]:
    return [
        show_meeting(session, m.id) for m in session.exec(select(Meeting).order_by(Meeting.date, Meeting.id))
    ]


def show_meeting(session: Session, meeting: int | str) -> MeetingInfo:
    row = get_meeting(session, meeting)
    people = {
        p.id: p.name
        for p in session.exec(
            select(Person)
            .join(Participant, Participant.person_id == Person.id)
            .where(Participant.meeting_id == row.id)
        )
    }
    parts = [
        ParticipantInfo(
            p.id, p.name, p.role, p.person_id, people.get(p.person_id), p.attendance, p.apologies_accepted
        )
        for p in participants_of(session, row.id)
    ]
    recordings = session.exec(
        select(func.count()).select_from(Recording).where(Recording.meeting_id == row.id)
    ).one()
    return MeetingInfo(row.id, row.title, row.date, parts, recordings)

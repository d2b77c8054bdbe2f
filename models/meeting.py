"""Meetings, the people in them, and people known across meetings (for standing consent)."""

import datetime as dt

from sqlmodel import CheckConstraint, Field, Relationship, SQLModel, UniqueConstraint

from minutes.db.base import utcnow

ATTENDANCE: tuple[str, ...] = ("present", "in-attendance", "apologies", "absent")
NOT_RECORDED: tuple[str, ...] = ("apologies", "absent")  # not in the room: not recorded, so no consent needed


class Person(SQLModel, table=True):
    """Someone known across meetings (a member of staff, a governor), who can hold standing consent.

    `name_key` is the name case-folded with whitespace collapsed: two people cannot differ only in case or spacing.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, min_length=1, max_length=200)
    name_key: str = Field(index=True, unique=True, max_length=200)
    role: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(min_length=1, max_length=300)
    date: dt.date
    created_at: dt.datetime = Field(default_factory=utcnow)
    body_id: int | None = Field(default=None, foreign_key="body.id", index=True)  # its series (models.series)

    participants: list["Participant"] = Relationship(back_populates="meeting")


class Participant(SQLModel, table=True):
    """A person in one meeting. `person_id` links them to a Person so that standing consent can apply.

    Names are unique within a meeting by `name_key` (case-folded, whitespace collapsed).
    """

    __table_args__ = (
        UniqueConstraint("meeting_id", "name_key", name="uq_participant_name_key"),
        CheckConstraint(
            "attendance IN ('present', 'in-attendance', 'apologies', 'absent')",
            name="ck_participant_attendance",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    name: str = Field(min_length=1, max_length=200)
    name_key: str = Field(max_length=200)
    role: str | None = Field(default=None, max_length=100)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    attendance: str = Field(default="present", max_length=20)  # one of ATTENDANCE
    apologies_accepted: bool | None = None  # with apologies: did the meeting accept them (None: not recorded)
    added_at: dt.datetime = Field(default_factory=utcnow)

    meeting: "Meeting" = Relationship(back_populates="participants")


class AgendaItem(SQLModel, table=True):
    """One numbered item of a meeting's agenda, as the clerk wrote it; `number` runs 1, 2, 3 in order."""

    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_agenda_item_number"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    number: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=300)

"""A meeting's agenda: read from the clerk's numbered list, stored on the meeting, and used to place the minutes.

An agenda file is one item per line, numbered 1, 2, 3 in order ("1. Apologies", "2) Minutes of the last meeting");
blank lines are skipped. Anything else is refused with the line it is on, and nothing is stored. The agenda can be
replaced until the meeting's minutes are released; after that the released record is what was filed.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, delete, select

from minutes.consent.meetings import MAX_TITLE, clean_text, lock_meeting
from minutes.db import AgendaItem, Draft, DraftStatus
from minutes.db.audit import append_event
from minutes.errors import StateError, UsageError

MAX_ITEMS, MAX_BYTES = 100, 64_000
_ITEM = re.compile(r"\s*(\d{1,3})\s*[.)]?\s+(\S.*)")


def parse_agenda(text: str) -> list[str]:
    """The item titles, in order, from a numbered list; a one-line UsageError naming the first bad line."""
    titles: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _ITEM.fullmatch(line)
        want = len(titles) + 1
        if match is None:
            raise UsageError(f"agenda line {lineno} is not a numbered item: {line.strip()[:60]!r}")
        if int(match[1]) != want:
            raise UsageError(
                f"agenda line {lineno} is numbered {match[1]}, expected {want} (number items 1, 2, 3)"
            )
        titles.append(clean_text(match[2], f"agenda item {want}", MAX_TITLE))
    if not titles:
        raise UsageError("the agenda has no items (one numbered item per line, e.g. '1. Apologies')")
    if len(titles) > MAX_ITEMS:
        raise UsageError(f"the agenda has {len(titles)} items; at most {MAX_ITEMS}")
    return titles


def read_agenda(path: Path) -> list[str]:
    """parse_agenda of a UTF-8 text file; unreadable, oversized or non-UTF-8 files are one-line UsageErrors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read agenda {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"agenda {path} is {len(data)} bytes; a numbered list is at most {MAX_BYTES}")
    try:
        return parse_agenda(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError(f"agenda {path} is not UTF-8 text") from None


def set_agenda(session: Session, meeting: int | str, titles: list[str], actor: str) -> list[AgendaItem]:
    """Replace the meeting's agenda, audited, in the caller's transaction; refused once minutes are released."""
    row = lock_meeting(session, meeting)
    released = session.exec(
        select(Draft.id).where(Draft.meeting_id == row.id, Draft.status == DraftStatus.RELEASED)
    ).first()
    if released is not None:
        raise StateError(
            f"meeting {row.id} has released minutes (draft {released}); its agenda is kept as filed"
        )
    session.execute(delete(AgendaItem).where(AgendaItem.meeting_id == row.id))
    items = [AgendaItem(meeting_id=row.id, number=i, title=t) for i, t in enumerate(titles, 1)]
    session.add_all(items)
    session.flush()
    append_event(session, "meeting.agenda", actor, row.id, subject={"items": len(items)})
    return items


def agenda_of(session: Session, meeting_id: int) -> list[str]:
    """The meeting's agenda titles in order; empty when none was given."""
    return list(
        session.exec(
            select(AgendaItem.title).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.number)
        )
    )

"""A meeting's agenda: read from the clerk's numbered list, stored on the meeting, and used to place the minutes.

An agenda file is one item per line, numbered 1, 2, 3 in order ("1. Apologies", "2) Minutes of the last meeting");
blank lines are skipped. Anything else is refused with the line it is on, and nothing is stored. The agenda can be
replaced until the meeting's minutes are released; after that the released record is what was filed.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, col, delete, select

from minutes.consent.evidence import read_limited
from minutes.consent.meetings import lock_meeting, require_unreleased
from minutes.consent.text import MAX_TITLE, clean_text
from minutes.db import AgendaItem
from minutes.db.audit import append_event
from minutes.db.ids import stored_id
from minutes.errors import UsageError

MAX_ITEMS, MAX_BYTES, MAX_DATE_PHRASE = 100, 64_000, 60
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


def read_agenda_text(path: Path) -> str:
    """A UTF-8 agenda file's text; a missing, unreadable, oversized or non-UTF-8 file, a device or a FIFO is a
    one-line error (`consent.evidence.read_limited`)."""
    data = read_limited(path, MAX_BYTES, "agenda")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"agenda {path} is not UTF-8 text") from None


def read_agenda(path: Path) -> list[str]:
    """parse_agenda of a UTF-8 text file (see read_agenda_text)."""
    return parse_agenda(read_agenda_text(path))


def agenda_text(text: str) -> list[str]:
    """parse_agenda of text typed in a form: the same rules and size limit as a file."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise UsageError(f"the agenda is longer than {MAX_BYTES} bytes")
    return parse_agenda(text)


def set_agenda(session: Session, meeting: int | str, titles: list[str], actor: str) -> list[AgendaItem]:
    """Replace the meeting's agenda, audited, in the caller's transaction; refused once minutes are released."""
    mid = stored_id(lock_meeting(session, meeting))
    require_unreleased(session, mid, "its agenda is kept as filed")
    session.execute(delete(AgendaItem).where(col(AgendaItem.meeting_id) == mid))
    items = [AgendaItem(meeting_id=mid, number=i, title=t) for i, t in enumerate(titles, 1)]
    session.add_all(items)
    session.flush()
    append_event(session, "meeting.agenda", actor, mid, subject={"items": len(items)})
    return items


def agenda_of(session: Session, meeting_id: int) -> list[str]:
    """The meeting's agenda titles in order; empty when none was given."""
    return list(
        session.exec(
            select(AgendaItem.title)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(col(AgendaItem.number))
        )
    )


_STOP = frozenset(
    "a an and any are as at be by for from in into is it of on or our the this to we with item items".split()
)
_NUMBERS = {
    w: i for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)
}
# "item N" moves the meeting on only where a clause starts with it ("Okay, item three, the minutes"), not in
# passing ("relevant for item six", "which is item five").
_ITEM_N = re.compile(
    r"(?:^|[.!?,;:]\s*)(?:(?:okay|ok|right|so|now|then|and|next|moving on to|moving to|on to|onto)\W+)*(?:agenda )?item "
    r"(?:number |no\.? )?(\d{1,3}|" + "|".join(_NUMBERS) + r")\b"
)
_NEXT_ITEM = re.compile(r"\bnext (?:agenda )?item\b")
_NEXT_MEETING = re.compile(
    r"\bnext meeting (?:is|will be|is going to be)(?: held)?(?: on)? ([^.?!]*\d[^.?!]*|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b[^.?!]*)",
    re.IGNORECASE,
)


def _words(text: str) -> set[str]:
    """The words that can name an item: case-folded, without stop words or single letters ("chair's")."""
    return {w for w in re.findall(r"\w+", text.casefold()) if w not in _STOP and (len(w) > 1 or w.isdigit())}


def _mentions(title: str, line: set[str]) -> bool:
    """Does the line name the item: at least two thirds of its title's words (one, for a one-word title)?"""
    words = _words(title)
    return bool(words) and 3 * len(words & line) >= 2 * len(words)


def _moves_to(titles: list[str], current: int, text: str) -> int | None:
    """The later agenda item (0-based) this transcript line moves to: "item N" (any later item), or "next item"
    or the title words of the item after the current one."""
    lower = text.casefold()
    if said := _ITEM_N.search(lower):
        number = _NUMBERS.get(said[1]) or int(said[1])
        if current + 1 < number <= len(titles):
            return number - 1
    following = current + 1
    if following < len(titles) and (_NEXT_ITEM.search(lower) or _mentions(titles[following], _words(text))):
        return following
    return None


def agenda_starts(titles: list[str], lines: list[tuple[float, str]]) -> list[float | None]:
    """When each agenda item starts in the transcript (`lines`: start time and text, in order): the first line,
    after the previous item started, that says "item N", or "next item" or most of the item's title words for the
    item after it. The first item starts with the meeting; an item skipped over has no start (None)."""
    if not lines:
        return [None] * len(titles)
    starts: list[float | None] = [lines[0][0]] + [None] * (len(titles) - 1)
    current = 0
    for start, text in lines:
        moved = _moves_to(titles, current, text)
        if moved is not None:
            starts[moved], current = start, moved
    return starts


def place(starts: list[float | None], at: float | None) -> int | None:
    """The agenda item (0-based) that was under discussion at time `at`: the last to start at or before it.
    None when `at` is unknown (no evidence) or comes before every start."""
    if at is None:
        return None
    known = [(s, i) for i, s in enumerate(starts) if s is not None and s <= at + 1e-6]
    return max(known)[1] if known else None


def placed(starts: list[float | None], moved_to: int | None, at: float | None) -> int | None:
    """The agenda item (0-based) an item goes under: the one a reviewer moved it to, if that is on the agenda,
    else `place` by its first evidence."""
    if moved_to is not None and 1 <= moved_to <= len(starts):
        return moved_to - 1
    return place(starts, at)


def next_meeting(lines: list[tuple[float, str]]) -> str | None:
    """The date of the next meeting as last said ("the next meeting is on Tuesday 12 January"), if it was.

    It goes into released minutes without review, so only a short phrase (a date and time) is taken."""
    said = [m[1].strip(" ,;:") for _, text in lines for m in _NEXT_MEETING.finditer(text)]
    said = [phrase for phrase in said if len(phrase) <= MAX_DATE_PHRASE]
    return said[-1] if said else None

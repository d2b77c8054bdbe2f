"""Dates as people type and read them: the one parser every command option and web form that takes a date uses,
and the one formatter for what people read (UK style; times in Europe/London).

Typed: ISO "2026-12-07", UK numeric "07/12/2026" (day first, never the US order; "-" or "." work as
separators too) or written out, "7 Dec 2026", "7th December 2026", "Monday 7 December 2026" (a weekday that
does not fit the date is refused). The year is always written in full: "07/12/26" is refused, not guessed.

Shown: `long_date` in documents and page headings ("Monday 7 December 2026"), `short_date` in tables
("07/12/2026"), `local_time` for moments, which the store keeps in UTC ("07/12/2026 14:05", London time). JSON
and other machine-readable output keep ISO.

This module sits beside `minutes.errors`, outside the layers (it imports nothing of minutes but the errors):
the consent ledger, at the bottom, parses meeting dates and standing-consent windows with it too.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from minutes.errors import UsageError

LONDON = ZoneInfo("Europe/London")
FORMATS_HINT = "write it as 2026-12-07, 07/12/2026 or 7 Dec 2026"
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for name in names
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_WRITTEN = re.compile(
    r"(?:(?P<weekday>[a-z]+),?\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>[a-z]+)\.?,?\s+"
    r"(?P<year>\d{4})",
    re.IGNORECASE,
)


def parse_date(text: str | dt.date, what: str = "date") -> dt.date:
    """The date `text` names, in any of the forms above; a one-line UsageError naming `what` otherwise."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    typed = " ".join(str(text or "").split())
    try:
        if m := _ISO.fullmatch(typed):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.fullmatch(typed):
            return dt.date(int(m[4]), int(m[3]), int(m[1]))
        if (m := _WRITTEN.fullmatch(typed)) and m["month"].lower() in _MONTHS:
            day = dt.date(int(m["year"]), _MONTHS[m["month"].lower()], int(m["day"]))
            _check_weekday(day, m["weekday"], typed, what)
            return day
    except ValueError:  # 31/02/2026, month 13
        pass
    shown = typed if len(typed) <= 40 else typed[:40] + "..."
    raise UsageError(f"{what} {shown!r} is not a date", FORMATS_HINT)


def parse_optional(text: str | None, what: str = "date") -> dt.date | None:
    """None for nothing typed (a form field left empty), else `parse_date`."""
    return parse_date(text, what) if text is not None and str(text).strip() else None


def _check_weekday(day: dt.date, weekday: str | None, typed: str, what: str) -> None:
    if weekday is None:
        return
    named = next((w for w in _WEEKDAYS if len(weekday) >= 3 and w.startswith(weekday.lower())), None)
    if named is None:
        raise UsageError(f"{what} {typed!r} is not a date", FORMATS_HINT)
    if _WEEKDAYS.index(named) != day.weekday():
        raise UsageError(
            f"{what} {typed!r} does not add up: {day.day} {day:%B %Y} is a {_WEEKDAYS[day.weekday()].title()}"
        )


def as_date(value: dt.date | str | None) -> dt.date | None:
    """A date, or an ISO date string (a due date as stored, a model's reply); None for anything else (a spoken
    "end of term"). The one reader of stored dates, as `parse_date` is of typed ones."""
    if isinstance(value, dt.datetime):
        return local(value).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (m := _ISO.fullmatch(value.strip())):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    return None


def long_date(value: dt.date | str | None) -> str:
    """ "Monday 7 December 2026", for documents and headings. A value that is not a date (a due date kept as
    spoken) is returned as it is; None as ""."""
    day = as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_date(value: dt.date | str | None) -> str:
    """ "07/12/2026", for tables. As `long_date` for anything that is not a date."""
    day = as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return f"{day:%d/%m/%Y}"


def local(moment: dt.datetime) -> dt.datetime:
    """A stored moment (UTC; a naive one is taken as UTC) in London time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(LONDON)


def local_time(moment: dt.datetime | None, seconds: bool = False) -> str:
    """ "07/12/2026 14:05" in London time (GMT or BST, as the clocks were then); "" for None."""
    return "" if moment is None else f"{local(moment):%d/%m/%Y %H:%M{':%S' if seconds else ''}}"

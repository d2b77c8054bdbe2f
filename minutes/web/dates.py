"""How pages write dates and times: UK style ("Monday 23 November 2026", "23/11/2026"), times in Europe/London
(stored times are UTC). The one place pages format them, as Jinja filters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def long_date(day: dt.date | dt.datetime | str | None) -> str:
    """'Monday 23 November 2026' (a datetime: its date in London; a string: an ISO date)."""
    if not day:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    if isinstance(day, dt.datetime):
        day = local(day).date()
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_date(day: dt.date | dt.datetime | None) -> str:
    """'23/11/2026' (for tables)."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = local(day).date()
    return f"{day:%d/%m/%Y}"


def local(moment: dt.datetime) -> dt.datetime:
    """A stored time (UTC, naive or aware) in Europe/London."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(LONDON)


def when(moment: dt.datetime | None) -> str:
    """'23/11/2026 14:05' in London time (GMT or BST, as the clock on the wall said)."""
    return f"{local(moment):%d/%m/%Y %H:%M}" if moment else ""


def when_exact(moment: dt.datetime | None) -> str:
    """'23/11/2026 14:05:09' in London time (the audit log)."""
    return f"{local(moment):%d/%m/%Y %H:%M:%S}" if moment else ""


def due(value: str | None) -> str:
    """A due date as people write it: an ISO date as '27 November 2026', a spoken phrase as it was said."""
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def span(seconds: float | None) -> str:
    """A time to wait, as people say it: 'under a minute', 'about 4 minutes', 'about 1 hour 10 minutes'."""
    if seconds is None:
        return ""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    rest = 5 * round(rest / 5)
    tail = f" {rest} minutes" if rest else ""
    return f"about {hours} hour{'s' if hours != 1 else ''}{tail}"


FILTERS = {
    "span": span,
    "long_date": long_date,
    "short_date": short_date,
    "when": when,
    "when_exact": when_exact,
    "due": due,
}

"""How pages write dates and times, as Jinja filters: the UK formats of `minutes.dates` ("Monday 23 November
2026", "23/11/2026", times in Europe/London), and the one only pages need (a time to wait)."""

from __future__ import annotations

from minutes.dates import local_time, long_date, short_date


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
    "local_time": local_time,
}

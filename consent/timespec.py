"""Time ranges in a recording, as a clerk types them: `START-END`, each in seconds, m:ss or h:mm:ss."""

from __future__ import annotations

import re
from dataclasses import dataclass

from minutes.consent.errors import ConsentInputError

_SECONDS = re.compile(r"\d+(\.\d+)?")
_PART = re.compile(r"\d{2}(\.\d+)?")


@dataclass(frozen=True)
class TimeRange:
    start: float
    end: float

    def __str__(self) -> str:
        return f"{clock(self.start)}-{clock(self.end)}"


def parse_time(text: str) -> float:
    """Seconds from `75`, `75.5`, `1:15`, `1:15.5` or `0:01:15`. Minutes and seconds after a colon are 00-59."""
    parts = text.strip().split(":")
    if (
        len(parts) > 3
        or not _SECONDS.fullmatch(parts[0])
        or any(not _PART.fullmatch(p) or float(p) >= 60 for p in parts[1:])
    ):
        raise ConsentInputError(f"not a time: {text.strip()!r} (use seconds, m:ss or h:mm:ss)")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


def parse_range(text: str) -> TimeRange:
    """`START-END` -> TimeRange; the end must come after the start."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ConsentInputError(f"not a time range: {text.strip()!r} (use START-END, e.g. 1:05-1:20)")
    rng = TimeRange(parse_time(start), parse_time(end))
    if rng.end <= rng.start:
        raise ConsentInputError(
            f"time range {text.strip()!r} is inverted or empty: the end must come after the start"
        )
    return rng


def clock(seconds: float) -> str:
    """75.5 -> '1:15.5'; 3725 -> '1:02:05'."""
    whole = int(seconds)
    frac = f"{seconds - whole:.2f}"[1:].rstrip("0").rstrip(".")
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return (f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}") + frac

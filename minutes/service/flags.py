"""Sensitive flags for the front ends: clear a false flag (a reason required), flag transcript lines or a time
range, and the numbered transcript with its flagged lines marked. The rules are `minutes.review.flags`."""

from __future__ import annotations

from dataclasses import dataclass

from minutes import review
from minutes.db import Resolution
from minutes.drafting import sensitive
from minutes.errors import UsageError
from minutes.records import series
from minutes.review import flags
from minutes.service.context import Ctx
from minutes.speech import speakers

KINDS = flags.KINDS
Flagged = flags.Flagged


@dataclass(frozen=True)
class NumberedLine:
    number: int
    start: float
    end: float
    speaker: str | None
    text: str
    flags: tuple[str, ...]  # the open or kept sensitive flags covering it (f1, f3)


def clear(ctx: Ctx, draft_id: int, ref: str, reason: str, actor: str) -> review.ItemView:
    """Clear a false sensitive flag: its lines are drafted on the next re-draft."""
    with ctx.tx() as s:
        return flags.clear(s, draft_id, ref, reason, actor)


def flag(
    ctx: Ctx,
    draft_id: int,
    actor: str,
    lines: str | None = None,
    start: str | None = None,
    end: str | None = None,
    kind: str | None = None,
) -> Flagged:
    """Flag transcript lines ("12" or "12-15") or a time range (MM:SS or seconds) as sensitive."""
    if lines and (start or end):
        raise UsageError("give the lines to flag, or a time range, not both")
    with ctx.tx() as s:
        done = flags.add(
            s,
            draft_id,
            actor,
            lines=_line_range(lines) if lines else None,
            span=None if lines else (_clock(start, "start"), _clock(end, "end")),
            kind=(kind or "").strip() or sensitive.REVIEWER_KIND,
        )
        for e in done.flag.evidence:  # the matters-arising suggestions quoting those lines go too
            series.withhold(s, draft_id, e.start, e.end)
        return done


def transcript(ctx: Ctx, draft_id: int) -> list[NumberedLine]:
    """The draft's transcript, numbered, speakers named, each line with the sensitive flags that cover it."""
    with ctx.tx() as s:
        lines = flags.transcript_lines(s, draft_id)
        names = speakers.label_names(s, review.draft_transcript(s, draft_id).recording_id)
        covering: dict[int, list[str]] = {}
        for item in review.show(s, draft_id).items:
            if item.sensitive and item.resolution != Resolution.REMOVED:
                for e in item.evidence:
                    for x in flags.covered(lines, e.start, e.end):
                        covering.setdefault(x.number, []).append(item.ref)
    return [
        NumberedLine(
            x.number,
            x.start,
            x.end,
            names.get(x.speaker, x.speaker) if x.speaker is not None else None,
            x.text,
            tuple(covering.get(x.number, ())),
        )
        for x in lines
    ]


def _line_range(text: str) -> tuple[int, int]:
    first, _, last = text.strip().partition("-")
    try:
        a, b = int(first), int(last or first)
    except ValueError:
        raise UsageError(
            f"not a line or a range of lines: {text.strip()[:30]!r}", "use 12 or 12-15"
        ) from None
    if a > b:
        raise UsageError(f"lines {a}-{b}: the first comes after the last")
    return a, b


def _clock(text: str | None, which: str) -> float:
    """Seconds from "75", "1:15" or "0:01:15" (as the review page and `review show` print times)."""
    if not text or not text.strip():
        raise UsageError(f"the time range needs its {which} (MM:SS or seconds)")
    parts = text.strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if not values or len(values) > 3 or any(v < 0 for v in values) or any(v >= 60 for v in values[1:]):
        raise UsageError(f"not a time: {text.strip()[:20]!r}", "use MM:SS (or HH:MM:SS, or seconds)")
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return seconds

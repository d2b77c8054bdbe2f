"""The reviewer decides on sensitive flags: clears a false one (one step, a reason required), or flags any
transcript line or range the drafting missed. Both are audited with the flag's kind and line numbers, never the
words said.

A cleared flag's lines are drafted on the next re-draft of the same transcript; a reviewer's flag withholds its
lines there, and at once removes the decisions, actions and discussion points that rest on them (a note says
which, by reference) and any summary sentence that touches them. `reviewed` hands those decisions to the
drafting stage (minutes.drafting.sensitive.Reviewed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from minutes.consent.text import refuse_controls
from minutes.core import types
from minutes.db import (
    DraftRow,
    FlagRow,
    ItemEvidence,
    Origin,
    PointRow,
    Resolution,
    SegmentRow,
    TranscriptRow,
)
from minutes.db.ids import stored_id
from minutes.drafting import lexicon, points, sensitive
from minutes.drafting.windows import Line
from minutes.errors import StateError, UsageError
from minutes.review.items import (
    NOT_SENSITIVE,
    draft_items,
    evidence_of,
    evidence_rows,
    find_item,
    get_draft,
    item_ref,
)
from minutes.review.states import open_for_change, record_step, require_editable, reviewer_name
from minutes.review.views import ItemView, item_view

KINDS = (sensitive.REVIEWER_KIND, *(k.name for k in lexicon.KINDS))  # what a reviewer may call a flag


@dataclass(frozen=True)
class Flagged:
    """A reviewer's new flag and what it took out of the draft."""

    flag: ItemView
    lines: tuple[int, int]
    removed: list[str]  # item references
    summary_changed: bool


def transcript_lines(session: Session, draft_id: int) -> list[Line]:
    """The draft's transcript as numbered lines (1-based, in order, as drafting numbers them)."""
    row = get_draft(session, draft_id)
    tr = session.get(TranscriptRow, row.transcript_id) if row.transcript_id else None
    if tr is None or tr.deleted_at is not None:
        raise StateError(f"draft {draft_id} has no transcript (none was stored, or retention deleted it)")
    rows = session.exec(
        select(SegmentRow).where(SegmentRow.transcript_id == tr.id).order_by(col(SegmentRow.idx))
    ).all()
    return [Line(i, s.start, s.end, s.speaker, " ".join(s.text.split())) for i, s in enumerate(rows, 1)]


def covered(lines: list[Line], start: float, end: float) -> list[Line]:
    """The lines inside a time range (a flag's evidence), give or take rounding."""
    return [x for x in lines if start - 0.01 <= x.start and x.end <= end + 0.01]


def clear(session: Session, draft_id: int, ref: str, reason: str, by: str) -> ItemView:
    """Clear a sensitive flag the reviewer judges false: its lines are drafted on the next re-draft."""
    by = reviewer_name(by)
    if not reason or not reason.strip():
        raise UsageError("clearing a flag needs a reason (--reason TEXT)", "say why it is not sensitive")
    reason = refuse_controls(reason.strip(), "the reason")
    row = get_draft(session, draft_id)
    require_editable(row)
    item = find_item(session, draft_id, ref)
    if not isinstance(item, FlagRow) or item.kind in NOT_SENSITIVE:
        raise UsageError(f"{item_ref(item)} is not a sensitive flag", "only a sensitive flag is cleared")
    if item.resolution == Resolution.REMOVED:
        raise StateError(f"flag {item_ref(item)} of draft {draft_id} is already cleared")
    open_for_change(session, row, by)
    item.resolution = Resolution.REMOVED
    session.add(item)
    detail = {"item": item_ref(item), "kind": item.kind, "lines": _numbers(session, row, item)}
    record_step(session, row, by, "clear", detail, reason)
    return item_view(session, item)


def add(
    session: Session,
    draft_id: int,
    by: str,
    lines: tuple[int, int] | None = None,
    span: tuple[float, float] | None = None,
    kind: str = sensitive.REVIEWER_KIND,
) -> Flagged:
    """Flag transcript lines `lines` (first, last; 1-based) or the lines inside the time range `span` (seconds)
    as sensitive: the flag is the reviewer's own (kept), and every decision, action and point resting on those
    lines is removed."""
    by = reviewer_name(by)
    if kind not in KINDS:
        raise UsageError(f"unknown kind of flag {kind!r}", "use one of " + ", ".join(KINDS))
    row = get_draft(session, draft_id)
    require_editable(row)
    every = transcript_lines(session, draft_id)
    chosen = _chosen(every, lines, span)
    first, last = chosen[0], chosen[-1]
    open_for_change(session, row, by)
    where = f"line {first.number}" if first is last else f"lines {first.number}-{last.number}"
    last_idx = max((i.idx for i in draft_items(session, draft_id) if isinstance(i, FlagRow)), default=-1)
    flag = FlagRow(
        draft_id=draft_id,
        idx=last_idx + 1,
        origin=Origin.REVIEWER,
        resolution=Resolution.KEPT,
        kind=kind,
        reason=f"{sensitive.REASONS[kind]}, flagged by a reviewer ({where}); {sensitive.HANDLING}",
    )
    session.add(flag)
    session.flush()
    session.add(ItemEvidence(flag_id=flag.id, start=first.start, end=last.end, quote=""))
    removed = _remove_resting_on(session, draft_id, first.start, last.end)
    summary_changed = _safe_summary(session, row, every, {x.number for x in chosen})
    if removed:
        row.notes = [
            *row.notes,
            f"{len(removed)} item(s) resting on {where}, flagged by a reviewer, were removed: {', '.join(removed)}",
        ]
    detail = {
        "item": item_ref(flag),
        "kind": kind,
        "lines": [first.number, last.number],
        "removed": removed,
        "summary": summary_changed,
    }
    record_step(session, row, by, "flag", detail)
    return Flagged(item_view(session, flag), (first.number, last.number), removed, summary_changed)


def reviewed(session: Session, transcript_id: int) -> sensitive.Reviewed:
    """The reviewers' decisions on every draft of a transcript, for its next re-draft: the lines of sensitive
    flags they cleared, and of the flags they added, kept or sent to part 2 (those stay withheld)."""
    cleared, added = [], []
    drafts = session.exec(select(col(DraftRow.id)).where(DraftRow.transcript_id == transcript_id)).all()
    for draft_id in (i for i in drafts if i is not None):  # stored rows: never None
        for item in draft_items(session, draft_id):
            if not isinstance(item, FlagRow) or item.kind in NOT_SENSITIVE:
                continue
            spans = [(e.start, e.end) for e in evidence_of(session, item)]
            if item.resolution == Resolution.REMOVED and item.origin == Origin.AI:
                cleared += spans
            elif item.resolution != Resolution.REMOVED and (
                item.origin == Origin.REVIEWER or item.resolution is not None
            ):
                added += spans
    return sensitive.Reviewed(tuple(cleared), tuple(added))


def _chosen(every: list[Line], lines: tuple[int, int] | None, span: tuple[float, float] | None) -> list[Line]:
    if (lines is None) == (span is None):
        raise UsageError("give the lines to flag, or a time range, not both")
    if lines is not None:
        first, last = lines
        if not 1 <= first <= last <= len(every):
            raise UsageError(
                f"lines {first}-{last} are not in the transcript (lines 1 to {len(every)})",
                "see `minutes review show DRAFT --transcript`",
            )
        return every[first - 1 : last]
    assert span is not None  # one of the two, checked above
    start, end = span
    chosen = [x for x in every if x.end > start and x.start < end] if start < end else []
    if not chosen:
        raise UsageError(f"no transcript line between {start:.0f} s and {end:.0f} s")
    return chosen


def _remove_resting_on(session: Session, draft_id: int, start: float, end: float) -> list[str]:
    """Remove the decisions, actions and points with evidence inside the flagged range; their references."""
    removed = []
    for item in draft_items(session, draft_id):
        if isinstance(item, FlagRow) or item.resolution == Resolution.REMOVED:
            continue
        if any(e.end > start and e.start < end for e in evidence_rows(session, item)):
            item.resolution = Resolution.REMOVED
            session.add(item)
            removed.append(item_ref(item))
    return removed


def _safe_summary(session: Session, row: DraftRow, every: list[Line], flagged: set[int]) -> bool:
    """Drop the summary's sentences that touch the flagged lines; an empty summary is made again from the
    points still in the draft. Whether it changed."""
    withheld = flagged | {
        x.number
        for item in draft_items(session, stored_id(row))
        if isinstance(item, FlagRow)
        and item.kind not in NOT_SENSITIVE
        and item.resolution != Resolution.REMOVED
        for e in evidence_of(session, item)
        for x in covered(every, e.start, e.end)
    }
    private = sensitive.private_words(every, withheld, [])
    summary = sensitive.safe_summary(row.summary, private)
    if not summary:
        kept = [
            types.Point(text=i.text, evidence=evidence_of(session, i))
            for i in draft_items(session, stored_id(row))
            if isinstance(i, PointRow) and i.resolution != Resolution.REMOVED
        ]
        summary = sensitive.safe_summary(points.summary(kept), private)
    changed = summary != row.summary
    row.summary = summary
    session.add(row)
    return changed


def _numbers(session: Session, row: DraftRow, flag: FlagRow) -> list[int]:
    """The first and last transcript line a flag covers ([] when the transcript is gone)."""
    try:
        every = transcript_lines(session, stored_id(row))
    except StateError:
        return []
    inside = [x.number for e in evidence_of(session, flag) for x in covered(every, e.start, e.end)]
    return [min(inside), max(inside)] if inside else []

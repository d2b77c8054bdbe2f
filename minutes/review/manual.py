"""A reviewer's own items: adding a decision, action or discussion point the draft missed (with the transcript
lines it rests on), changing an item's kind (a decision that was really an action, a point that was really a
decision), and keeping the summary in step with the points.

Items are addressed by kind (d1, a2, p1) and keep their numbers, so a change of kind retires the old reference
(removed) and adds the item under the new kind, with the same evidence rows moved across: the diff then shows
"d2 removed, a4 added" and the review step says one became the other. The new item is the reviewer's
(origin "reviewer"): they vouched for it, so it never blocks approval as an unsupported AI item would. Undoing
the removal of the retired item undoes the change (`undo_kind`): its evidence comes back and the new item goes.

The summary of a draft is its discussion points joined (minutes.drafting.points.summary). Until a reviewer
writes their own summary, every change to the points rewrites it from the points as they now stand, so it never
tells of a point that was removed or reworded; once a reviewer has edited the summary, it is theirs and is left
alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from minutes.consent.errors import ConsentInputError
from minutes.consent.timespec import TimeRange, parse_range
from minutes.core import types
from minutes.db import (
    ActionRow,
    DraftRow,
    FlagRow,
    ItemEvidence,
    ItemStatus,
    Origin,
    PointRow,
    Resolution,
    Review,
    SegmentRow,
    TranscriptRow,
)
from minutes.db.ids import stored_id
from minutes.drafting.points import summary as points_summary
from minutes.errors import StateError, UsageError
from minutes.review.items import (
    KINDS,
    Item,
    draft_items,
    evidence_rows,
    find_item,
    get_draft,
    item_ref,
    refuse_too_long,
)
from minutes.review.states import open_for_change, record_step, require_editable, reviewer_name
from minutes.review.views import ItemView, item_view

ADDABLE = {"decision": "d", "action": "a", "point": "p"}  # the kinds a reviewer adds or changes between


def kind_prefix(kind: str) -> str:
    """The reference prefix of an item kind a reviewer may add; a one-line UsageError for any other."""
    prefix = ADDABLE.get((kind or "").strip().lower())
    if prefix is None:
        raise UsageError(f"unknown item kind {kind!r}", "use decision, action or point")
    return prefix


def draft_transcript(session: Session, draft_id: int) -> TranscriptRow:
    """The transcript the draft was made from; StateError when it has none (purged, or made without one)."""
    row = get_draft(session, draft_id)
    tr = session.get(TranscriptRow, row.transcript_id) if row.transcript_id is not None else None
    if tr is None or tr.deleted_at is not None:
        raise StateError(f"draft {draft_id} has no transcript (any longer)", "add the item without evidence")
    return tr


def transcript_lines(session: Session, draft_id: int) -> list[SegmentRow]:
    """The draft's transcript, line by line (one segment a line), as the review page and `minutes review
    transcript` number them from 1."""
    tr = draft_transcript(session, draft_id)
    return list(
        session.exec(
            select(SegmentRow).where(SegmentRow.transcript_id == tr.id).order_by(col(SegmentRow.idx))
        )
    )


def cited(
    session: Session, draft_id: int, at: str | None = None, lines: str | None = None
) -> list[types.Evidence]:
    """The evidence a reviewer cites: a time range in the recording (START-END, as consent evidence is typed:
    every line mostly inside it) or transcript line numbers ("12", "12-14", "3,7"). Each line cited is one
    piece of evidence, quoting it whole, as a drafted item's are."""
    if at is None and lines is None:
        return []
    if at is not None and lines is not None:
        raise UsageError("cite either a time range or line numbers, not both")
    segments = transcript_lines(session, draft_id)
    if at is not None:
        try:
            span: TimeRange = parse_range(at)
        except ConsentInputError as exc:
            raise UsageError(str(exc)) from None
        chosen = [seg for seg in segments if _mostly_in(seg, span)]
        if not chosen:
            raise UsageError(
                f"nothing was said between {span.start:g} s and {span.end:g} s", "see the transcript"
            )
    else:
        chosen = [segments[n - 1] for n in _numbers(lines or "", len(segments))]
    return [types.Evidence(start=seg.start, end=seg.end, quote=seg.text) for seg in chosen]


def _mostly_in(seg: SegmentRow, span: TimeRange) -> bool:
    """Does the range hold at least half of the line (or the line half of the range)? A line that only brushes
    an end of the range (the last words of the one before) is not what the reviewer meant."""
    overlap = min(seg.end, span.end) - max(seg.start, span.start)
    return overlap > 0 and overlap >= 0.5 * min(seg.end - seg.start, span.end - span.start)


def _numbers(text: str, count: int) -> list[int]:
    """Line numbers from "12", "12-14" or "3,7,9-10", each from 1 to `count`, in order, once each."""
    out: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, sep, last = part.partition("-")
        if not first.isdigit() or (sep and not last.isdigit()):
            raise UsageError(f"not line numbers: {text.strip()!r}", "use e.g. 12, 12-14 or 3,7")
        low, high = int(first), int(last) if sep else int(first)
        if not 1 <= low <= high <= count:
            raise UsageError(f"line {high if low <= count else low} is not in the transcript (1 to {count})")
        out += [n for n in range(low, high + 1) if n not in out]
    return sorted(out)


def add(
    session: Session,
    draft_id: int,
    kind: str,
    text: str,
    by: str,
    owner: str | None = None,
    due: str | None = None,
    evidence: Sequence[types.Evidence] = (),
    agenda_item: int | None = None,
) -> ItemView:
    """Add a decision, action or discussion point the draft missed, with the evidence cited (possibly none).
    `owner` and `due` (actions only) come already checked: a participant's name, an ISO date."""
    from minutes.review.edits import check_agenda_item  # edits imports this module

    by = reviewer_name(by)
    prefix = kind_prefix(kind)
    text = (text or "").strip()
    if not text:
        raise UsageError(f"the new {KINDS[prefix].name} needs its text")
    if prefix != "a" and (owner or due):
        raise UsageError(f"an owner and a due date belong to actions only, not to a {KINDS[prefix].name}")
    row = get_draft(session, draft_id)
    require_editable(row)
    check_agenda_item(session, row.meeting_id, agenda_item)
    fields: dict[str, Any] = {"agenda_item": agenda_item}
    fields |= {"task": text, "owner": owner, "due": due} if prefix == "a" else {"text": text}
    refuse_too_long(fields, f"the new {KINDS[prefix].name}")
    open_for_change(session, row, by)
    stale = summary_is_drafted(session, row)
    item = insert_item(session, stored_id(row), prefix, fields, origin=Origin.REVIEWER)
    for e in evidence:
        session.add(
            ItemEvidence(**{KINDS[prefix].evidence_column: item.id}, start=e.start, end=e.end, quote=e.quote)
        )
    session.flush()
    refreshed = prefix == "p" and stale and refresh_summary(session, row)
    record_step(
        session, row, by, "add", {"added": [item_ref(item)], "evidence": len(evidence), "summary": refreshed}
    )
    return item_view(session, item)


def change_kind(session: Session, draft_id: int, ref: str, kind: str, by: str) -> tuple[ItemView, ItemView]:
    """Make a decision an action, an action a point, and so on: the item is retired under its old reference and
    added under the new kind with its text (a decision's text is an action's task), its agenda item and its
    evidence. What the new kind cannot hold is dropped (an action's owner and due date, a decision's motion):
    the reviewer sets it again. Returns (the old item, now removed; the new one)."""
    by = reviewer_name(by)
    prefix = kind_prefix(kind)
    row = get_draft(session, draft_id)
    require_editable(row)
    old = find_item(session, draft_id, ref)
    if isinstance(old, FlagRow):
        raise UsageError(f"{item_ref(old)} is a flag; keep, edit or remove it instead")
    if old.resolution == Resolution.REMOVED:
        raise StateError(f"item {item_ref(old)} of draft {draft_id} was removed")
    if item_ref(old)[0] == prefix:
        raise UsageError(f"{item_ref(old)} is already a {KINDS[prefix].name}", "nothing was changed")
    text = old.task if isinstance(old, ActionRow) else old.text
    old_resolution = old.resolution
    fields: dict[str, Any] = {"agenda_item": old.agenda_item}
    fields |= {"task": text} if prefix == "a" else {"text": text}
    open_for_change(session, row, by)
    stale = summary_is_drafted(session, row)
    new = insert_item(session, stored_id(row), prefix, fields, origin=Origin.REVIEWER)
    for e in evidence_rows(session, old):
        setattr(e, KINDS[item_ref(old)[0]].evidence_column, None)
        setattr(e, KINDS[prefix].evidence_column, new.id)
        session.add(e)
    old.resolution = Resolution.REMOVED
    session.add(old)
    session.flush()
    points = "p" in (prefix, item_ref(old)[0])
    refreshed = points and stale and refresh_summary(session, row)
    detail = {
        "item": item_ref(old),
        "kind": KINDS[prefix].name,
        "removed": [item_ref(old)],
        "added": [item_ref(new)],
        "was": old_resolution,
        "summary": refreshed,
    }
    record_step(session, row, by, "kind", detail)
    return item_view(session, old), item_view(session, new)


def undo_kind(session: Session, row: DraftRow, old: Item, change: dict[str, Any], by: str) -> ItemView:
    """Undo a change of kind (`change`: its review step's detail): the retired item comes back as it was, with
    the evidence it lent, and the item made from it is removed (kept in the record, as any removal is)."""
    new = find_item(session, stored_id(row), change["added"][0])
    open_for_change(session, row, by)
    stale = summary_is_drafted(session, row)
    for e in evidence_rows(session, new):
        setattr(e, KINDS[item_ref(new)[0]].evidence_column, None)
        setattr(e, KINDS[item_ref(old)[0]].evidence_column, old.id)
        session.add(e)
    new.resolution, old.resolution = Resolution.REMOVED, change.get("was")
    session.add_all([new, old])
    session.flush()
    points = "p" in (item_ref(new)[0], item_ref(old)[0])
    refreshed = points and stale and refresh_summary(session, row)
    detail = {
        "item": item_ref(old),
        "resolution": old.resolution,
        "undid": item_ref(new),
        "summary": refreshed,
    }
    record_step(session, row, by, "restore", detail)
    return item_view(session, old)


def insert_item(session: Session, draft_id: int, prefix: str, fields: dict[str, Any], **state: Any) -> Item:
    """A new item of the kind `prefix`, numbered after the draft's last one of that kind."""
    table = KINDS[prefix].table
    last = session.exec(
        select(table).where(table.draft_id == draft_id).order_by(col(table.idx).desc())
    ).first()
    item = table(draft_id=draft_id, idx=(last.idx + 1) if last else 0, **fields, **state)
    session.add(item)
    session.flush()
    return item


def live_points(session: Session, draft_id: int) -> list[types.Point]:
    """The points the summary tells of: not removed, and not an AI point the grounding check found unsupported
    that no reviewer has vouched for (kept or edited) yet."""
    return [
        types.Point(
            text=p.text,
            evidence=[
                types.Evidence(start=e.start, end=e.end, quote=e.quote) for e in evidence_rows(session, p)
            ],
        )
        for p in draft_items(session, draft_id)
        if isinstance(p, PointRow)
        and p.resolution != Resolution.REMOVED
        and not (p.origin == Origin.AI and p.status == ItemStatus.UNSUPPORTED and p.resolution is None)
    ]


def summary_is_drafted(session: Session, row: DraftRow) -> bool:
    """Is the summary still the one drafted from the points, i.e. no reviewer has written their own?"""
    steps = session.exec(select(Review).where(Review.draft_id == row.id, Review.kind == "edit")).all()
    return not any(step.detail.get("summary") for step in steps)


def refresh_summary(session: Session, row: DraftRow) -> bool:
    """Rewrite the summary from the points as they stand; True when it changed."""
    fresh = points_summary(live_points(session, stored_id(row)))
    if fresh == row.summary:
        return False
    row.summary = fresh
    session.add(row)
    session.flush()
    return True

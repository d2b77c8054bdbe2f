"""What the review queue shows: the list, one draft with its items and history, and the AI's original against the
reviewer's version. Read only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlmodel import Session, col, select

from minutes.core import types
from minutes.db import (
    ActionRow,
    DecisionRow,
    DraftRow,
    DraftStatus,
    FlagRow,
    ItemStatus,
    Meeting,
    Origin,
    Release,
    Resolution,
    Review,
)
from minutes.db.ids import stored_id
from minutes.drafting.grounding import unsupported_reasons
from minutes.errors import UsageError
from minutes.review.items import (
    KINDS,
    NOT_SENSITIVE,
    Item,
    content,
    draft_items,
    evidence_of,
    get_draft,
    is_blocking,
    item_fields,
    item_ref,
)


@dataclass
class ItemView:
    ref: str
    kind: str  # decision, action, flag, point
    text: str  # decision or point text, action task or flag reason
    owner: str | None = None
    due: str | None = None
    flag_kind: str | None = None
    proposer: str | None = None  # a decision's motion, when the meeting put one
    seconder: str | None = None
    vote: str | None = None
    agenda_item: int | None = None  # the agenda item a reviewer moved it to (None: where its evidence is)
    status: str = ItemStatus.SUPPORTED
    origin: str = Origin.AI
    resolution: str | None = None
    blocking: bool = False
    sensitive: bool = False
    evidence: list[types.Evidence] = field(default_factory=list)
    why: str | None = None  # why the grounding check found it unsupported, in words

    @property
    def unsupported(self) -> bool:
        """Unsupported by the transcript and not yet vouched for: the grounding check found no support and no
        reviewer has kept or edited it. `status` keeps what the check found, for the record; `resolution` says
        what the reviewer did, so a kept or edited item is no longer shown as unsupported."""
        return self.status == ItemStatus.UNSUPPORTED and self.resolution is None


@dataclass
class ReviewStep:
    at: datetime
    reviewer: str
    kind: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    detail: dict[str, Any]


@dataclass
class DraftView:
    id: int
    meeting_id: int
    meeting_title: str
    meeting_date: str
    status: str
    model: str
    created_at: datetime
    updated_at: datetime
    summary: str
    reject_reason: str | None
    items: list[ItemView]
    history: list[ReviewStep]
    notes: list[str]  # what the drafting step tells the reviewer (repairs, items it left out or re-assigned)

    @property
    def blocking(self) -> list[str]:
        return [i.ref for i in self.items if i.blocking]


@dataclass
class DraftSummary:
    id: int
    meeting_id: int
    meeting_title: str
    meeting_date: str
    status: str
    created_at: datetime
    decisions: int
    actions: int
    flags: int
    blocking: int


@dataclass
class ItemChange:
    ref: str
    kind: str
    change: str  # added, edited, removed, kept
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by: str | None
    at: datetime | None


@dataclass
class DraftDiff:
    draft_id: int
    status: str
    summary_before: str
    summary_after: str
    changes: list[ItemChange]
    history: list[ReviewStep]


def list_drafts(session: Session, status: str | None = None) -> list[DraftSummary]:
    if status is not None and status not in {s.value for s in DraftStatus}:
        raise UsageError(
            f"unknown status {status!r}", "use one of " + ", ".join(s.value for s in DraftStatus)
        )
    query = select(DraftRow).order_by(col(DraftRow.id))
    if status is not None:
        query = query.where(DraftRow.status == status)
    out = []
    for row in session.exec(query).all():
        meeting = session.get_one(Meeting, row.meeting_id)
        live = [i for i in draft_items(session, stored_id(row)) if i.resolution != Resolution.REMOVED]
        out.append(
            DraftSummary(
                stored_id(row),
                row.meeting_id,
                meeting.title,
                meeting.date.isoformat(),
                row.status,
                row.created_at,
                sum(isinstance(i, DecisionRow) for i in live),
                sum(isinstance(i, ActionRow) for i in live),
                sum(isinstance(i, FlagRow) for i in live),
                sum(is_blocking(i) for i in live),
            )
        )
    return out


def show(session: Session, draft_id: int) -> DraftView:
    row = get_draft(session, draft_id)
    meeting = session.get_one(Meeting, row.meeting_id)
    reasons = unsupported_reasons(row.notes)
    items = [item_view(session, i, reasons) for i in draft_items(session, draft_id)]
    return DraftView(
        stored_id(row),
        row.meeting_id,
        meeting.title,
        meeting.date.isoformat(),
        row.status,
        row.model,
        row.created_at,
        row.updated_at,
        row.summary,
        row.reject_reason,
        items,
        history(session, draft_id),
        row.notes,
    )


def history(session: Session, draft_id: int) -> list[ReviewStep]:
    rows = session.exec(select(Review).where(Review.draft_id == draft_id).order_by(col(Review.id))).all()
    return [
        ReviewStep(r.at, r.reviewer, r.kind, r.from_status, r.to_status, r.reason, r.detail) for r in rows
    ]


def latest_release(session: Session, draft_id: int) -> Release | None:
    return session.exec(
        select(Release).where(Release.draft_id == draft_id).order_by(col(Release.id).desc())
    ).first()


def approver(session: Session, draft_id: int) -> Review | None:
    return session.exec(
        select(Review)
        .where(Review.draft_id == draft_id, Review.to_status == DraftStatus.APPROVED)
        .order_by(col(Review.id).desc())
    ).first()


def diff(session: Session, draft_id: int) -> DraftDiff:
    """The AI's original against the reviewer's version, item by item, with who changed what and when."""
    row = get_draft(session, draft_id)
    original = types.Draft.model_validate(row.original)
    steps = history(session, draft_id)
    touched: dict[str, ReviewStep] = {}
    for step in steps:
        for ref in [step.detail.get("item")] + [
            r for k in ("added", "edited", "removed") for r in step.detail.get(k, [])
        ]:
            if ref:
                touched[ref] = step
    drafted: list[tuple[str, Sequence[types.Decision | types.Action | types.Flag | types.Point]]] = [
        ("d", original.decisions),
        ("a", original.actions),
        ("f", original.flags),
        ("p", original.points),
    ]
    before = {
        f"{kind}{i + 1}": content(item, kind) for kind, items in drafted for i, item in enumerate(items)
    }
    changes = []
    for item in draft_items(session, draft_id):
        ref = item_ref(item)
        old = before.get(ref) if item.origin == Origin.AI else None
        new = None if item.resolution == Resolution.REMOVED else item_fields(item)
        if item.origin == Origin.REVIEWER:
            change = "removed" if new is None else "added"
        elif new is None:
            change = "removed"
        elif new != old:
            change = "edited"
        elif item.resolution in (Resolution.KEPT, Resolution.PART2):
            change = "part 2" if item.resolution == Resolution.PART2 else "kept"
        else:
            continue
        by = touched.get(ref)
        changes.append(
            ItemChange(
                ref, KINDS[ref[0]].name, change, old, new, by.reviewer if by else None, by.at if by else None
            )
        )
    return DraftDiff(stored_id(row), row.status, original.summary, row.summary, changes, steps)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses of this module as dicts, their evidence included (datetimes stay for the caller's encoder)."""
    if isinstance(obj, list):
        return [to_jsonable(o) for o in obj]
    data = TypeAdapter(type(obj)).dump_python(obj)
    if isinstance(obj, DraftView):
        data["blocking"] = obj.blocking
    return data


def item_view(session: Session, item: Item, reasons: dict[str, str] | None = None) -> ItemView:
    """One item as the review shows it; `reasons` (see `grounding.unsupported_reasons`) say why an unsupported
    item failed the grounding check."""
    fields = item_fields(item)
    return ItemView(
        ref=item_ref(item),
        kind=KINDS[item_ref(item)[0]].name,
        text=fields.get("text") or fields.get("task") or fields.get("reason") or "",  # none: an empty one
        owner=fields.get("owner"),
        due=fields.get("due"),
        flag_kind=fields.get("kind"),
        proposer=fields.get("proposer"),
        seconder=fields.get("seconder"),
        vote=fields.get("vote"),
        agenda_item=fields.get("agenda_item"),
        status=item.status,
        origin=item.origin,
        resolution=item.resolution,
        blocking=is_blocking(item),
        sensitive=isinstance(item, FlagRow) and item.kind not in NOT_SENSITIVE,
        evidence=evidence_of(session, item),
        why=(reasons or {}).get(item_ref(item)) if item.status == ItemStatus.UNSUPPORTED else None,
    )

"""The pending accuracy-check queue: drafts, reviewer edits and resolutions, approval, rejection, release.

States: pending -> in_review -> approved | rejected -> released (approved only). Any reviewer step on a
pending draft first moves it to in_review; an edit after approval sends it back to in_review. Items are
addressed as d1, a2, f1 (decision, action, flag; 1-based, stable: a removed item keeps its number). An AI item
that failed the grounding check (`unsupported`) and every flag, the AI's or one a reviewer added (a
safeguarding concern, say), block approval until a reviewer keeps, edits or removes it; a sensitive flag can
instead be sent to the part-2 (confidential) record (`minutes.records.part2`), never the main minutes.
Every step is one Review row and one audit event, written in the caller's transaction. No item text is ever put in
a Review row or an audit event: they hold item references and hashes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, select

from minutes.consent.meetings import as_id
from minutes.core import types
from minutes.core.audit import record
from minutes.db import Action, Decision, DraftStatus, Evidence, Flag, Meeting, Release, Review, utcnow
from minutes.db import Draft as DraftRow
from minutes.db.audit import content_hash, row_hash
from minutes.errors import NotFoundError, StateError, UsageError
from minutes.speech.language import LANGUAGE_FLAG

KINDS = {
    "d": ("decision", Decision, "decision_id"),
    "a": ("action", Action, "action_id"),
    "f": ("flag", Flag, "flag_id"),
}
EXTRACTION_FLAG = "extraction"  # an extraction problem
# Flag kinds that mark a problem with the draft, not sensitive content: every other kind marks sensitive content.
NOT_SENSITIVE = (EXTRACTION_FLAG, LANGUAGE_FLAG)
RESOLUTIONS = ("keep", "edit", "remove", "part2")
RESOLVED = {"keep": "kept", "edit": "edited", "remove": "removed", "part2": "part2"}
LOG = logging.getLogger("minutes.review.queue")  # ids and states only, never item text
_TRANSITION_EVENTS = {
    DraftStatus.IN_REVIEW: "review.start",
    DraftStatus.APPROVED: "review.approve",
    DraftStatus.REJECTED: "review.reject",
    DraftStatus.RELEASED: "release",
}


@dataclass
class ItemView:
    ref: str
    kind: str  # decision, action, flag
    text: str  # decision text, action task or flag reason
    owner: str | None = None
    due: str | None = None
    flag_kind: str | None = None
    status: str = "supported"
    origin: str = "ai"
    resolution: str | None = None
    blocking: bool = False
    sensitive: bool = False
    evidence: list[types.Evidence] = field(default_factory=list)


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
class EditResult:
    draft_id: int
    status: str
    added: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    summary_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.edited or self.removed or self.summary_changed)


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


# ---- creating and reading -------------------------------------------------------------------------------------


def create_draft(
    session: Session,
    meeting_id: int,
    transcript_id: int | None,
    draft: types.Draft,
    model: str,
    actor: str = "minutes",
) -> DraftRow:
    """Queue the AI's draft for review: items, evidence and flags as rows, the draft itself as original_json."""
    if session.get(Meeting, meeting_id) is None:
        raise NotFoundError(f"meeting {meeting_id} does not exist")
    original = json.dumps(draft.to_json(), ensure_ascii=False, sort_keys=True)
    row = DraftRow(
        meeting_id=meeting_id,
        transcript_id=transcript_id,
        status=DraftStatus.PENDING,
        summary=draft.summary,
        original_json=original,
        model=model,
        notes=json.dumps(draft.notes, ensure_ascii=False),
    )
    session.add(row)
    session.flush()
    for i, d in enumerate(draft.decisions):
        _add_item(session, Decision(draft_id=row.id, idx=i, status=d.status, text=d.text), d.evidence)
    for i, a in enumerate(draft.actions):
        _add_item(
            session,
            Action(draft_id=row.id, idx=i, status=a.status, task=a.task, owner=a.owner, due=a.due),
            a.evidence,
        )
    for i, f in enumerate(draft.flags):
        _add_item(session, Flag(draft_id=row.id, idx=i, kind=f.kind, reason=f.reason), f.evidence)
    record(
        session,
        "draft.create",
        actor,
        meeting_id,
        subject={"draft": row.id, "transcript": transcript_id, "model": model},
        content={"draft": original},
    )
    return row


def get_draft(session: Session, draft_id: int) -> DraftRow:
    row = session.get(DraftRow, draft_id)
    if row is None:
        raise NotFoundError(f"draft {draft_id} does not exist", "see `minutes review list`")
    return row


def draft_as_types(session: Session, draft_id: int) -> types.Draft:
    """The reviewer's current version (removed items left out)."""
    row = get_draft(session, draft_id)
    live = [i for i in draft_items(session, draft_id) if i.resolution != "removed"]
    ev = {id(i): _evidence_types(session, i) for i in live}
    return types.Draft(
        decisions=[types.Decision(i.text, ev[id(i)], i.status) for i in live if isinstance(i, Decision)],
        actions=[
            types.Action(i.task, i.owner, i.due, ev[id(i)], i.status) for i in live if isinstance(i, Action)
        ],
        summary=row.summary,
        flags=[types.Flag(i.kind, i.reason, ev[id(i)]) for i in live if isinstance(i, Flag)],
        notes=json.loads(row.notes or "[]"),
    )


def content_sha256(session: Session, draft_id: int) -> str:
    """Hash of the reviewer's current version, as released. Which flags went to the part-2 record is part of
    it (only when any did, so other drafts hash as before): moving a flag in or out after release is tampering."""
    data = draft_as_types(session, draft_id).to_json()
    part2 = [
        _ref(i) for i in draft_items(session, draft_id) if isinstance(i, Flag) and i.resolution == "part2"
    ]
    return content_hash(data | ({"part2": part2} if part2 else {}))


def list_drafts(session: Session, status: str | None = None) -> list[DraftSummary]:
    if status is not None and status not in {s.value for s in DraftStatus}:
        raise UsageError(
            f"unknown status {status!r}", "use one of " + ", ".join(s.value for s in DraftStatus)
        )
    query = select(DraftRow).order_by(DraftRow.id)
    if status is not None:
        query = query.where(DraftRow.status == status)
    out = []
    for row in session.exec(query).all():
        meeting = session.get(Meeting, row.meeting_id)
        live = [i for i in draft_items(session, row.id) if i.resolution != "removed"]
        out.append(
            DraftSummary(
                row.id,
                row.meeting_id,
                meeting.title,
                meeting.date.isoformat(),
                row.status,
                row.created_at,
                sum(isinstance(i, Decision) for i in live),
                sum(isinstance(i, Action) for i in live),
                sum(isinstance(i, Flag) for i in live),
                sum(_blocking(i) for i in live),
            )
        )
    return out


def show(session: Session, draft_id: int) -> DraftView:
    row = get_draft(session, draft_id)
    meeting = session.get(Meeting, row.meeting_id)
    items = [_view(session, i) for i in draft_items(session, draft_id)]
    return DraftView(
        row.id,
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
        json.loads(row.notes or "[]"),
    )


def history(session: Session, draft_id: int) -> list[ReviewStep]:
    rows = session.exec(select(Review).where(Review.draft_id == draft_id).order_by(Review.id)).all()
    return [
        ReviewStep(r.at, r.reviewer, r.kind, r.from_status, r.to_status, r.reason, json.loads(r.detail_json))
        for r in rows
    ]


def latest_release(session: Session, draft_id: int) -> Release | None:
    return session.exec(
        select(Release).where(Release.draft_id == draft_id).order_by(Release.id.desc())
    ).first()


def approver(session: Session, draft_id: int) -> Review | None:
    return session.exec(
        select(Review)
        .where(Review.draft_id == draft_id, Review.to_status == DraftStatus.APPROVED)
        .order_by(Review.id.desc())
    ).first()


# ---- reviewer steps -------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _DecisionDoc(_Strict):
    id: str | None = None
    text: str = Field(min_length=1)


class _ActionDoc(_Strict):
    id: str | None = None
    task: str = Field(min_length=1)
    owner: str | None = None
    due: str | None = None


class _FlagDoc(_Strict):
    id: str | None = None
    kind: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class _DraftDoc(_Strict):
    summary: str = ""
    decisions: list[_DecisionDoc] = Field(default_factory=list)
    actions: list[_ActionDoc] = Field(default_factory=list)
    flags: list[_FlagDoc] = Field(default_factory=list)


EDIT_HELP = (
    'Edit the minutes below. Keep each item\'s "id" to change it; delete an item to remove it; add an '
    'item without an "id" to add it. Evidence stays with its item (see `minutes review show`).'
)


def editable_document(session: Session, draft_id: int) -> dict[str, Any]:
    """The reviewer's current version as the JSON document `review edit` opens."""
    row = get_draft(session, draft_id)
    doc: dict[str, Any] = {
        "_help": EDIT_HELP,
        "summary": row.summary,
        "decisions": [],
        "actions": [],
        "flags": [],
    }
    for item in draft_items(session, draft_id):
        if item.resolution == "removed":
            continue
        if isinstance(item, Decision):
            doc["decisions"].append({"id": _ref(item), "text": item.text})
        elif isinstance(item, Action):
            doc["actions"].append({"id": _ref(item), "task": item.task, "owner": item.owner, "due": item.due})
        else:
            doc["flags"].append({"id": _ref(item), "kind": item.kind, "reason": item.reason})
    return doc


def parse_document(data: Any) -> _DraftDoc:
    """Validate an edited document's structure; one line naming the first problem if it is wrong."""
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "_help"}
    try:
        return _DraftDoc.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "document"
        raise UsageError(f"invalid edit: {where}: {err['msg']}", "nothing was changed") from None


def edit(session: Session, draft_id: int, document: Any, by: str) -> EditResult:
    """Apply a whole edited document. Unchanged documents change nothing; changes after approval reopen review."""
    by = _reviewer(by)
    doc = parse_document(document)
    row = get_draft(session, draft_id)
    _require_editable(row)
    items = {(_ref(i)): i for i in draft_items(session, draft_id) if i.resolution != "removed"}
    result = EditResult(draft_id, row.status)
    seen: set[str] = set()
    plan: list[tuple[str, Any]] = []
    for prefix, entries in (("d", doc.decisions), ("a", doc.actions), ("f", doc.flags)):
        for entry in entries:
            if entry.id is None:
                plan.append((prefix, entry))
                continue
            ref = entry.id.lower()
            if not ref.startswith(prefix) or ref not in items:
                raise UsageError(
                    f"invalid edit: unknown {KINDS[prefix][0]} id {entry.id!r}", "nothing was changed"
                )
            if ref in seen:
                raise UsageError(f"invalid edit: id {entry.id!r} appears twice", "nothing was changed")
            seen.add(ref)
            if _fields(items[ref]) != _doc_fields(entry):
                result.edited.append(ref)
                plan.append((ref, entry))
    result.removed = [ref for ref in items if ref not in seen]
    added = [p for p in plan if p[0] in KINDS]
    result.summary_changed = doc.summary != row.summary
    if not (added or result.edited or result.removed or result.summary_changed):
        return result
    _open_for_change(session, row, by)
    for key, entry in plan:
        if key in KINDS:
            result.added.append(_ref(_new_item(session, row.id, key, entry)))
        else:
            _apply(items[key], _doc_fields(entry))
            items[key].resolution = "edited"
            session.add(items[key])
    for ref in result.removed:
        items[ref].resolution = "removed"
        session.add(items[ref])
    row.summary = doc.summary
    detail = {
        "added": result.added,
        "edited": result.edited,
        "removed": result.removed,
        "summary": result.summary_changed,
    }
    add_step(session, row, by, "edit", detail=detail)
    record(
        session,
        "review.edit",
        by,
        row.meeting_id,
        subject={"draft": row.id, **detail},
        hashes={"version": content_sha256(session, row.id)},
    )
    result.status = row.status
    return result


def resolve(
    session: Session,
    draft_id: int,
    ref: str,
    resolution: str,
    by: str,
    text: str | None = None,
    owner: str | None = None,
    due: str | None = None,
) -> ItemView:
    """Keep, edit or remove one item (the way to clear an unsupported item or a sensitive flag), or send a
    sensitive flag to the part-2 record ("part2": the reviewer confirms it, and it is minuted confidentially)."""
    by = _reviewer(by)
    if resolution not in RESOLUTIONS:
        raise UsageError(f"unknown resolution {resolution!r}", "use --keep, --edit TEXT, --remove or --part2")
    row = get_draft(session, draft_id)
    _require_editable(row)
    item = _find(session, draft_id, ref)
    if item.resolution == "removed":
        raise StateError(f"item {_ref(item)} of draft {draft_id} was removed")
    if resolution == "part2" and (not isinstance(item, Flag) or item.kind in NOT_SENSITIVE):
        raise UsageError(
            f"only a sensitive flag can go to the part-2 (confidential) record, not {_ref(item)}",
            "keep, edit or remove it instead",
        )
    changes: dict[str, Any] = {}
    if resolution == "edit":
        if text is not None and not text.strip():
            raise UsageError("--edit needs the new text")
        changes = {
            k: v
            for k, v in (("text", text and text.strip()), ("owner", owner), ("due", due))
            if v is not None
        }
        if isinstance(item, Flag) and "text" in changes:
            changes = {"reason": changes["text"]}
        elif not isinstance(item, Action) and ({"owner", "due"} & changes.keys()):
            raise UsageError(f"--owner and --due apply to actions only, not {_ref(item)}")
        if not changes:
            raise UsageError("--edit needs the new text (or --owner/--due for an action)")
    elif owner is not None or due is not None:
        raise UsageError("--owner and --due go with --edit")
    if resolution == "keep" and row.status == DraftStatus.APPROVED:
        pass  # confirming an item changes nothing in approved minutes
    else:
        _open_for_change(session, row, by)
    if changes:
        _apply(
            item, {("task" if k == "text" and isinstance(item, Action) else k): v for k, v in changes.items()}
        )
    item.resolution = RESOLVED[resolution]
    session.add(item)
    detail = {"item": _ref(item), "resolution": item.resolution}
    add_step(session, row, by, "resolve", detail=detail)
    record(
        session,
        "review.resolve",
        by,
        row.meeting_id,
        subject={"draft": row.id, **detail},
        hashes={"item": content_hash(_fields(item))},
    )
    return _view(session, item)


def approve(session: Session, draft_id: int, by: str) -> DraftRow:
    by = _reviewer(by)
    row = get_draft(session, draft_id)
    if row.status == DraftStatus.APPROVED:
        raise StateError(f"draft {draft_id} is already approved")
    if row.status in (DraftStatus.REJECTED, DraftStatus.RELEASED):
        raise StateError(f"draft {draft_id} is {row.status}; it cannot be approved")
    blockers = [_view(session, i) for i in draft_items(session, draft_id) if _blocking(i)]
    if blockers:
        named = ", ".join(
            f"{v.ref} ({v.flag_kind + ' flag' if v.kind == 'flag' else v.status})" for v in blockers
        )
        raise StateError(
            f"draft {draft_id} has unresolved items: {named}",
            "resolve each with `minutes review resolve DRAFT ITEM --keep|--edit TEXT|--remove`",
        )
    _start(session, row, by)
    transition(session, row, DraftStatus.APPROVED, by)
    return row


def reject(session: Session, draft_id: int, by: str, reason: str) -> DraftRow:
    by = _reviewer(by)
    if not reason or not reason.strip():
        raise UsageError("a rejection needs a reason (--reason TEXT)")
    row = get_draft(session, draft_id)
    if row.status in (DraftStatus.REJECTED, DraftStatus.RELEASED):
        raise StateError(f"draft {draft_id} is already {row.status}")
    _start(session, row, by)
    row.reject_reason = reason.strip()
    transition(session, row, DraftStatus.REJECTED, by, reason=reason.strip())
    return row


def release(session: Session, draft_id: int, by: str) -> Release:
    """Release approved minutes: they become exportable. Records the hash of exactly what was released."""
    by = _reviewer(by)
    row = get_draft(session, draft_id)
    if row.status != DraftStatus.APPROVED:
        raise StateError(
            f"draft {draft_id} is {row.status}; only approved minutes can be released",
            "approve it first with `minutes review approve DRAFT --by NAME`"
            if row.status in (DraftStatus.PENDING, DraftStatus.IN_REVIEW)
            else None,
        )
    rel = Release(draft_id=row.id, released_by=by, content_sha256=content_sha256(session, row.id))
    session.add(rel)
    session.flush()
    transition(
        session, row, DraftStatus.RELEASED, by, detail={"release": rel.id}, hashes=_release_hashes(rel)
    )
    return rel


def reissue(session: Session, draft_id: int, by: str, note: str) -> Release:
    """A new release of already released minutes after they changed (a withdrawal); keeps the earlier record."""
    row = get_draft(session, draft_id)
    if row.status != DraftStatus.RELEASED:
        raise StateError(f"draft {draft_id} is {row.status}; only released minutes can be re-issued")
    prior = latest_release(session, draft_id)
    rel = Release(
        draft_id=row.id,
        released_by=by,
        content_sha256=content_sha256(session, row.id),
        reissue_of=prior.id if prior else None,
        note=note,
    )
    session.add(rel)
    session.flush()
    detail = {"release": rel.id, "reissue_of": rel.reissue_of}
    add_step(session, row, by, "reissue", reason=note, detail=detail)
    record(
        session,
        "release.reissue",
        by,
        row.meeting_id,
        subject={"draft": row.id, **detail},
        hashes=_release_hashes(rel),
    )
    return rel


def _release_hashes(rel: Release) -> dict[str, str]:
    """What minutes.records.integrity checks the released draft and its Release row against."""
    return {"draft": rel.content_sha256, "release": row_hash(rel)}


def transition(
    session: Session,
    row: DraftRow,
    to_status: str,
    by: str,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    event: str | None = None,
    hashes: dict[str, str] | None = None,
) -> None:
    """Move a draft to another state: one Review row and one audit event (with any content `hashes`)."""
    from_status = row.status
    row.status = to_status
    add_step(
        session,
        row,
        by,
        "transition",
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        detail=detail,
    )
    kind = event or (
        "review.reopen"
        if to_status == DraftStatus.IN_REVIEW and from_status != DraftStatus.PENDING
        else _TRANSITION_EVENTS[DraftStatus(to_status)]
    )
    LOG.info("draft %s: %s -> %s", row.id, from_status, to_status)
    record(
        session,
        kind,
        by,
        row.meeting_id,
        subject={"draft": row.id, "from": from_status, "to": to_status, **(detail or {})},
        content={"reason": reason} if reason else None,
        hashes=hashes,
    )


def diff(session: Session, draft_id: int) -> DraftDiff:
    """The AI's original against the reviewer's version, item by item, with who changed what and when."""
    row = get_draft(session, draft_id)
    original = types.Draft.from_json(json.loads(row.original_json))
    steps = history(session, draft_id)
    touched: dict[str, ReviewStep] = {}
    for step in steps:
        for ref in [step.detail.get("item")] + [
            r for k in ("added", "edited", "removed") for r in step.detail.get(k, [])
        ]:
            if ref:
                touched[ref] = step
    before = {f"d{i + 1}": {"text": d.text} for i, d in enumerate(original.decisions)}
    before |= {
        f"a{i + 1}": {"task": a.task, "owner": a.owner, "due": a.due} for i, a in enumerate(original.actions)
    }
    before |= {f"f{i + 1}": {"kind": f.kind, "reason": f.reason} for i, f in enumerate(original.flags)}
    changes = []
    for item in draft_items(session, draft_id):
        ref = _ref(item)
        old = before.get(ref) if item.origin == "ai" else None
        new = None if item.resolution == "removed" else _fields(item)
        if item.origin == "reviewer":
            change = "removed" if new is None else "added"
        elif new is None:
            change = "removed"
        elif new != old:
            change = "edited"
        elif item.resolution in ("kept", "part2"):
            change = "part 2" if item.resolution == "part2" else "kept"
        else:
            continue
        step = touched.get(ref)
        changes.append(
            ItemChange(ref, KINDS[ref[0]][0], change, old, new, step and step.reviewer, step and step.at)
        )
    return DraftDiff(row.id, row.status, original.summary, row.summary, changes, steps)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses of this module as JSON-ready dicts."""
    if isinstance(obj, list):
        return [to_jsonable(o) for o in obj]
    data = asdict(obj)
    if isinstance(obj, DraftView):
        data["blocking"] = obj.blocking
    return data


# ---- internals ------------------------------------------------------------------------------------------------


def _reviewer(by: str | None) -> str:
    if not by or not by.strip():
        raise UsageError("name the reviewer with --by NAME")
    return by.strip()


def _ref(item: Decision | Action | Flag) -> str:
    prefix = "d" if isinstance(item, Decision) else "a" if isinstance(item, Action) else "f"
    return f"{prefix}{item.idx + 1}"


def draft_items(session: Session, draft_id: int) -> list[Decision | Action | Flag]:
    out: list[Decision | Action | Flag] = []
    for _, table, _ in KINDS.values():
        out += session.exec(select(table).where(table.draft_id == draft_id).order_by(table.idx)).all()
    return out


def _find(session: Session, draft_id: int, ref: str) -> Decision | Action | Flag:
    ref = (ref or "").strip().lower()
    number = as_id(ref[1:]) if len(ref) >= 2 and ref[0] in KINDS else None
    if number is None:
        raise UsageError(
            f"not an item reference: {ref[:30]!r}", "use d1, a2, f1 as listed by `minutes review show`"
        )
    table = KINDS[ref[0]][1]
    item = session.exec(select(table).where(table.draft_id == draft_id, table.idx == number - 1)).first()
    if item is None:
        raise NotFoundError(f"draft {draft_id} has no item {ref}")
    return item


def _blocking(item: Decision | Action | Flag) -> bool:
    """Open flags block whoever raised them: a reviewer's safeguarding flag needs someone to act on it too."""
    if item.resolution is not None:
        return False
    return isinstance(item, Flag) or (item.origin == "ai" and item.status == "unsupported")


def _fields(item: Decision | Action | Flag) -> dict[str, Any]:
    if isinstance(item, Decision):
        return {"text": item.text}
    if isinstance(item, Action):
        return {"task": item.task, "owner": item.owner, "due": item.due}
    return {"kind": item.kind, "reason": item.reason}


def _doc_fields(entry: _DecisionDoc | _ActionDoc | _FlagDoc) -> dict[str, Any]:
    return entry.model_dump(exclude={"id"})


def _apply(item: Decision | Action | Flag, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(item, key, value)


def _new_item(session: Session, draft_id: int, prefix: str, entry: Any) -> Decision | Action | Flag:
    table = KINDS[prefix][1]
    last = session.exec(select(table).where(table.draft_id == draft_id).order_by(table.idx.desc())).first()
    item = table(
        draft_id=draft_id, idx=(last.idx + 1) if last else 0, origin="reviewer", **_doc_fields(entry)
    )
    session.add(item)
    session.flush()
    return item


def _add_item(session: Session, item: Decision | Action | Flag, evidence: list[types.Evidence]) -> None:
    session.add(item)
    session.flush()
    column = KINDS[_ref(item)[0]][2]
    session.add_all(Evidence(**{column: item.id}, start=e.start, end=e.end, quote=e.quote) for e in evidence)


def evidence_rows(session: Session, item: Decision | Action | Flag) -> list[Evidence]:
    column = getattr(Evidence, KINDS[_ref(item)[0]][2])
    return list(session.exec(select(Evidence).where(column == item.id).order_by(Evidence.id)).all())


def _evidence_types(session: Session, item: Decision | Action | Flag) -> list[types.Evidence]:
    return [types.Evidence(e.start, e.end, e.quote) for e in evidence_rows(session, item)]


def _view(session: Session, item: Decision | Action | Flag) -> ItemView:
    fields = _fields(item)
    is_flag = isinstance(item, Flag)
    return ItemView(
        ref=_ref(item),
        kind=KINDS[_ref(item)[0]][0],
        text=fields.get("text") or fields.get("task") or fields.get("reason"),
        owner=fields.get("owner"),
        due=fields.get("due"),
        flag_kind=fields.get("kind"),
        status=item.status,
        origin=item.origin,
        resolution=item.resolution,
        blocking=_blocking(item),
        sensitive=is_flag and item.kind not in NOT_SENSITIVE,
        evidence=_evidence_types(session, item),
    )


def _require_editable(row: DraftRow) -> None:
    if row.status in (DraftStatus.REJECTED, DraftStatus.RELEASED):
        raise StateError(f"draft {row.id} is {row.status}; it can no longer be edited")


def _start(session: Session, row: DraftRow, by: str) -> None:
    if row.status == DraftStatus.PENDING:
        transition(session, row, DraftStatus.IN_REVIEW, by)


def _open_for_change(session: Session, row: DraftRow, by: str) -> None:
    """Before a change: a pending draft enters review; an approved one goes back to review."""
    if row.status in (DraftStatus.PENDING, DraftStatus.APPROVED):
        transition(
            session,
            row,
            DraftStatus.IN_REVIEW,
            by,
            reason="edited after approval" if row.status == DraftStatus.APPROVED else None,
        )


def add_step(
    session: Session,
    row: DraftRow,
    by: str,
    kind: str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    row.updated_at = utcnow()
    session.add(row)
    session.add(
        Review(
            draft_id=row.id,
            reviewer=by,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            detail_json=json.dumps(detail or {}, sort_keys=True),
            at=row.updated_at,
        )
    )
    session.flush()

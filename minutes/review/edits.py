"""Reviewer changes: the whole-document edit that `review edit` opens, keep/edit/remove of one item, and moving
an item (a decision, an action or a discussion point) to another agenda item.

An AI item that failed the grounding check (`unsupported`) and every flag, the AI's or one a reviewer added (a
safeguarding concern, say), block approval until a reviewer keeps, edits or removes it; a sensitive flag can
instead be sent to the part-2 (confidential) record (`minutes.records.part2`), never the main minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, ValidationError
from sqlmodel import Session, SQLModel, select
from sqlmodel.main import SQLModelConfig  # the type SQLModel declares model_config with

from minutes.consent.text import refuse_controls
from minutes.core.audit import record
from minutes.db import ActionRow, AgendaItem, DraftStatus, FlagRow, Origin, PointRow, Resolution
from minutes.db.audit import content_hash
from minutes.db.domain import ActionFields, DecisionFields, FlagFields, PointFields
from minutes.db.ids import stored_id
from minutes.errors import StateError, UsageError
from minutes.review.items import (
    KINDS,
    NOT_SENSITIVE,
    Item,
    draft_items,
    evidence_rows,
    find_item,
    get_draft,
    item_fields,
    item_ref,
    refuse_too_long,
)
from minutes.review.manual import insert_item, refresh_summary, summary_is_drafted, undo_kind
from minutes.review.states import add_step, open_for_change, record_step, require_editable, reviewer_name
from minutes.review.views import ItemView, history, item_view

RESOLUTIONS = ("keep", "edit", "remove", "part2")
RESOLVED = {
    "keep": Resolution.KEPT,
    "edit": Resolution.EDITED,
    "remove": Resolution.REMOVED,
    "part2": Resolution.PART2,
}
EDIT_HELP = (
    'Edit the minutes below. Keep each item\'s "id" to change it; delete an item to remove it; add an '
    'item without an "id" to add it. Evidence stays with its item (see `minutes review show`).'
)


@dataclass
class EditResult:
    draft_id: int
    status: str
    added: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    summary_changed: bool = False  # the reviewer wrote the summary
    summary_refreshed: bool = False  # rewritten from the points, which changed (minutes.review.manual)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.edited or self.removed or self.summary_changed)


class _Strict(SQLModel):
    model_config = SQLModelConfig(extra="forbid", str_strip_whitespace=True, from_attributes=False)


class _Ref(_Strict):
    id: str | None = None


# The item fields as the tables and records define them (id first: the first error named is in document order),
# with the text a reviewer must not leave empty.
class _DecisionDoc(DecisionFields, _Ref):
    model_config = _Strict.model_config
    text: str = Field(min_length=1)


class _ActionDoc(ActionFields, _Ref):
    model_config = _Strict.model_config
    task: str = Field(min_length=1)


class _FlagDoc(FlagFields, _Ref):
    model_config = _Strict.model_config
    kind: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class _PointDoc(PointFields, _Ref):
    model_config = _Strict.model_config
    text: str = Field(min_length=1)


class _DraftDoc(_Strict):
    summary: str = ""
    decisions: list[_DecisionDoc] = Field(default_factory=list)
    actions: list[_ActionDoc] = Field(default_factory=list)
    flags: list[_FlagDoc] = Field(default_factory=list)
    points: list[_PointDoc] = Field(default_factory=list)


def editable_document(session: Session, draft_id: int) -> dict[str, Any]:
    """The reviewer's current version as the JSON document `review edit` opens."""
    row = get_draft(session, draft_id)
    doc: dict[str, Any] = {
        "_help": EDIT_HELP,
        "summary": row.summary,
        "decisions": [],
        "actions": [],
        "flags": [],
        "points": [],
    }
    for item in draft_items(session, draft_id):
        if item.resolution != Resolution.REMOVED:
            ref = item_ref(item)
            doc[KINDS[ref[0]].name + "s"].append({"id": ref, **item_fields(item)})
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
    by = reviewer_name(by)
    doc = parse_document(document)
    row = get_draft(session, draft_id)
    require_editable(row)
    for entry in doc.decisions + doc.actions + doc.points:
        check_agenda_item(session, row.meeting_id, entry.agenda_item)
    items = {item_ref(i): i for i in draft_items(session, draft_id) if i.resolution != Resolution.REMOVED}
    result = EditResult(draft_id, row.status)
    plan, seen = _plan(doc, items, result)
    result.removed = [ref for ref in items if ref not in seen]
    if cleared := [ref for ref in result.removed if _sensitive_flag(items[ref])]:
        raise UsageError(
            f"invalid edit: {cleared[0]} is a sensitive flag; it is cleared with a reason, not deleted",
            f"nothing was changed; `minutes review clear {draft_id} {cleared[0]} --reason TEXT --by NAME`",
        )
    added = [p for p in plan if p[0] in KINDS]
    result.summary_changed = doc.summary != row.summary
    for key, entry in plan:  # what the reviewer wrote, not what the AI did: printable, one line, not too long
        written = _doc_fields(entry)
        for field_name, value in written.items():
            if isinstance(value, str):
                refuse_controls(value, f"{entry.id or 'a new item'}'s {field_name}")
        stored = item_fields(items[key]) if key in items else {}
        refuse_too_long({k: v for k, v in written.items() if v != stored.get(k)}, entry.id or "a new item")
    if result.summary_changed:
        refuse_controls(doc.summary, "the summary")
        refuse_too_long({"summary": doc.summary}, "the draft")
    if not (added or result.edited or result.removed or result.summary_changed):
        return result
    open_for_change(session, row, by)
    drafted = not result.summary_changed and summary_is_drafted(session, row)
    for key, entry in plan:
        if key in KINDS:
            result.added.append(item_ref(_new_item(session, stored_id(row), key, entry)))
        else:
            _apply(items[key], _doc_fields(entry))
            items[key].resolution = Resolution.EDITED
            session.add(items[key])
    for ref in result.removed:
        items[ref].resolution = Resolution.REMOVED
        session.add(items[ref])
    row.summary = doc.summary
    session.flush()
    points = any(ref.startswith("p") for ref in result.added + result.edited + result.removed)
    result.summary_refreshed = drafted and points and refresh_summary(session, row)
    detail = {
        "added": result.added,
        "edited": result.edited,
        "removed": result.removed,
        "summary": result.summary_changed,  # the reviewer's own summary: never rewritten from the points again
        "summary_refreshed": result.summary_refreshed,
    }
    record_step(session, row, by, "edit", detail)
    result.status = row.status
    return result


def _plan(
    doc: _DraftDoc, items: dict[str, Item], result: EditResult
) -> tuple[list[tuple[str, Any]], set[str]]:
    """What an edited document changes: (kind prefix, entry) to add, (ref, entry) to edit; the refs it keeps."""
    seen: set[str] = set()
    plan: list[tuple[str, Any]] = []
    for prefix, entries in (("d", doc.decisions), ("a", doc.actions), ("f", doc.flags), ("p", doc.points)):
        for entry in entries:
            if entry.id is None:
                plan.append((prefix, entry))
                continue
            ref = entry.id.lower()
            if not ref.startswith(prefix) or ref not in items:
                raise UsageError(
                    f"invalid edit: unknown {KINDS[prefix].name} id {entry.id!r}", "nothing was changed"
                )
            if ref in seen:
                raise UsageError(f"invalid edit: id {entry.id!r} appears twice", "nothing was changed")
            seen.add(ref)
            if item_fields(items[ref]) != _doc_fields(entry):
                result.edited.append(ref)
                plan.append((ref, entry))
    return plan, seen


def move(session: Session, draft_id: int, ref: str, agenda_item: int | None, by: str) -> ItemView:
    """Put a decision, action or point under another agenda item (None: back where its evidence places it). Its text
    and resolution stay as they are: a move neither edits nor clears an item that blocks approval."""
    by = reviewer_name(by)
    row = get_draft(session, draft_id)
    require_editable(row)
    item = find_item(session, draft_id, ref)
    if isinstance(item, FlagRow) or item.resolution == Resolution.REMOVED:
        what = "a flag" if isinstance(item, FlagRow) else "removed"
        raise UsageError(
            f"item {item_ref(item)} of draft {draft_id} is {what}; only decisions, actions and points move"
        )
    check_agenda_item(session, row.meeting_id, agenda_item)
    if item.agenda_item == agenda_item:
        raise UsageError(f"item {item_ref(item)} is already there", "nothing was changed")
    open_for_change(session, row, by)
    item.agenda_item = agenda_item
    session.add(item)
    detail = {"item": item_ref(item), "agenda_item": agenda_item}
    record_step(session, row, by, "move", detail)
    return item_view(session, item)


def check_agenda_item(session: Session, meeting_id: int, number: int | None) -> None:
    """An agenda item number must be one of the meeting's (None: placed by its evidence)."""
    if number is None:
        return
    count = len(session.exec(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)).all())
    if not count:
        raise UsageError(f"meeting {meeting_id} has no agenda", "give one with `minutes meeting agenda`")
    if not 1 <= number <= count:
        raise UsageError(f"agenda item {number} is not on the agenda of meeting {meeting_id} (1 to {count})")


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
    by = reviewer_name(by)
    if resolution not in RESOLUTIONS:
        raise UsageError(f"unknown resolution {resolution!r}", "use --keep, --edit TEXT, --remove or --part2")
    row = get_draft(session, draft_id)
    require_editable(row)
    item = find_item(session, draft_id, ref)
    if item.resolution == Resolution.REMOVED:
        raise StateError(f"item {item_ref(item)} of draft {draft_id} was removed")
    if resolution == Resolution.PART2 and (not isinstance(item, FlagRow) or item.kind in NOT_SENSITIVE):
        raise UsageError(
            f"only a sensitive flag can go to the part-2 (confidential) record, not {item_ref(item)}",
            "keep, edit or remove it instead",
        )
    if resolution == "remove" and _sensitive_flag(item):
        raise UsageError(
            f"{item_ref(item)} is a sensitive flag: clear it with a reason instead",
            f"`minutes review clear {draft_id} {item_ref(item)} --reason TEXT --by NAME`",
        )
    changes = _resolve_changes(item, resolution, text, owner, due)
    was = item.resolution
    if resolution == "keep" and row.status == DraftStatus.APPROVED:
        pass  # confirming an item changes nothing in approved minutes
    else:
        open_for_change(session, row, by)
    drafted = isinstance(item, PointRow) and summary_is_drafted(session, row)
    if changes:
        _apply(
            item,
            {("task" if k == "text" and isinstance(item, ActionRow) else k): v for k, v in changes.items()},
        )
    item.resolution = RESOLVED[resolution]
    session.add(item)
    session.flush()
    detail: dict[str, Any] = {"item": item_ref(item), "resolution": item.resolution}
    if drafted and refresh_summary(session, row):
        detail["summary_refreshed"] = True
    if resolution == "remove":
        detail["was"] = was  # what an undo puts back
    add_step(session, row, by, "resolve", detail=detail)
    record(
        session,
        "review.resolve",
        by,
        row.meeting_id,
        subject={"draft": row.id, **detail},
        hashes={"item": content_hash(item_fields(item))},
    )
    return item_view(session, item)


def _sensitive_flag(item: Item) -> bool:
    return isinstance(item, FlagRow) and item.kind not in NOT_SENSITIVE


def _resolve_changes(
    item: Item, resolution: str, text: str | None, owner: str | None, due: str | None
) -> dict[str, Any]:
    """The fields a `resolve --edit` sets (text as "reason" for a flag); UsageError for options that do not fit."""
    if resolution != "edit":
        if owner is not None or due is not None:
            raise UsageError("--owner and --due go with --edit")
        return {}
    if text is not None and not text.strip():
        raise UsageError("--edit needs the new text")
    changes = {
        k: v for k, v in (("text", text and text.strip()), ("owner", owner), ("due", due)) if v is not None
    }
    if isinstance(item, FlagRow) and "text" in changes:
        changes = {"reason": changes["text"]}
    elif not isinstance(item, ActionRow) and ({"owner", "due"} & changes.keys()):
        raise UsageError(f"--owner and --due apply to actions only, not {item_ref(item)}")
    if not changes:
        raise UsageError("--edit needs the new text (or --owner/--due for an action)")
    for key, value in changes.items():
        refuse_controls(value, f"the new {key}")
    refuse_too_long(changes, item_ref(item))
    return changes


def _doc_fields(entry: _DecisionDoc | _ActionDoc | _FlagDoc | _PointDoc) -> dict[str, Any]:
    return entry.model_dump(exclude={"id"})


def _apply(item: Item, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(item, key, value)


def _new_item(session: Session, draft_id: int, prefix: str, entry: Any) -> Item:
    return insert_item(session, draft_id, prefix, _doc_fields(entry), origin=Origin.REVIEWER)


def restore(session: Session, draft_id: int, ref: str, by: str) -> ItemView:
    """Undo a removal (or the clearing of a flag, or a change of kind: `minutes.review.manual.undo_kind`): the
    item comes back as it was before (open, kept or edited), audited. An item that blocked approval before
    blocks it again. An item resting on lines a sensitive flag covers stays out: those lines are not for the
    minutes."""
    by = reviewer_name(by)
    row = get_draft(session, draft_id)
    require_editable(row)
    item = find_item(session, draft_id, ref)
    if item.resolution != Resolution.REMOVED:
        raise UsageError(f"item {item_ref(item)} of draft {draft_id} was not removed", "nothing was changed")
    removals = [
        step
        for step in history(session, draft_id)
        if (
            step.kind == "resolve"
            and step.detail.get("item") == item_ref(item)
            and step.detail.get("resolution") == Resolution.REMOVED
        )
        or (step.kind == "kind" and item_ref(item) in step.detail.get("removed", ()))
    ]
    last = removals[-1] if removals else None
    lent = find_item(session, draft_id, last.detail["added"][0]) if last and last.kind == "kind" else None
    if not isinstance(item, FlagRow) and (flag := _withheld_by(session, draft_id, lent or item)):
        raise StateError(
            f"{item_ref(item)} rests on lines flagged as sensitive ({flag}); it stays out of the minutes",
            "clear the flag first if it is not sensitive",
        )
    if lent is not None and lent.resolution == Resolution.REMOVED and not evidence_rows(session, lent):
        raise StateError(
            f"{item_ref(item)} became {item_ref(lent)}, whose kind was changed again",
            f"undo the change of {item_ref(lent)} first",
        )
    if last and lent is not None:
        return undo_kind(session, row, item, last.detail, by)
    was = last.detail.get("was") if last else None
    open_for_change(session, row, by)
    item.resolution = was
    session.add(item)
    record_step(session, row, by, "restore", {"item": item_ref(item), "resolution": was})
    return item_view(session, item)


def _withheld_by(session: Session, draft_id: int, item: Item) -> str | None:
    """The sensitive flag (still in force) whose lines the item's evidence falls in, if any."""
    spans = [(e.start, e.end) for e in evidence_rows(session, item)]
    for other in draft_items(session, draft_id):
        if _sensitive_flag(other) and other.resolution != Resolution.REMOVED:
            for e in evidence_rows(session, other):
                if any(a < e.end and b > e.start for a, b in spans):
                    return item_ref(other)
    return None

"""Drafts and their items as stored: queueing the AI's draft, reading items back, the reviewer's version and its hash.

Items are addressed as d1, a2, f1, p1 (decision, action, flag, discussion point; 1-based, stable: a removed item
keeps its number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlmodel import Session, SQLModel, col, select

from minutes.consent.text import as_id
from minutes.core import types
from minutes.core.audit import record
from minutes.db import (
    ActionRow,
    AgendaItem,
    DecisionRow,
    DraftRow,
    DraftStatus,
    FlagRow,
    ItemEvidence,
    ItemStatus,
    Meeting,
    Origin,
    Participant,
    PointRow,
    Resolution,
)
from minutes.db.audit import content_hash
from minutes.db.domain import REVIEWER_CHARS, ActionFields, DecisionFields, FlagFields, PointFields
from minutes.db.ids import stored_id
from minutes.errors import NotFoundError, UsageError
from minutes.speech.language import LANGUAGE_FLAG


@dataclass(frozen=True)
class ItemKind:
    name: str  # decision, action, flag, point
    table: type[DecisionRow] | type[ActionRow] | type[FlagRow] | type[PointRow]
    evidence_column: str  # the ItemEvidence column pointing at the item
    fields: type[SQLModel]  # its content: what a reviewer edits, diffs and hashes


KINDS = {
    "d": ItemKind("decision", DecisionRow, "decision_id", DecisionFields),
    "a": ItemKind("action", ActionRow, "action_id", ActionFields),
    "f": ItemKind("flag", FlagRow, "flag_id", FlagFields),
    "p": ItemKind("point", PointRow, "point_id", PointFields),
}
PREFIX = {kind.table: prefix for prefix, kind in KINDS.items()}
EXTRACTION_FLAG = "extraction"  # an extraction problem
# Flag kinds that mark a problem with the draft, not sensitive content: every other kind marks sensitive content.
NOT_SENSITIVE = (EXTRACTION_FLAG, LANGUAGE_FLAG)

Item = DecisionRow | ActionRow | FlagRow | PointRow


def refuse_too_long(values: dict[str, Any], what: str) -> None:
    """What a reviewer wrote, held to REVIEWER_CHARS (minutes.db.domain); a UsageError naming the first field
    over its limit. Only the reviewer's own words are checked: a drafted field they left alone is not theirs."""
    for key, value in values.items():
        limit = REVIEWER_CHARS.get(key)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            raise UsageError(
                f"invalid edit: {what}'s {key} is {len(value):,} characters, more than the {limit:,} allowed",
                "nothing was changed; shorten it",
            )


# item fields added after minutes were first released: hashed only when set, so those releases verify as before
LATER_FIELDS = ("proposer", "seconder", "vote", "agenda_item")


def create_draft(
    session: Session,
    meeting_id: int,
    transcript_id: int | None,
    draft: types.Draft,
    model: str,
    actor: str = "minutes",
) -> DraftRow:
    """Queue the AI's draft for review: items, evidence and flags as rows, the draft itself as `original`."""
    if session.get(Meeting, meeting_id) is None:
        raise NotFoundError(f"meeting {meeting_id} does not exist")
    original = draft.model_dump(mode="json")
    row = DraftRow(
        meeting_id=meeting_id,
        transcript_id=transcript_id,
        status=DraftStatus.PENDING,
        summary=draft.summary,
        original=original,
        model=model,
        notes=list(draft.notes),  # a copy: the row must not change with the caller's draft
    )
    session.add(row)
    session.flush()
    for prefix, records in _records(draft):
        for i, rec in enumerate(records):
            status = getattr(rec, "status", ItemStatus.SUPPORTED)  # a flag has none
            item = KINDS[prefix].table(draft_id=stored_id(row), idx=i, status=status, **content(rec, prefix))
            _add_item(session, item, rec.evidence)
    record(
        session,
        "draft.create",
        actor,
        meeting_id,
        subject={"draft": row.id, "transcript": transcript_id, "model": model},
        hashes={"draft": content_hash(_hashed(draft.model_dump(mode="json")))},
    )
    return row


def _records(draft: types.Draft) -> list[tuple[str, list[Any]]]:
    """The draft's items by kind prefix, in the order of KINDS."""
    return [("d", draft.decisions), ("a", draft.actions), ("f", draft.flags), ("p", draft.points)]


def get_draft(session: Session, draft_id: int) -> DraftRow:
    row = session.get(DraftRow, draft_id) if as_id(draft_id) else None  # no database holds a bigger id
    if row is None:
        raise NotFoundError(f"draft {draft_id} does not exist", "see `minutes review list`")
    return row


def draft_as_types(session: Session, draft_id: int) -> types.Draft:
    """The reviewer's current version (removed items left out)."""
    row = get_draft(session, draft_id)
    live = [i for i in draft_items(session, draft_id) if i.resolution != Resolution.REMOVED]
    ev = {id(i): evidence_of(session, i) for i in live}
    return types.Draft(
        decisions=[
            types.Decision(**content(i, "d"), evidence=ev[id(i)], status=i.status)
            for i in live
            if isinstance(i, DecisionRow)
        ],
        actions=[
            types.Action(**content(i, "a"), evidence=ev[id(i)], status=i.status)
            for i in live
            if isinstance(i, ActionRow)
        ],
        summary=row.summary,
        flags=[
            types.Flag(kind=i.kind, reason=i.reason, evidence=ev[id(i)])
            for i in live
            if isinstance(i, FlagRow)
        ],
        notes=row.notes,
        points=[
            types.Point(**content(i, "p"), evidence=ev[id(i)], status=i.status)
            for i in live
            if isinstance(i, PointRow)
        ],
    )


def _hashed(data: dict) -> dict:
    """A draft's JSON as it is hashed (changed in place): fields added after the first releases are left out
    when empty, so those releases verify as before, and the AI's draft hashes as an unedited release of it."""
    if not data["points"]:
        del data["points"]
    for item in data["decisions"] + data["actions"] + data.get("points", []):
        for name in LATER_FIELDS:
            if item.get(name) is None:
                item.pop(name, None)
    return data


def content_sha256(session: Session, draft_id: int) -> str:
    """Hash of the reviewer's current version, as released. Which flags went to the part-2 record is part of
    it (only when any did, so other drafts hash as before): moving a flag in or out after release is tampering.
    So are LATER_FIELDS, hashed only when set, and discussion points, only when there are any."""
    data = _hashed(draft_as_types(session, draft_id).model_dump(mode="json"))
    part2 = [
        item_ref(i)
        for i in draft_items(session, draft_id)
        if isinstance(i, FlagRow) and i.resolution == Resolution.PART2
    ]
    return content_hash(data | ({"part2": part2} if part2 else {}))


def meeting_sha256(session: Session, meeting_id: int) -> str:
    """Hash of the meeting facts released minutes print beside their content: title, date, who attended in
    what capacity (name, role, attendance, whether apologies were accepted) and the agenda. A release records
    it, so an edit of any of them in the database after release is named (minutes.records.integrity)."""
    meeting = session.get_one(Meeting, meeting_id)
    people = session.exec(
        select(Participant).where(Participant.meeting_id == meeting_id).order_by(col(Participant.id))
    )
    agenda = session.exec(
        select(AgendaItem.title).where(AgendaItem.meeting_id == meeting_id).order_by(col(AgendaItem.number))
    )
    return content_hash(
        {
            "title": meeting.title,
            "date": meeting.date,
            "participants": [[p.id, p.name, p.role, p.attendance, p.apologies_accepted] for p in people],
            "agenda": list(agenda),
        }
    )


def draft_items(session: Session, draft_id: int) -> list[Item]:
    out: list[Item] = []
    for kind in KINDS.values():
        table = kind.table
        rows = session.exec(select(table).where(table.draft_id == draft_id).order_by(col(table.idx))).all()
        out += cast(Sequence[Item], rows)  # mypy types select() of a union of tables as their base, _Item
    return out


def item_ref(item: Item) -> str:
    return f"{PREFIX[type(item)]}{item.idx + 1}"


def find_item(session: Session, draft_id: int, ref: str) -> Item:
    ref = (ref or "").strip().lower()
    number = as_id(ref[1:]) if len(ref) >= 2 and ref[0] in KINDS else None
    if number is None:
        raise UsageError(
            f"not an item reference: {ref[:30]!r}", "use d1, a2, f1, p1 as listed by `minutes review show`"
        )
    table = KINDS[ref[0]].table
    item = session.exec(select(table).where(table.draft_id == draft_id, table.idx == number - 1)).first()
    if item is None:
        raise NotFoundError(f"draft {draft_id} has no item {ref}")
    return cast(Item, item)  # see draft_items


def is_blocking(item: Item) -> bool:
    """Open flags block whoever raised them: a reviewer's safeguarding flag needs someone to act on it too."""
    if item.resolution is not None:
        return False
    return isinstance(item, FlagRow) or (item.origin == Origin.AI and item.status == ItemStatus.UNSUPPORTED)


def content(
    item: Item | types.Decision | types.Action | types.Flag | types.Point, kind: str
) -> dict[str, Any]:
    """An item's content fields (text; task, owner, due; kind, reason), stored row or drafted record alike."""
    return item.model_dump(include=set(KINDS[kind].fields.model_fields))


def item_fields(item: Item) -> dict[str, Any]:
    return content(item, item_ref(item)[0])


def evidence_rows(session: Session, item: Item) -> list[ItemEvidence]:
    column = getattr(ItemEvidence, KINDS[item_ref(item)[0]].evidence_column)
    return list(
        session.exec(select(ItemEvidence).where(column == item.id).order_by(col(ItemEvidence.id))).all()
    )


def evidence_of(session: Session, item: Item) -> list[types.Evidence]:
    return [types.Evidence(start=e.start, end=e.end, quote=e.quote) for e in evidence_rows(session, item)]


def _add_item(session: Session, item: Item, evidence: list[types.Evidence]) -> None:
    session.add(item)
    session.flush()
    column = KINDS[item_ref(item)[0]].evidence_column
    session.add_all(
        ItemEvidence(**{column: item.id}, start=e.start, end=e.end, quote=e.quote) for e in evidence
    )

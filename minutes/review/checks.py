"""The rules a reviewer's change must pass before it is stored, whichever front end it comes from (the command
line, the review page, an edited document): an action's owner is a participant of the meeting, nobody, or
someone the reviewer says is outside it; a due date is a real date (any form `minutes.dates` reads, stored as
YYYY-MM-DD); a decision's proposer and seconder are participants. The minutes never name someone who was not
at the meeting by a typo, and a typed "31/12/2026" is stored as a date, not as text.
"""

from __future__ import annotations

from sqlmodel import Session

from minutes.core.names import participant
from minutes.dates import parse_optional, short_date
from minutes.errors import NotFoundError, StateError, UsageError
from minutes.review import edits, items, views


def owner(s: Session, meeting_id: int, name: str | None, outside: bool = False) -> str | None:
    """A participant's name as the meeting lists it; anyone else only when the caller says they are outside
    the meeting (a contractor, the site manager), so a typo never becomes an owner. None for nobody."""
    if name is None or not name.strip():
        return None
    if outside:
        return name.strip()
    try:
        return participant(s, meeting_id, name.strip()).name
    except NotFoundError as exc:
        raise UsageError(
            f"meeting {meeting_id} has no participant {name.strip()!r} to own this action",
            f"{exc.hint}; for someone outside the meeting, say so (`--outside` on the command line)",
        ) from None


def parse_due(due: str | None) -> str | None:
    """A due date as it is stored: ISO YYYY-MM-DD, from any form `minutes.dates` reads; None for nothing
    typed."""
    day = parse_optional(due, "the due date")
    return day.isoformat() if day else None


def changed_fields(
    s: Session,
    draft_id: int,
    ref: str,
    text: str | None = None,
    owner_name: str | None = None,
    due: str | None = None,
    outside: bool = False,
) -> dict[str, str | None]:
    """What an edit of one item changes (`text`, `owner`, `due`: None where it keeps what the item says),
    checked; a UsageError when it changes nothing or gives a non-action an owner or a due date."""
    current = next((i for i in views.show(s, draft_id).items if i.ref == ref.strip().lower()), None)
    if current is None:
        raise NotFoundError(f"draft {draft_id} has no item {ref}")
    if current.kind != "action" and (owner_name or due):
        raise UsageError(f"an owner and a due date belong to actions only, not {current.ref}")
    meeting_id = items.get_draft(s, draft_id).meeting_id
    new_text = text.strip() if text and text.strip() and text.strip() != current.text else None
    new_owner = owner(s, meeting_id, owner_name, outside) if current.kind == "action" else None
    new_due = parse_due(due) if current.kind == "action" else None
    changes = {
        "text": new_text,
        "owner": new_owner if new_owner != current.owner else None,
        "due": new_due if new_due != current.due else None,
    }
    if not any(changes.values()):
        raise UsageError(
            "nothing was changed", "change the text, the owner or the due date, or keep the item"
        )
    return changes


def edited_document(
    s: Session,
    draft_id: int,
    ref: str,
    text: str | None = None,
    owner_name: str | None = None,
    due: str | None = None,
    agenda_item: int | None | bool = False,
    motion: tuple[str | None, str | None, str | None] | None = None,
) -> dict:
    """The draft's edit document with the review page's edit of one item in it, checked: its words, an
    action's owner ("" for nobody) and due date (as `short_date` shows it: unchanged is left as it is, even a
    phrase; "" clears it), where it is minuted (`agenda_item`: a number, None for where its evidence places
    it, False to leave it) and a decision's motion (proposer, seconder, vote)."""
    ref = ref.strip().lower()
    meeting_id = items.get_draft(s, draft_id).meeting_id
    doc = edits.editable_document(s, draft_id)
    kind = items.KINDS.get(ref[:1])
    entry = next((e for e in doc.get(f"{kind.name}s", []) if e["id"] == ref), None) if kind else None
    if kind is None or entry is None:
        items.find_item(s, draft_id, ref)  # NotFoundError for an item that does not exist
        raise StateError(f"item {ref} of draft {draft_id} was removed", "undo the removal first")
    key = {"action": "task", "flag": "reason"}.get(kind.name, "text")
    if text is not None and text.strip():
        entry[key] = text.strip()
    if kind.name == "action":
        if owner_name is not None and owner_name.strip() != (entry["owner"] or ""):
            entry["owner"] = owner(s, meeting_id, owner_name)
        if due is not None and due.strip() != short_date(entry["due"]):
            entry["due"] = parse_due(due)
    if kind.name != "flag" and agenda_item is not False:
        entry["agenda_item"] = agenda_item or None
    if kind.name == "decision" and motion is not None:
        proposer, seconder, vote = motion
        entry.update(proposer=proposer or None, seconder=seconder or None, vote=(vote or "").strip() or None)
    return named_motions(s, draft_id, doc)


def named_motions(s: Session, draft_id: int, doc: dict) -> dict:
    """The document with each proposer and seconder it changes as a participant's listed name; a one-line
    UsageError for anyone else (the minutes never name someone who was not at the meeting). A document of the
    wrong shape is passed on as it is, for `review.edit` to name what is wrong with it."""
    entries = doc.get("decisions") if isinstance(doc, dict) else None
    meeting_id = items.get_draft(s, draft_id).meeting_id
    stored = {d["id"]: d for d in edits.editable_document(s, draft_id)["decisions"]}
    for entry in [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []:
        for role in ("proposer", "seconder"):
            name = entry.get(role)
            if not isinstance(name, str) or name == stored.get(str(entry.get("id")).lower(), {}).get(role):
                continue  # not a name, or as stored (a withdrawn participant's is no longer a name)
            if not name.strip():
                entry[role] = None
                continue
            try:
                entry[role] = participant(s, meeting_id, name.strip()).name
            except NotFoundError as exc:
                raise UsageError(
                    f"meeting {meeting_id} has no participant {name.strip()!r} to be the {role}", exc.hint
                ) from None
    return doc

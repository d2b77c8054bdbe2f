"""The review page and every reviewer step: keep, edit or remove an item, add a missing one, approve, reject,
name a speaker, and the audio the evidence quotes are played from.

Rules added here over `minutes.review`: an action's owner must be a participant of the meeting, nobody,
or someone the caller says is outside it; a due date must be a real date (YYYY-MM-DD, or DD/MM/YYYY
converted); the page lists what blocks approval or rejection, in words.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import select

from minutes import review
from minutes.consent.meetings import find_participant
from minutes.db import DraftStatus, Recording, Transcript
from minutes.errors import NotFoundError, StateError, UsageError
from minutes.records.retention import audio_path
from minutes.review import lines
from minutes.service.context import Ctx
from minutes.service.names import participant as named_participant
from minutes.speech import speakers

ITEM_KINDS = {"decision": "d", "action": "a", "point": "p"}


def to_jsonable(obj: object) -> object:
    """The review dataclasses (views, edits, the diff) as plain dicts, for a front end's JSON output."""
    return review.to_jsonable(obj)


def drafts(ctx: Ctx, status: str | None = None) -> list[review.DraftSummary]:
    """Every draft, oldest first, optionally only those in one status."""
    with ctx.tx() as s:
        return review.list_drafts(s, status)


def show(ctx: Ctx, draft_id: int) -> review.DraftView:
    with ctx.tx() as s:
        return review.show(s, draft_id)


def document(ctx: Ctx, draft_id: int) -> dict:
    """The draft as the JSON document a reviewer edits."""
    with ctx.tx() as s:
        return review.editable_document(s, draft_id)


def edit(ctx: Ctx, draft_id: int, doc: dict, actor: str) -> review.EditResult:
    """Apply an edited document; after approval an edit reopens review."""
    with ctx.tx() as s:
        return review.edit(s, draft_id, _named_motions(s, draft_id, doc), actor)


def diff(ctx: Ctx, draft_id: int) -> review.DraftDiff:
    with ctx.tx() as s:
        return review.diff(s, draft_id)


def _owner(s, meeting_id: int, owner: str | None, outside: bool = False) -> str | None:
    """A participant's name as the meeting lists it; anyone else only when the caller says they are outside
    the meeting (a contractor, the site manager), so a typo never becomes an owner."""
    if owner is None or not owner.strip():
        return None
    if outside:
        return owner.strip()
    try:
        return named_participant(s, meeting_id, owner.strip()).name
    except NotFoundError as exc:
        raise UsageError(
            f"meeting {meeting_id} has no participant {owner.strip()!r} to own this action",
            f"{exc.hint}; for someone outside the meeting, say so (`--outside` on the command line)",
        ) from None


def parse_due(due: str | None) -> str | None:
    """A due date as ISO YYYY-MM-DD. DD/MM/YYYY (the UK order, never the US one) is accepted and converted, so
    "31/12/2026" is stored as a date and not as text."""
    if due is None or not due.strip():
        return None
    text = due.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise UsageError(f"the due date {text!r} is not a date", "use YYYY-MM-DD, or DD/MM/YYYY")


def resolve(
    ctx: Ctx,
    draft_id: int,
    ref: str,
    how: str,
    actor: str,
    text: str | None = None,
    owner: str | None = None,
    due: str | None = None,
    outside: bool = False,
) -> review.ItemView:
    """Keep, remove or edit one item. An edit changes only what differs from the item as it stands."""
    with ctx.tx() as s:
        if how != "edit":
            return review.resolve(s, draft_id, ref, how, actor)
        current = next((i for i in review.show(s, draft_id).items if i.ref == ref.strip().lower()), None)
        if current is None:
            raise NotFoundError(f"draft {draft_id} has no item {ref}")
        if current.kind != "action" and (owner or due):
            raise UsageError(f"an owner and a due date belong to actions only, not {current.ref}")
        row = review.get_draft(s, draft_id)
        new_text = text.strip() if text and text.strip() and text.strip() != current.text else None
        new_owner = _owner(s, row.meeting_id, owner, outside) if current.kind == "action" else None
        new_owner = new_owner if new_owner != current.owner else None
        new_due = parse_due(due) if current.kind == "action" else None
        new_due = new_due if new_due != current.due else None
        if new_text is None and new_owner is None and new_due is None:
            raise UsageError(
                "nothing was changed", "change the text, the owner or the due date, or keep the item"
            )
        return review.resolve(s, draft_id, ref, "edit", actor, text=new_text, owner=new_owner, due=new_due)


def due_shown(due: str | None) -> str:
    """A due date as the edit form shows it: an ISO date as DD/MM/YYYY, a phrase ("next meeting") as said."""
    try:
        return dt.date.fromisoformat(due).strftime("%d/%m/%Y") if due else ""
    except ValueError:
        return due or ""


def update_item(
    ctx: Ctx,
    draft_id: int,
    ref: str,
    actor: str,
    text: str | None = None,
    owner: str | None = None,
    due: str | None = None,
    agenda_item: int | None | bool = False,
    motion: tuple[str | None, str | None, str | None] | None = None,
) -> review.EditResult:
    """Save the review page's edit of one item, as one reviewer edit: its words, an action's owner ("" for
    nobody) and due date (as `due_shown` shows it: unchanged is left as it is, even a phrase; "" clears it),
    where it is minuted (`agenda_item`: a number, None for where its evidence places it, False to leave it)
    and a decision's motion (proposer, seconder, vote). A UsageError if nothing changed."""
    ref = ref.strip().lower()
    with ctx.tx() as s:
        row = review.get_draft(s, draft_id)
        doc = review.editable_document(s, draft_id)
        kind = review.KINDS.get(ref[:1])
        entry = next((e for e in doc.get(f"{kind.name}s", []) if e["id"] == ref), None) if kind else None
        if entry is None:
            review.find_item(s, draft_id, ref)  # NotFoundError for an item that does not exist
            raise StateError(f"item {ref} of draft {draft_id} was removed", "undo the removal first")
        key = {"action": "task", "flag": "reason"}.get(kind.name, "text")
        if text is not None and text.strip():
            entry[key] = text.strip()
        if kind.name == "action":
            if owner is not None and owner.strip() != (entry["owner"] or ""):
                entry["owner"] = _owner(s, row.meeting_id, owner)
            if due is not None and due.strip() != due_shown(entry["due"]):
                entry["due"] = parse_due(due)
        if kind.name != "flag" and agenda_item is not False:
            entry["agenda_item"] = agenda_item or None
        if kind.name == "decision" and motion is not None:
            proposer, seconder, vote = motion
            entry.update(
                proposer=proposer or None, seconder=seconder or None, vote=(vote or "").strip() or None
            )
        result = review.edit(s, draft_id, _named_motions(s, draft_id, doc), actor)
        if not result.changed:
            raise UsageError("nothing was changed", "change the words, the owner, the date or where it goes")
        return result


def restore(ctx: Ctx, draft_id: int, ref: str, actor: str) -> review.ItemView:
    """Undo the removal of an item (it comes back as it was before)."""
    with ctx.tx() as s:
        return review.restore(s, draft_id, ref, actor)


def set_summary(ctx: Ctx, draft_id: int, text: str, actor: str) -> None:
    """Replace the summary (released with the minutes); empty leaves the minutes without one."""
    with ctx.tx() as s:
        doc = review.editable_document(s, draft_id)
        doc["summary"] = " ".join((text or "").split())
        if not review.edit(s, draft_id, doc, actor).changed:
            raise UsageError("nothing was changed", "the summary already says that")


def correct_line(
    ctx: Ctx, draft_id: int, line: int, actor: str, text: str | None = None, speaker: str | None = None
) -> lines.Corrected:
    """Correct a transcript line's words or speaker; the quotes and items citing it follow (see
    `minutes.review.lines`)."""
    with ctx.tx() as s:
        return lines.correct_line(s, draft_id, line, actor, text=text, speaker=speaker)


def add_item(
    ctx: Ctx,
    draft_id: int,
    kind: str,
    text: str,
    actor: str,
    owner: str | None = None,
    due: str | None = None,
    agenda_item: int | None = None,
) -> str:
    """Add a decision, action or discussion point the draft missed, minuted under `agenda_item` if given (it has
    no evidence to place it); returns its reference (d3, a4, p2...)."""
    if kind not in ITEM_KINDS:
        raise UsageError(f"unknown item kind {kind!r}", "add a decision, an action or a discussion point")
    if not text or not text.strip():
        raise UsageError("the new item needs its text")
    with ctx.tx() as s:
        row = review.get_draft(s, draft_id)
        doc = review.editable_document(s, draft_id)
        fields: dict = {"agenda_item": agenda_item}
        if kind == "action":
            fields |= {"task": text.strip(), "owner": _owner(s, row.meeting_id, owner), "due": parse_due(due)}
        else:
            fields["text"] = text.strip()
        doc[f"{kind}s"].append(fields)
        result = review.edit(s, draft_id, doc, actor)
        return result.added[0]


def move(ctx: Ctx, draft_id: int, ref: str, agenda_item: int | None, actor: str) -> review.ItemView:
    """Minute a decision, action or point under another agenda item (None: where its evidence places it)."""
    with ctx.tx() as s:
        return review.move(s, draft_id, ref, agenda_item, actor)


def set_motion(
    ctx: Ctx,
    draft_id: int,
    ref: str,
    proposer: str | None,
    seconder: str | None,
    vote: str | None,
    actor: str,
) -> None:
    """Set a decision's proposer, seconder (participants) and vote; empty values clear them."""
    with ctx.tx() as s:
        if not _motion(s, draft_id, ref, proposer, seconder, vote, actor):
            raise UsageError("nothing was changed", "change the proposer, the seconder or the vote")


def _motion(
    s, draft_id: int, ref: str, proposer: str | None, seconder: str | None, vote: str | None, actor: str
) -> bool:
    doc = review.editable_document(s, draft_id)
    entry = next((d for d in doc["decisions"] if d["id"] == ref.strip().lower()), None)
    if entry is None:
        raise NotFoundError(f"draft {draft_id} has no decision {ref}")
    entry.update(proposer=proposer, seconder=seconder, vote=(vote or "").strip() or None)
    return review.edit(s, draft_id, _named_motions(s, draft_id, doc), actor).changed


def _named_motions(s, draft_id: int, doc: dict) -> dict:
    """The document with each proposer and seconder it changes as a participant's listed name; a one-line
    UsageError for anyone else (the minutes never name someone who was not at the meeting). A document of the
    wrong shape is passed on as it is, for `review.edit` to name what is wrong with it."""
    entries = doc.get("decisions") if isinstance(doc, dict) else None
    meeting_id = review.get_draft(s, draft_id).meeting_id
    stored = {d["id"]: d for d in review.editable_document(s, draft_id)["decisions"]}
    for entry in [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []:
        for role in ("proposer", "seconder"):
            name = entry.get(role)
            if not isinstance(name, str) or name == stored.get(str(entry.get("id")).lower(), {}).get(role):
                continue  # not a name, or as stored (a withdrawn participant's is no longer a name)
            if not name.strip():
                entry[role] = None
                continue
            try:
                entry[role] = named_participant(s, meeting_id, name.strip()).name
            except NotFoundError as exc:
                raise UsageError(
                    f"meeting {meeting_id} has no participant {name.strip()!r} to be the {role}", exc.hint
                ) from None
    return doc


def approve(ctx: Ctx, draft_id: int, actor: str) -> None:
    with ctx.tx() as s:
        review.approve(s, draft_id, actor)


def reject(ctx: Ctx, draft_id: int, reason: str, actor: str) -> None:
    with ctx.tx() as s:
        review.reject(s, draft_id, actor, reason)


def rename_speaker(ctx: Ctx, draft_id: int, label: str, participant: str, actor: str) -> None:
    """Say which participant a speaker label is (one voice per participant: the hand-made name wins)."""
    with ctx.tx() as s:
        row = review.get_draft(s, draft_id)
        if row.status in (DraftStatus.REJECTED, DraftStatus.RELEASED):
            raise StateError(f"draft {draft_id} is {row.status}; its speakers can no longer be renamed")
        tr = s.get(Transcript, row.transcript_id) if row.transcript_id else None
        if tr is None:
            raise StateError(f"draft {draft_id} has no transcript")
        name = find_participant(s, row.meeting_id, participant).name
        speakers.set_names(s, row.meeting_id, tr.recording_id, {label: name}, actor)


def audio_file(ctx: Ctx, meeting_id: int) -> Path:
    """The meeting's stored recording, or an error saying it is not (or no longer) there."""
    with ctx.tx() as s:
        rec = s.exec(
            select(Recording).where(Recording.meeting_id == meeting_id).order_by(Recording.id.desc())
        ).first()
    if rec is None:
        raise NotFoundError(f"meeting {meeting_id} has no recording")
    if rec.path is None:
        raise StateError(
            f"the recording of meeting {meeting_id} was deleted on {rec.audio_deleted_at:%Y-%m-%d} "
            "(retention or a withdrawal)"
        )
    path = audio_path(ctx.settings, rec)
    if not path.is_file():
        raise NotFoundError(f"the recording of meeting {meeting_id} is missing from the store")
    return path


def draft_meeting(ctx: Ctx, draft_id: int) -> int:
    with ctx.tx() as s:
        return review.get_draft(s, draft_id).meeting_id

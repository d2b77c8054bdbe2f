"""Every reviewer step: keep, edit or remove an item, add a missing one, approve, reject, name a speaker, and
the audio the evidence quotes are played from (the review page itself is `minutes.service.document`).

Each step is one transaction; the rules a change must pass (owners, due dates, motions) are the review
stage's, in `minutes.review.checks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import col, select

from minutes import review
from minutes.consent.evidence import read_limited
from minutes.consent.meetings import find_participant
from minutes.dates import long_date
from minutes.db import DraftStatus, Recording, TranscriptRow
from minutes.errors import NotFoundError, StateError, UsageError
from minutes.records.retention import audio_path
from minutes.review import checks, lines
from minutes.service.context import Ctx
from minutes.speech import speakers


def to_jsonable(obj: object) -> Any:
    """The review dataclasses (views, edits, the diff) as plain dicts (lists of them for a list), for a front
    end's JSON output."""
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


MAX_DOCUMENT_BYTES = 10_000_000  # an edited draft document: a long meeting's is well under 1 MB


def read_document(path: Path) -> str:
    """An edited draft document from a file (`review edit --from`): a regular UTF-8 file of at most
    MAX_DOCUMENT_BYTES, never a device or a FIFO; a one-line UsageError otherwise."""
    data = read_limited(path, MAX_DOCUMENT_BYTES, "edited document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"edited document {path} is not UTF-8 text", "nothing was changed") from None


def edit(ctx: Ctx, draft_id: int, doc: dict, actor: str) -> review.EditResult:
    """Apply an edited document; after approval an edit reopens review."""
    with ctx.tx() as s:
        return review.edit(s, draft_id, checks.named_motions(s, draft_id, doc), actor)


def diff(ctx: Ctx, draft_id: int) -> review.DraftDiff:
    with ctx.tx() as s:
        return review.diff(s, draft_id)


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
        changes = checks.changed_fields(s, draft_id, ref, text, owner, due, outside)
        return review.resolve(s, draft_id, ref, "edit", actor, **changes)


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
    """Save the review page's edit of one item, as one reviewer edit (`minutes.review.checks.edited_document`
    says what each argument does). A UsageError if nothing changed."""
    with ctx.tx() as s:
        doc = checks.edited_document(s, draft_id, ref, text, owner, due, agenda_item, motion)
        result = review.edit(s, draft_id, doc, actor)
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
    evidence_at: str | None = None,
    lines: str | None = None,
    outside: bool = False,
) -> review.ItemView:
    """Add a decision, action or discussion point the draft missed (`minutes.review.manual`), citing a time
    range of the recording (`evidence_at`, START-END) or transcript lines (`lines`, "12-14"), or nothing; minuted
    under `agenda_item` if given, else where its evidence places it. An action's owner is a participant unless
    `outside`; its due date any form `minutes.dates` reads."""
    with ctx.tx() as s:
        row = review.get_draft(s, draft_id)
        is_action = review.manual.kind_prefix(kind) == "a"
        evidence = review.cited(s, draft_id, evidence_at or None, lines or None)
        return review.add(
            s,
            draft_id,
            kind,
            text,
            actor,
            owner=checks.owner(s, row.meeting_id, owner, outside) if is_action else owner or None,
            due=checks.parse_due(due) if is_action else due or None,
            evidence=evidence,
            agenda_item=agenda_item,
        )


def change_kind(
    ctx: Ctx, draft_id: int, ref: str, kind: str, actor: str
) -> tuple[review.ItemView, review.ItemView]:
    """Make a decision an action, an action a point, and so on, keeping its text and evidence (audited);
    returns the retired item and the new one."""
    with ctx.tx() as s:
        return review.change_kind(s, draft_id, ref, kind, actor)


def move(ctx: Ctx, draft_id: int, ref: str, agenda_item: int | None, actor: str) -> review.ItemView:
    """Minute a decision, action or point under another agenda item (None: where its evidence places it)."""
    with ctx.tx() as s:
        return review.move(s, draft_id, ref, agenda_item, actor)


def approve(ctx: Ctx, draft_id: int, actor: str) -> None:
    with ctx.tx() as s:
        review.approve(s, draft_id, actor)


def reject(ctx: Ctx, draft_id: int, reason: str, actor: str) -> None:
    with ctx.tx() as s:
        review.reject(s, draft_id, actor, reason)


def rename_speaker(ctx: Ctx, draft_id: int, label: str, participant: str, actor: str) -> None:
    """Say which participant a speaker label is (one voice per participant: the hand-made name wins)."""
    with ctx.tx() as s:
        meeting_id, recording_id = _speakers_of(s, draft_id)
        name = find_participant(s, meeting_id, participant).name
        speakers.set_names(s, meeting_id, recording_id, {label: name}, actor)


def accept_speaker(ctx: Ctx, draft_id: int, label: str, actor: str) -> None:
    """Name a speaker as the talk suggests, in one step (audited)."""
    with ctx.tx() as s:
        speakers.accept_talk(s, *_speakers_of(s, draft_id), label, actor)


def unname_speaker(ctx: Ctx, draft_id: int, label: str, actor: str) -> None:
    """Make a speaker "Speaker N" again: a wrong name undone, the talk's suggestion dismissed (audited)."""
    with ctx.tx() as s:
        speakers.unname(s, *_speakers_of(s, draft_id), label, actor)


def _speakers_of(s, draft_id: int) -> tuple[int, int]:
    """(meeting, recording) whose speakers the draft's reviewer may name: not once the draft is final."""
    row = review.get_draft(s, draft_id)
    if row.status in (DraftStatus.REJECTED, DraftStatus.RELEASED):
        raise StateError(f"draft {draft_id} is {row.status}; its speakers can no longer be renamed")
    tr = s.get(TranscriptRow, row.transcript_id) if row.transcript_id else None
    if tr is None:
        raise StateError(f"draft {draft_id} has no transcript")
    return row.meeting_id, tr.recording_id


def audio_file(ctx: Ctx, meeting_id: int) -> Path:
    """The meeting's stored recording, or an error saying it is not (or no longer) there."""
    with ctx.tx() as s:
        rec = s.exec(
            select(Recording).where(Recording.meeting_id == meeting_id).order_by(col(Recording.id).desc())
        ).first()
    if rec is None:
        raise NotFoundError(f"meeting {meeting_id} has no recording")
    if rec.path is None:
        raise StateError(
            f"the recording of meeting {meeting_id} was deleted on {long_date(rec.audio_deleted_at)} "
            "(retention or a withdrawal)"
        )
    path = audio_path(ctx.settings, rec)
    if not path.is_file():
        raise NotFoundError(f"the recording of meeting {meeting_id} is missing from the store")
    return path

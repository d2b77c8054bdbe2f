"""The review page and every reviewer step: keep, edit or remove an item, add a missing one, approve, reject,
name a speaker, and the audio the evidence quotes are played from.

Rules added here over `minutes.review`: an action's owner must be a participant of the meeting, nobody,
or someone the caller says is outside it; a due date must be a real date (any form `minutes.dates` reads,
stored as YYYY-MM-DD); the page lists what blocks approval or rejection, in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from minutes import review
from minutes.consent.evidence import read_limited
from minutes.consent.meetings import find_participant, participants_of
from minutes.dates import long_date, parse_optional
from minutes.db import DraftStatus, Recording, Segment, Transcript
from minutes.errors import NotFoundError, StateError, UsageError
from minutes.records import agenda, clerk
from minutes.records.retention import audio_path
from minutes.service.context import Ctx
from minutes.service.names import participant as named_participant
from minutes.speech import speakers


@dataclass(frozen=True)
class Line:
    start: float
    end: float
    speaker: str
    text: str


@dataclass(frozen=True)
class Audio:
    available: bool
    meeting_id: int
    removed_at: datetime | None  # when retention or a withdrawal deleted it


@dataclass(frozen=True)
class ReviewPage:
    draft: review.DraftView
    items: list[review.ItemView]  # unsupported items and flags first
    participants: list[str]
    approve_blockers: list[str]  # in words; approval is possible when empty
    reject_blockers: list[str]
    diff: review.DraftDiff
    transcript: list[Line] | None  # None when the transcript was purged
    speakers: dict[str, str]  # label -> name shown
    speaker_views: list[speakers.SpeakerView]  # how each was named, and what the talk says
    audio: Audio
    agenda: list[str]  # the meeting's agenda titles, in order
    placed: dict[str, int]  # item ref -> the agenda item (1-based) it is minuted under, where it has one


def _order(item: review.ItemView) -> tuple[int, int]:
    return (
        0 if item.blocking or item.unsupported else 1 if item.kind == "flag" else 2,
        {"flag": 0, "decision": 1, "action": 2, "point": 3}[item.kind],
    )


def _blockers(view: review.DraftView) -> tuple[list[str], list[str]]:
    final = view.status in (DraftStatus.REJECTED, DraftStatus.RELEASED)
    approve = [f"the draft is already {view.status}"] if final or view.status == DraftStatus.APPROVED else []
    for item in view.items:
        if item.blocking:
            what = f"{item.flag_kind} flag" if item.kind == "flag" else f"unsupported {item.kind}"
            approve.append(f"{item.ref.upper()} ({what}) needs keeping, editing or removing")
    reject = [f"the draft is already {view.status}"] if final else []
    return approve, reject


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
        return review.edit(s, draft_id, _named_motions(s, draft_id, doc), actor)


def diff(ctx: Ctx, draft_id: int) -> review.DraftDiff:
    with ctx.tx() as s:
        return review.diff(s, draft_id)


def page(ctx: Ctx, draft_id: int) -> ReviewPage:
    with ctx.tx() as s:
        view = review.show(s, draft_id)
        people = [p.name for p in participants_of(s, view.meeting_id)]
        diff = review.diff(s, draft_id)
        row = review.get_draft(s, draft_id)
        transcript, names, audio = None, {}, Audio(False, view.meeting_id, None)
        views: list[speakers.SpeakerView] = []
        tr = s.get(Transcript, row.transcript_id) if row.transcript_id else None
        if tr is not None:
            rec = s.get(Recording, tr.recording_id)
            names = speakers.label_names(s, rec.id)
            views = speakers.speaker_views(s, rec.id, tr.id if tr.deleted_at is None else None)
            audio = Audio(rec.path is not None, view.meeting_id, rec.audio_deleted_at)
            if tr.deleted_at is None:
                transcript = _lines(s, tr.id, names)
        titles = agenda.agenda_of(s, view.meeting_id)
        placed = _placed(view.items, titles, clerk.transcript_lines(s, draft_id))
    approve, reject = _blockers(view)
    return ReviewPage(
        view,
        sorted(view.items, key=_order),
        people,
        approve,
        reject,
        diff,
        transcript,
        names,
        views,
        audio,
        titles,
        placed,
    )


def _placed(
    items: list[review.ItemView], titles: list[str], lines: list[tuple[float, str]]
) -> dict[str, int]:
    """Where each decision, action and point is minuted (as the clerk's export places it), 1-based."""
    starts = agenda.agenda_starts(titles, lines) if titles else []
    out = {}
    for item in items:
        at = min((e.start for e in item.evidence), default=None)
        index = agenda.placed(starts, item.agenda_item, at) if starts and item.kind != "flag" else None
        if index is not None:
            out[item.ref] = index + 1
    return out


def _lines(s, transcript_id: int, names: dict[str, str]) -> list[Line]:
    """The transcript's segments with speakers named, in one query (the page needs no word timings)."""
    rows = s.exec(
        select(Segment.start, Segment.end, Segment.speaker, Segment.text)
        .where(Segment.transcript_id == transcript_id)
        .order_by(Segment.idx)
    ).all()
    return [
        Line(start, end, names.get(speaker, speaker) if speaker else "Unknown speaker", text)
        for start, end, speaker, text in rows
    ]


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
    """A due date as it is stored: ISO YYYY-MM-DD, from any form `minutes.dates` reads ("31/12/2026" is stored
    as a date, not as text); None for nothing typed."""
    day = parse_optional(due, "the due date")
    return day.isoformat() if day else None


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
            owner=_owner(s, row.meeting_id, owner, outside) if is_action else owner or None,
            due=parse_due(due) if is_action else due or None,
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


def transcript(ctx: Ctx, draft_id: int) -> list[Line]:
    """The draft's transcript, numbered from 1 as transcript lines are cited, speakers named."""
    with ctx.tx() as s:
        tr = review.draft_transcript(s, draft_id)
        return _lines(s, tr.id, speakers.label_names(s, tr.recording_id))


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
        doc = review.editable_document(s, draft_id)
        entry = next((d for d in doc["decisions"] if d["id"] == ref.strip().lower()), None)
        if entry is None:
            raise NotFoundError(f"draft {draft_id} has no decision {ref}")
        entry.update(proposer=proposer, seconder=seconder, vote=(vote or "").strip() or None)
        if not review.edit(s, draft_id, _named_motions(s, draft_id, doc), actor).changed:
            raise UsageError("nothing was changed", "change the proposer, the seconder or the vote")


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
    tr = s.get(Transcript, row.transcript_id) if row.transcript_id else None
    if tr is None:
        raise StateError(f"draft {draft_id} has no transcript")
    return row.meeting_id, tr.recording_id


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
            f"the recording of meeting {meeting_id} was deleted on {long_date(rec.audio_deleted_at)} "
            "(retention or a withdrawal)"
        )
    path = audio_path(ctx.settings, rec)
    if not path.is_file():
        raise NotFoundError(f"the recording of meeting {meeting_id} is missing from the store")
    return path


def draft_meeting(ctx: Ctx, draft_id: int) -> int:
    with ctx.tx() as s:
        return review.get_draft(s, draft_id).meeting_id

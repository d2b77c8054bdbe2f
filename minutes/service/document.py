"""The review as a document: the draft laid out as the chosen clerk's template files it (agenda items in order,
each with its discussion points, decisions and actions, numbered and worded as the export words them), the
flags apart (they are never minuted), the transcript beside it, and the preview of the document as it would be
filed now, for the confirmation before approval and release.

Read only: the reviewer's steps are in `minutes.service.review`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy
from sqlmodel import col

from minutes import review
from minutes.consent.meetings import participants_of
from minutes.db import DraftStatus, Recording, Resolution, SegmentRow, TranscriptRow
from minutes.db.ids import stored_id
from minutes.db.meeting import NOT_RECORDED
from minutes.drafting import owners, windows
from minutes.records import agenda, clerk
from minutes.review import lines as corrections
from minutes.review.views import ReviewStep
from minutes.service.context import Ctx
from minutes.speech import speakers
from minutes.speech.speakers import SpeakerView

LAYOUTS = {"governors": "Governing body", "department": "Department"}
DEFAULT_LAYOUT = "governors"


@dataclass(frozen=True)
class DocumentLine:
    number: int  # 1-based, as the reviewer refers to it
    start: float
    end: float
    speaker: str
    text: str
    heard: str | None = None  # what the machine heard, when a reviewer corrected the words
    cited_by: tuple[str, ...] = ()  # the items whose evidence quotes this line
    flags: tuple[str, ...] = ()  # the sensitive flags covering it (withheld from drafting)


@dataclass(frozen=True)
class AudioAvailability:
    available: bool
    meeting_id: int
    removed_at: datetime | None  # when retention or a withdrawal deleted it


@dataclass(frozen=True)
class DocItem:
    """An item where the document puts it: its number ("1.2", governors' decisions and actions), the words the
    template prints for it, and the transcript lines its quotes come from."""

    item: review.ItemView
    number: str | None
    words: str
    lines: tuple[int | None, ...] = ()  # per evidence quote, the line it starts in
    was: str | None = None  # the item it was made from by a change of kind, while that can be undone
    owner_suggested: str | None = None  # an action with no owner: who its lines suggest (`suggested_owner`)

    @property
    def ref(self) -> str:
        return self.item.ref


@dataclass(frozen=True)
class DocSection:
    number: int
    title: str
    points: list[DocItem]
    entries: list[DocItem]  # decisions and actions, in transcript order
    declarations: bool = False


@dataclass(frozen=True)
class Document:
    layout: str
    sections: list[DocSection]
    flags: list[DocItem]  # for people only, never minuted


@dataclass(frozen=True)
class ReviewPage:
    draft: review.DraftView
    document: Document
    participants: list[str]  # everyone in the meeting (an action's owner, a motion's proposer)
    speakers: list[str]  # those who can have spoken (present or in attendance)
    approve_blockers: list[str]  # in words; approval is possible when empty
    reject_blockers: list[str]
    diff: review.DraftDiff
    transcript: list[DocumentLine] | None  # None when the transcript was purged
    audio: AudioAvailability
    agenda: list[str]  # the meeting's agenda titles, in order
    labels: dict[str, str]  # diarisation label -> the name shown ("Speaker 2" until named)
    speaker_views: list[SpeakerView]  # how each voice was named, and who the talk says it is
    released_by: str | None = None
    released_at: datetime | None = None

    @property
    def editable(self) -> bool:
        return self.draft.status not in (DraftStatus.REJECTED, DraftStatus.RELEASED)

    @property
    def open_items(self) -> list[str]:
        """The refs that still need a reviewer's word, in document order."""
        return [i.ref for i in self.draft.items if i.blocking]

    def item(self, ref: str) -> DocItem | None:
        every = self.document.flags + [i for s in self.document.sections for i in (*s.points, *s.entries)]
        return next((i for i in every if i.ref == ref), None)

    def line(self, number: int) -> DocumentLine | None:
        return next((x for x in self.transcript or [] if x.number == number), None)

    def suggested_owner(self, first: int, last: int) -> str | None:
        """Who an action resting on transcript lines `first` to `last` is for (`suggested_owner`)."""
        return suggested_owner(
            [x for x in self.transcript or [] if first <= x.number <= last], self.participants
        )


def suggested_owner(lines: list[DocumentLine], participants: list[str]) -> str | None:
    """Who an action resting on these lines is likely for, to pre-fill its owner: the one participant asked by
    name in them ("Sam, could you ..."), else the first participant who speaks in them. A suggestion only: the
    reviewer saves it or chooses another."""
    asked = owners.addressed_in(
        [windows.Line(x.number, x.start, x.end, x.speaker, x.text) for x in lines], participants
    )
    return asked or next((x.speaker for x in lines if x.speaker in participants), None)


@dataclass(frozen=True)
class Preview:
    """The document as it would be filed now, and in words what approving or releasing files."""

    draft_id: int
    meeting_id: int
    title: str
    status: str
    layout: str
    blocks: list[clerk.Block]
    counts: dict[str, int] = field(default_factory=dict)  # decisions, actions, points, part2, agenda items
    summary: bool = False
    blockers: list[str] = field(default_factory=list)

    @property
    def filed(self) -> str:
        """What approving or releasing files, in one sentence."""
        c = self.counts
        parts = [
            f"{c[key]} {one if c[key] == 1 else one + 's'}"
            for key, one in (("decision", "decision"), ("action", "action"), ("point", "discussion point"))
            if c.get(key)
        ]
        listed = (
            f"{', '.join(parts[:-1])} and {parts[-1]}"
            if len(parts) > 1
            else parts[0]
            if parts
            else "no items"
        )
        sections = f"{c['sections']} section{'s' if c['sections'] != 1 else ''}"
        summary = ", with the summary" if self.summary else ""
        layout = {"governors": "a governing body", "department": "a department"}[self.layout]
        part2 = (
            f" {c['part2']} flag{'s go' if c['part2'] != 1 else ' goes'} to the part-2 (confidential) record."
            if c.get("part2")
            else ""
        )
        return f"These minutes file {listed} in {sections}{summary}, laid out for {layout}.{part2}"


def layout_of(value: str | None) -> str:
    return value if value in LAYOUTS else DEFAULT_LAYOUT


def page(ctx: Ctx, draft_id: int, layout: str | None = None) -> ReviewPage:
    with ctx.tx() as s:
        view = review.show(s, draft_id)
        people = participants_of(s, view.meeting_id)
        diff = review.diff(s, draft_id)
        row = review.get_draft(s, draft_id)
        transcript, audio, labels = None, AudioAvailability(False, view.meeting_id, None), {}
        views: list[SpeakerView] = []
        tr = s.get(TranscriptRow, row.transcript_id) if row.transcript_id else None
        if tr is not None:
            rec = s.get_one(Recording, tr.recording_id)
            audio = AudioAvailability(rec.path is not None, view.meeting_id, rec.audio_deleted_at)
            labels = speakers.label_names(s, stored_id(rec))
            views = speakers.speaker_views(s, stored_id(rec), tr.id if tr.deleted_at is None else None)
            if tr.deleted_at is None:
                transcript = _lines(s, stored_id(tr), labels, view.items)
        titles = agenda.agenda_of(s, view.meeting_id)
        timed = clerk.transcript_lines(s, draft_id)
        released = review.latest_release(s, draft_id)
    approve, reject = _blockers(view)
    names = [p.name for p in people]
    return ReviewPage(
        view,
        _document(view, titles, timed, layout_of(layout), transcript or [], names),
        names,
        [p.name for p in people if p.attendance not in NOT_RECORDED],
        approve,
        reject,
        diff,
        transcript,
        audio,
        titles,
        labels,
        views,
        released.released_by if released else None,
        released.released_at if released else None,
    )


def preview(ctx: Ctx, draft_id: int, layout: str | None = None) -> Preview:
    """The minutes as the clerk's template would file them now (before approval: the reviewer's version)."""
    layout = layout_of(layout)
    with ctx.tx() as s:
        view = review.show(s, draft_id)
        doc = clerk.clerk_document(s, draft_id, preview=True)
    live = [i for i in view.items if i.resolution != Resolution.REMOVED]
    counts = {kind: sum(i.kind == kind for i in live) for kind in ("decision", "action", "point")} | {
        "part2": sum(i.resolution == Resolution.PART2 for i in live),
        "sections": len(doc.sections),
    }
    return Preview(
        view.id,
        view.meeting_id,
        view.meeting_title,
        view.status,
        layout,
        clerk.blocks(doc, layout),
        counts,
        bool(view.summary.strip()),
        _blockers(view)[0],
    )


def _blockers(view: review.DraftView) -> tuple[list[str], list[str]]:
    """What stops approval and rejection, in words (a draft past approval is not "blocked": it is done)."""
    if view.status in (DraftStatus.APPROVED, DraftStatus.RELEASED, DraftStatus.REJECTED):
        done = [f"the draft is {view.status.replace('_', ' ')}"]
        return done, done if view.status != DraftStatus.APPROVED else []
    approve = []
    for item in view.items:
        if item.blocking:
            what = f"{item.flag_kind} flag" if item.kind == "flag" else f"unsupported {item.kind}"
            approve.append(f"{item.ref.upper()} ({what}) needs keeping, editing or removing")
    return approve, []


def _kind_changes(history: list[ReviewStep]) -> tuple[dict[str, str], set[str]]:
    """From the review steps: each item made by a change of kind that can still be undone, with the item it was
    made from; and the items a change of kind, or its undoing, left without their evidence (not shown: the item
    that holds the evidence now stands for them, and carries the undo)."""
    made: dict[str, str] = {}
    emptied: set[str] = set()
    for step in history:
        if step.kind == "kind":
            old, new = step.detail["item"], step.detail["added"][0]
            made[new] = old
            emptied.add(old)
        elif step.kind == "restore" and step.detail.get("undid"):
            made.pop(step.detail["undid"], None)
            emptied.add(step.detail["undid"])
            emptied.discard(step.detail["item"])
    return made, emptied


def _document(
    view: review.DraftView,
    titles: list[str],
    timed: list[tuple[float, str]],
    layout: str,
    lines: list[DocumentLine],
    participants: list[str],
) -> Document:
    """The items where the clerk's template minutes them (`clerk.sections`' placing and wording), removed items
    kept in their place (struck through, unnumbered) so that a removal can be undone there, but for those a
    change of kind retired (the item made from them shows it and undoes it)."""
    made, emptied = _kind_changes(view.history)
    items = [i for i in view.items if not (i.resolution == Resolution.REMOVED and i.ref in emptied)]

    def placed(it: review.ItemView, label: str | None, words: str) -> DocItem:
        cited = [x for x in lines if any(e.start < x.end and e.end > x.start for e in it.evidence)]
        unowned = it.kind == "action" and not it.owner and it.resolution != Resolution.REMOVED
        return DocItem(
            it,
            label,
            words,
            _cited_lines(it, lines),
            made.get(it.ref) if it.resolution != Resolution.REMOVED else None,
            suggested_owner(cited, participants) if unowned else None,
        )

    formal = layout == "governors"
    names = titles or ["Discussion"]
    starts = agenda.agenda_starts(names, timed)
    minuted = [i for i in items if i.kind in ("decision", "action")]
    entries, other = clerk.group(((i, i) for i in minuted), starts)
    talk, other_talk = clerk.group(((i, i) for i in items if i.kind == "point"), starts)
    groups = list(zip(names, entries, talk, strict=True))
    if other or other_talk:
        groups.append(("Other matters", other, other_talk))
    sections = []
    for number, (title, section_entries, section_points) in enumerate(groups, 1):
        live = iter(range(1, len(section_entries) + 1))
        entries_placed = []
        for it in section_entries:
            sub = None if it.resolution == Resolution.REMOVED else next(live)
            label = (f"{number}.{sub}" if formal else None) if sub is not None else None
            entries_placed.append(placed(it, label, _words(it, formal)))
        sections.append(
            DocSection(
                number,
                title,
                [placed(p, None, p.text) for p in section_points],
                entries_placed,
                clerk.is_declarations(title),
            )
        )
    flags = [placed(f, None, f.text) for f in items if f.kind == "flag"]
    return Document(layout, sections, flags)


def _words(item: review.ItemView, formal: bool) -> str:
    """How the template words a decision or an action (the export's own wording)."""
    if item.kind == "decision":
        entry = clerk.MinuteEntry(True, item.text, motion=clerk.motion_words(item))  # type: ignore[arg-type]
    else:
        entry = clerk.MinuteEntry(False, item.text, item.owner, item.due)
    return clerk.entry_text(entry, formal)


def _cited_lines(item: review.ItemView, lines: list[DocumentLine]) -> tuple[int | None, ...]:
    return tuple(
        next((x.number for x in lines if x.start <= ev.start + 0.05 and ev.start < x.end), None)
        or next((x.number for x in lines if x.end > ev.start), None)
        for ev in item.evidence
    )


def _lines(s, transcript_id: int, names: dict[str, str], items: list[review.ItemView]) -> list[DocumentLine]:
    """The transcript's lines with speakers named, what a reviewer corrected, and the items citing each."""
    rows = s.exec(  # SQLAlchemy's select: SQLModel's is typed for at most four columns
        sqlalchemy.select(
            col(SegmentRow.idx),
            col(SegmentRow.start),
            col(SegmentRow.end),
            col(SegmentRow.speaker),
            col(SegmentRow.text),
        )
        .where(col(SegmentRow.transcript_id) == transcript_id)
        .order_by(col(SegmentRow.idx))
    ).all()
    heard = corrections.corrections(s, transcript_id)
    out = []
    for idx, start, end, speaker, text in rows:
        cited = tuple(
            i.ref
            for i in items
            if i.resolution != Resolution.REMOVED
            and i.kind != "flag"
            and any(e.start < end and e.end > start for e in i.evidence)
        )
        first = heard.get(idx + 1)
        covering = tuple(
            i.ref
            for i in items
            if i.sensitive
            and i.resolution != Resolution.REMOVED
            and any(e.start - 0.01 <= start and end <= e.end + 0.01 for e in i.evidence)
        )
        out.append(
            DocumentLine(
                idx + 1,
                start,
                end,
                names.get(speaker, speaker) if speaker else "Unknown speaker",
                text,
                first.before_text if first and first.before_text != text else None,
                cited,
                covering,
            )
        )
    return out

"""Released minutes in the shape a clerk files: attendance, declarations of interest, then the agenda items in
order, each with its discussion points, then the decisions and actions that belong to it, and the date of the next
meeting when it was said.

Each discussion point, decision and action goes under the agenda item that was being discussed when its first
evidence was spoken (see `agenda.place`), or the one a reviewer moved it to; one with no evidence (added by a
reviewer) and not moved goes under "Other matters". Without an agenda there is one "Discussion" section. Once the transcript is
purged by retention, positions are unknown and every item not moved goes under "Other matters". A decision taken
on a motion says who proposed and seconded it and the vote, as far as the meeting said them.

Flags a reviewer sent to the part-2 (confidential) record are never shown here: a line says only that
confidential items were minuted separately (`records.part2` renders that record with the same blocks).

Two templates share this shape and differ only in wording: `governors` (formal: numbered minutes "2.1",
"Resolved:") and `department` (lighter: bullets, "Agreed:", with the summary). Both start an agenda item with its
discussion, one paragraph of the points' texts ("Discussion: ...").
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlmodel import Session, col, select

from minutes import review
from minutes.core import types
from minutes.dates import long_date, short_date
from minutes.db import Participant, Resolution, SegmentRow, TranscriptRow
from minutes.records import agenda, series
from minutes.records.export import (
    WITHDRAWN,
    MinutesDoc,
    footer,
    markdown_cell,
    markdown_text,
    minutes_document,
    withdrawn_ids,
)

TEMPLATES = ("governors", "department")
Kind = Literal["title", "heading", "para", "bullet", "row"]
Block = tuple[Kind, str | tuple[str, ...]]  # a "row" holds a table's cells; a run of rows is one table
ACTIONS_HEADER = ("Minute", "Action", "Owner", "Due")
CONFIDENTIAL_NOTE = "Confidential items were minuted separately, in the part-2 record."
_DECLARATIONS = re.compile(r"declaration|interest", re.IGNORECASE)
_ARISING = re.compile(r"matters arising|actions? from the last", re.IGNORECASE)
_LABELS = {  # an attendance line's words; apologies split by whether the meeting accepted them
    "present": "Present: ",
    "in-attendance": "In attendance: ",
    "apologies-accepted": "Apologies received and accepted from ",
    "apologies-not-accepted": "Apologies received but not accepted from ",
    "apologies": "Apologies: ",
    "absent": "Absent: ",
}


@dataclass(frozen=True)
class MinuteEntry:
    """A decision (owner and due None) or an action, as released."""

    decision: bool
    text: str
    owner: str | None = None
    due: str | None = None
    motion: str | None = None  # "Proposed by X, seconded by Y. Carried: 6 for, 1 against."


@dataclass(frozen=True)
class Section:
    title: str
    entries: list[MinuteEntry]
    declarations: bool = False  # the agenda item for declarations of interest (its content is not drafted)
    discussion: list[str] = field(default_factory=list)  # the discussion points' texts, in transcript order


@dataclass(frozen=True)
class ClerkDoc:
    base: MinutesDoc
    attendance: dict[str, list[str]]  # a key of _LABELS -> names (with their role)
    sections: list[Section]
    next_meeting: str | None
    confidential: bool = False  # some flags went to the part-2 record: said, never shown
    arising: list[series.Arising] = field(default_factory=list)  # the body's open actions taken up here


def transcript_lines(session: Session, draft_id: int) -> list[tuple[float, str]]:
    """The draft's transcript as (start, text) lines; empty once it was purged."""
    transcript_id = review.get_draft(session, draft_id).transcript_id
    row = session.get(TranscriptRow, transcript_id) if transcript_id is not None else None
    if row is None or row.deleted_at is not None:
        return []
    return [
        (seg.start, seg.text)
        for seg in session.exec(
            select(SegmentRow).where(SegmentRow.transcript_id == row.id).order_by(col(SegmentRow.idx))
        )
    ]


def _attendance(session: Session, meeting_id: int, draft_id: int) -> dict[str, list[str]]:
    withdrawn = withdrawn_ids(session, draft_id)
    out: dict[str, list[str]] = {key: [] for key in _LABELS}
    for p in session.exec(
        select(Participant).where(Participant.meeting_id == meeting_id).order_by(col(Participant.id))
    ):
        name = WITHDRAWN if p.id in withdrawn else p.name
        key = p.attendance
        if key == "apologies" and p.apologies_accepted is not None:
            key += "-accepted" if p.apologies_accepted else "-not-accepted"
        out[key].append(f"{name} ({p.role})" if p.role and p.id not in withdrawn else name)
    return out


def _first_evidence(item: types.Decision | types.Action | types.Point) -> float | None:
    return min((e.start for e in item.evidence), default=None)


def group(pairs: Iterable[tuple[Any, Any]], starts: list[float | None]) -> tuple[list[list[Any]], list[Any]]:
    """(item, what to print) pairs by the agenda item each goes under, in transcript order; then those that
    could not be placed."""
    placed: list[list[tuple[float | None, Any]]] = [[] for _ in starts]
    other: list[Any] = []
    for item, shown in pairs:
        at = _first_evidence(item)
        index = agenda.placed(starts, item.agenda_item, at)
        if index is None:
            other.append(shown)
        else:
            placed[index].append((at, shown))
    # an item a reviewer added has no evidence, so no time: it follows the timed ones, in the order added
    return [[x for _, x in sorted(group, key=_in_time)] for group in placed], other


def _in_time(pair: tuple[float | None, Any]) -> tuple[bool, float]:
    at = pair[0]
    return (at is None, at or 0.0)


def sections(titles: list[str], draft: types.Draft, lines: list[tuple[float, str]]) -> list[Section]:
    """The agenda items (or one "Discussion"), each with its discussion points and entries in transcript order,
    then any that could not be placed under "Other matters"."""
    titles = titles or ["Discussion"]
    starts = agenda.agenda_starts(titles, lines)
    items = [(d, MinuteEntry(True, d.text, motion=motion_words(d))) for d in draft.decisions] + [
        (a, MinuteEntry(False, a.task, a.owner, a.due)) for a in draft.actions
    ]
    entries, other = group(items, starts)
    talk, other_talk = group(((p, p.text) for p in draft.points), starts)
    out = [
        Section(title, group, is_declarations(title), said)
        for title, group, said in zip(titles, entries, talk, strict=True)
    ]
    return out + ([Section("Other matters", other, discussion=other_talk)] if other or other_talk else [])


def is_declarations(title: str) -> bool:
    """Whether an agenda item is the declarations of interest (its content is not drafted)."""
    return bool(_DECLARATIONS.search(title))


def motion_words(decision: types.Decision) -> str | None:
    """How the minutes word a decision's motion: "Proposed by X, seconded by Y. Carried: 6 for, 1 against."
    Only what the meeting said (or the reviewer entered); None when no motion was put."""
    people = [
        f"{how} by {name}"
        for how, name in (("proposed", decision.proposer), ("seconded", decision.seconder))
        if name
    ]
    said = [", ".join(people)] if people else []
    if vote := (decision.vote or "").strip().rstrip("."):
        outcome, comma, counts = vote.partition(", ")
        said.append(f"{outcome}: {counts}" if comma and outcome.lower() in ("carried", "fell") else vote)
    return " ".join(f"{s[0].upper()}{s[1:]}." for s in said) or None


def clerk_document(session: Session, draft_id: int, preview: bool = False) -> ClerkDoc:
    """The released minutes of a draft in the clerk's shape (refused before release, as every minutes export);
    `preview`: the current version as it would be filed now (see `minutes_document`)."""
    base = minutes_document(session, draft_id, preview)
    meeting_id = review.get_draft(session, draft_id).meeting_id
    lines = transcript_lines(session, draft_id)
    return ClerkDoc(
        base,
        _attendance(session, meeting_id, draft_id),
        sections(agenda.agenda_of(session, meeting_id), review.draft_as_types(session, draft_id), lines),
        agenda.next_meeting(lines),
        any(i.resolution == Resolution.PART2 for i in review.show(session, draft_id).items),
        series.arising(session, meeting_id),
    )


def blocks(doc: ClerkDoc, template: str) -> list[Block]:
    """The document as headings, paragraphs and bullets, worded for `template`; both renderers draw these."""
    formal = template == "governors"
    out: list[Block] = [("title", doc.base.title), ("para", f"Date: {long_date(doc.base.date)}")]
    out.append(("heading", "Attendance"))
    any_apologies = any(doc.attendance[k] for k in _LABELS if k.startswith("apologies"))
    for key, label in _LABELS.items():
        names = doc.attendance[key]
        if names or key == "present" or (key == "apologies" and not any_apologies):
            out.append(("para", label + (", ".join(names) or "none")))
    if not any(s.declarations for s in doc.sections):
        out += [("heading", "Declarations of interest"), ("para", "None recorded.")]
    if doc.base.summary and not formal:
        out += [("heading", "Summary"), ("para", doc.base.summary)]
    out += _items(doc.sections, formal, doc.arising)
    if doc.confidential:
        out += [("heading", "Confidential items"), ("para", CONFIDENTIAL_NOTE)]
    if doc.next_meeting:
        out += [("heading", "Date of next meeting"), ("para", doc.next_meeting)]
    out.append(("para", footer(doc.base)))
    return out


def _items(sections: list[Section], formal: bool, arising: Sequence[series.Arising] = ()) -> list[Block]:
    """The agenda items, then the actions arising from them as one table (minute, action, owner, due). The
    earlier minutes' open actions go under the agenda's matters-arising item, or a standing one before item 1."""
    out: list[Block] = []
    actions: list[Block] = []
    standing = not any(is_matters_arising(s.title) for s in sections)
    if arising and standing:
        out += [("heading", "Matters arising"), *_arising(arising, formal, "MA")]
    for number, section in enumerate(sections, 1):
        out.append(("heading", f"{number}. {section.title}"))
        if arising and is_matters_arising(section.title):
            out += _arising(arising, formal, str(number))
        if section.discussion:
            out.append(("para", "Discussion: " + " ".join(_sentence(t) for t in section.discussion)))
        if not section.entries:
            out.append(("para", "No decisions or actions."))
        for sub, entry in enumerate(section.entries, 1):
            text = entry_text(entry, formal)
            out.append(("para", f"{number}.{sub} {text}") if formal else ("bullet", text))
            if not entry.decision:
                minute = f"{number}.{sub}" if formal else str(number)
                actions.append(
                    ("row", (minute, entry.text, entry.owner or "unassigned", short_date(entry.due)))
                )
    if actions:
        out += [("heading", "Actions arising"), ("row", ACTIONS_HEADER), *actions]
    return out


def is_matters_arising(title: str) -> bool:
    """Whether an agenda item is the one where the last minutes' actions are taken up."""
    return bool(_ARISING.search(title))


def _arising(arising: Sequence[series.Arising], formal: bool, number: str) -> list[Block]:
    """Each open action of the earlier minutes with what this meeting recorded of it."""
    out: list[Block] = []
    for sub, item in enumerate(arising, 1):
        status = item.status_label
        if item.status == "carried" and item.new_due:
            status += f" to {long_date(item.new_due)}"
        note = f" {_sentence(item.note)}" if item.note else ""
        text = f"{_sentence(entry_text(MinuteEntry(False, item.task, item.owner, item.due), formal))} {status}.{note}"
        text += f" (from the minutes of {long_date(item.from_date)})"
        out.append(("para", f"{number}.{sub} {text}") if formal else ("bullet", text))
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def entry_text(entry: MinuteEntry, formal: bool) -> str:
    if entry.decision:
        motion = f" {entry.motion}" if entry.motion else ""
        return f"{'Resolved' if formal else 'Agreed'}: {entry.text}{motion}"
    who = entry.owner or "unassigned"
    due = f", by {long_date(entry.due)}" if entry.due else ""
    return f"Action ({who}{due}): {entry.text}"


def markdown_of(parts: list[Block]) -> str:
    """Blocks as Markdown: the one renderer the minutes and the part-2 record share. A run of rows is a table
    whose first row is the header."""
    marks = {"title": "# ", "heading": "## ", "para": "", "bullet": "- "}
    out: list[str] = []
    previous: Kind | None = None
    for kind, content in parts:
        if previous in ("bullet", "row") and kind != previous:
            out.append("")
        if isinstance(content, tuple):
            out.append("| " + " | ".join(markdown_cell(c) for c in content) + " |")
            if previous != "row":
                out.append("|" + "---|" * len(content))
        else:
            out.append(marks[kind] + markdown_text(content))
            if kind != "bullet":
                out.append("")
        previous = kind
    return "\n".join(out).rstrip("\n") + "\n"


def docx_of(parts: list[Block], base: MinutesDoc, title: str | None = None) -> bytes:
    """Blocks as DOCX, dated and authored as released (so the same minutes give the same properties). A run of
    rows is a table whose first row is the header, in bold."""
    from docx import Document

    document = Document()
    props = document.core_properties
    props.title, props.author = title or base.title, base.released_by
    props.created = props.modified = base.released_at
    table = None
    for kind, content in parts:
        if isinstance(content, tuple):
            table = _docx_row(document, table, content)
            continue
        table = None
        if kind in ("title", "heading"):
            document.add_heading(content, level=0 if kind == "title" else 1)
        else:
            document.add_paragraph(content, style="List Bullet" if kind == "bullet" else None)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _docx_row(document: Any, table: Any, cells: tuple[str, ...]) -> Any:
    """Add a row to the table being built, or start a table with `cells` as its bold header."""
    if table is None:
        table = document.add_table(rows=1, cols=len(cells))
        table.style = "Table Grid"
        row, bold = table.rows[0].cells, True
    else:
        row, bold = table.add_row().cells, False
    for cell, text in zip(row, cells, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = bold
    return table


def render_markdown(doc: ClerkDoc, template: str) -> str:
    return markdown_of(blocks(doc, template))


def render_docx(doc: ClerkDoc, template: str) -> bytes:
    return docx_of(blocks(doc, template), doc.base)


def render(doc: ClerkDoc, template: str, fmt: str) -> bytes:
    """The document as `fmt` (md or docx) bytes."""
    return render_docx(doc, template) if fmt == "docx" else render_markdown(doc, template).encode("utf-8")

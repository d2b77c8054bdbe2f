"""The part-2 (confidential) record: the sensitive flags a reviewer sent there, with their evidence.

Governing bodies minute confidential matters (a safeguarding case, a named child's needs, staff discipline)
in a separate part-2 record that is not published with the minutes. A reviewer sends a sensitive flag there
with `review resolve DRAFT fN --part2` (resolution "part2", audited like every resolution); the main minutes
then say only that confidential items were minuted separately (`clerk.CONFIDENTIAL_NOTE`).

The record is rendered with the clerk's machinery (`clerk.markdown_of`, `clerk.docx_of`), only for released
minutes (the same release and integrity checks as the minutes), and written as an Export row of kind "part2":
so a consent withdrawal invalidates it and deletes its file like every other export, and the flags' evidence
citing the person and their name go from the record as from the rest of the draft (`records.withdrawal`).
Who may export it (reviewers only) is decided in `minutes.service.part2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from minutes import review
from minutes.consent.timespec import clock
from minutes.core import types
from minutes.core.config import Settings
from minutes.dates import long_date
from minutes.db import Resolution
from minutes.errors import UsageError
from minutes.records import agenda, clerk
from minutes.records.export import ExportResult, MinutesDoc, footer, minutes_document, write_export

KIND = Resolution.PART2  # the Export kind, and the flag resolution
FORMATS = ("md", "docx")
NOTICE = (
    "CONFIDENTIAL: part 2 of the minutes. Not for publication and not part of the main minutes; "
    "for the governing body's or the department's confidential file only."
)
HEADINGS = {
    "safeguarding": "Safeguarding",
    "send": "A named child's special educational needs",
    "health": "Health",
    "staffing": "Staffing",
    "concern": "A concern about a person",
}


@dataclass(frozen=True)
class Part2Item:
    ref: str
    kind: str
    reason: str
    evidence: list[types.Evidence]
    agenda_item: str | None  # "4. Year 9 trip": where it was discussed, when its evidence places it
    confirmed_by: str | None
    confirmed_at: datetime | None


@dataclass(frozen=True)
class Part2Doc:
    base: MinutesDoc
    items: list[Part2Item]


def part2_document(session: Session, draft_id: int) -> Part2Doc:
    """The part-2 record of released minutes (refused before release or after tampering, as the minutes)."""
    base = minutes_document(session, draft_id)
    view = review.show(session, draft_id)
    titles = agenda.agenda_of(session, review.get_draft(session, draft_id).meeting_id)
    starts = agenda.agenda_starts(titles, clerk.transcript_lines(session, draft_id)) if titles else []
    confirmed = {
        step.detail.get("item"): step
        for step in view.history
        if step.kind == "resolve" and step.detail.get("resolution") == KIND
    }
    items = []
    for item in view.items:
        if item.kind != "flag" or item.resolution != KIND:
            continue
        at = min((e.start for e in item.evidence), default=None)
        index = agenda.place(starts, at) if starts else None
        step = confirmed.get(item.ref)
        items.append(
            Part2Item(
                item.ref,
                item.flag_kind or "",
                item.text,
                item.evidence,
                f"{index + 1}. {titles[index]}" if index is not None else None,
                step.reviewer if step else None,
                step.at if step else None,
            )
        )
    return Part2Doc(base, items)


def blocks(doc: Part2Doc, template: str) -> list[clerk.Block]:
    """The record as the clerk's blocks: governors number the items "Confidential item 1", departments do not."""
    formal = template == "governors"
    out: list[clerk.Block] = [
        ("title", title(doc)),
        ("para", f"Date: {long_date(doc.base.date)}"),
        ("para", NOTICE),
    ]
    if not doc.items:
        out.append(("para", "No items were sent to the part-2 record."))
    for number, item in enumerate(doc.items, 1):
        heading = HEADINGS.get(item.kind, item.kind.capitalize())
        out.append(("heading", f"Confidential item {number}: {heading}" if formal else heading))
        if item.agenda_item:
            out.append(("para", f"Under agenda item {item.agenda_item}"))
        out.append(("para", item.reason))
        if item.evidence:
            out.append(("para", "Evidence (from the transcript):"))
            out += [("bullet", f"{clock(e.start)}–{clock(e.end)}: “{e.quote}”") for e in item.evidence]
        else:
            out.append(
                ("para", "No evidence quote is left (added by a reviewer, or removed by a withdrawal).")
            )
        if item.confirmed_by:
            out.append(("para", f"Sent to part 2 by {item.confirmed_by} on {long_date(item.confirmed_at)}."))
    out.append(("para", footer(doc.base)))
    return out


def title(doc: Part2Doc) -> str:
    return f"{doc.base.title}: part 2 (confidential)"


def render(doc: Part2Doc, template: str, fmt: str) -> bytes:
    parts = blocks(doc, template)
    if fmt == "docx":
        return clerk.docx_of(parts, doc.base, title(doc))
    return clerk.markdown_of(parts).encode("utf-8")


def export(
    session: Session,
    settings: Settings,
    draft_id: int,
    fmt: str,
    actor: str,
    template: str = "governors",
    out: Path | None = None,
    force: bool = False,
) -> ExportResult:
    """Render, write atomically (0600), record (Export kind "part2") and audit the part-2 record.

    The caller has checked the actor may see it. `out` follows the minutes' rules (outside MINUTES_HOME, not an
    existing file unless `force`); the default is the store's exports folder."""
    fmt = (fmt or "").lower()
    if fmt not in FORMATS or template not in clerk.TEMPLATES:
        raise UsageError(
            f"the part-2 record is available as md or docx with the governors or department template, "
            f"not {fmt or '?'} with {template!r}"
        )
    data = render(part2_document(session, draft_id), template, fmt)
    row = review.get_draft(session, draft_id)
    name = f"meeting-{row.meeting_id}-draft-{row.id}-part2-confidential.{fmt}"
    return write_export(session, settings, row, KIND, fmt, data, name, out, force, actor)

"""Bodies and their series, matters arising, and who owes what (minutes.records.series), for the front ends."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from minutes.dates import long_date, short_date
from minutes.db.ids import stored_id
from minutes.records import series
from minutes.records.agenda import agenda_of
from minutes.records.clerk import is_matters_arising
from minutes.records.export import check_target
from minutes.records.series import LABELS, STATUSES, Arising, Owed  # noqa: F401  (the front ends' names)
from minutes.service.context import Ctx
from minutes.service.meetings import require_meeting

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OWED_HEADER = ("Owner", "Action", "Due", "Overdue", "Body", "Meeting", "Meeting date")


def bodies(ctx: Ctx) -> list[tuple[int, str, str]]:
    """Every body as (id, name, kind), by name."""
    with ctx.tx() as s:
        return [(stored_id(b), b.name, b.kind) for b in series.bodies(s)]


def assign(ctx: Ctx, meeting_id: int, body: str | None, actor: str, kind: str = "committee") -> str | None:
    """Put a meeting in a body's series (a new name creates the body), or out of any with None; returns the
    body's name as stored."""
    with ctx.tx() as s:
        meeting = require_meeting(s, meeting_id)
        row = series.body_named(s, body, create=True, kind=kind, actor=actor) if body else None
        series.set_body(s, meeting, row, actor)
        return row.name if row else None


def series_of(ctx: Ctx, body: str) -> list[tuple[int, str, dt.date]]:
    """The body's meetings as (id, title, date), by date."""
    with ctx.tx() as s:
        row = series.body_named(s, body)
        return [(stored_id(m), m.title, m.date) for m in series.series(s, stored_id(row))]


def matters(ctx: Ctx, meeting_id: int) -> list[Arising]:
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        return series.arising(s, meeting_id)


def set_status(
    ctx: Ctx,
    meeting_id: int,
    action_id: int,
    status: str,
    actor: str,
    due: str | None = None,
    note: str | None = None,
) -> Arising:
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        return series.set_status(s, meeting_id, action_id, status, actor, due=due, note=note)


def confirm(ctx: Ctx, meeting_id: int, action_id: int, actor: str, due: str | None = None) -> Arising:
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        return series.confirm(s, meeting_id, action_id, actor, due=due)


def owed(ctx: Ctx, person: str | None = None, body: str | None = None) -> list[Owed]:
    """Open actions of released minutes, overdue first (of one body, of one owner by name)."""
    with ctx.tx() as s:
        row = series.body_named(s, body) if body else None
        return series.owed(s, person, row)


def owed_rows(rows: list[Owed], today: dt.date | None = None) -> list[tuple[str, ...]]:
    """The list as table cells, dates as the core formatter writes them (UK)."""
    today = today or dt.date.today()
    return [
        (
            r.owner or "unassigned",
            r.task,
            short_date(r.due) if r.due else "",
            "yes" if r.overdue(today) else "",
            r.body or "",
            r.meeting_title,
            short_date(r.meeting_date),
        )
        for r in rows
    ]


def owed_csv(rows: list[Owed]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(OWED_HEADER)
    writer.writerows(_csv_safe(row) for row in owed_rows(rows))
    return out.getvalue().encode("utf-8-sig")  # Excel reads UTF-8 with the BOM


def _csv_safe(row: tuple[str, ...]) -> tuple[str, ...]:
    """A cell a spreadsheet would run as a formula (=, +, -, @, also after leading blanks, which spreadsheets
    skip) is quoted with a leading apostrophe."""
    return tuple(f"'{c}" if c.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@") else c for c in row)


def writable(ctx: Ctx, out: Path, force: bool) -> Path:
    """Where `minutes actions --out` may write: outside the data folder, an existing file only with force (as
    `minutes export --out`)."""
    return check_target(ctx.settings, out, force)


def save(ctx: Ctx, rows: list[Owed], fmt: str, data: bytes, out: Path, force: bool, actor: str) -> Path:
    """Write the list to `out`, recorded as an export of each meeting it lists (a withdrawal deletes it)."""
    with ctx.tx() as s:
        return series.write_owed(s, ctx.settings, rows, fmt, data, out, force, actor)


def owed_docx(rows: list[Owed], title: str) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    document.add_paragraph(f"Open actions as of {long_date(dt.date.today())}, overdue first.")
    table = document.add_table(rows=1, cols=len(OWED_HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, OWED_HEADER, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in owed_rows(rows):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class SeriesPanel:
    """What a meeting's page shows of its series: its body, the bodies to choose from, and its matters arising."""

    body: str | None
    bodies: list[tuple[int, str, str]]
    matters: list[Arising]
    standing: bool  # no agenda item is for matters arising: they are taken as a standing item before item 1
    filed: bool  # the minutes are released: the log is kept as filed
    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))


def page(ctx: Ctx, meeting_id: int) -> SeriesPanel:
    with ctx.tx() as s:
        meeting = require_meeting(s, meeting_id)
        every = series.bodies(s)
        titles = agenda_of(s, meeting_id)
        return SeriesPanel(
            next((b.name for b in every if b.id == meeting.body_id), None),
            [(stored_id(b), b.name, b.kind) for b in every],
            series.arising(s, meeting_id),
            not any(is_matters_arising(t) for t in titles),
            series.is_released(s, meeting_id),
        )

"""Exports: released minutes as a clerk files them (Markdown, DOCX, JSON), and transcripts marked unreviewed.

Every export is written atomically, recorded as an Export row with its sha256, and audited, in one transaction.
"""

from __future__ import annotations

import getpass
import io
import json
import logging
import os
import re
import stat
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from minutes import review
from minutes.consent.meetings import get_meeting
from minutes.core.audit import sha256_of
from minutes.core.config import Settings
from minutes.core.store import atomic_write_bytes, files_path
from minutes.dates import long_date, short_date
from minutes.db import DraftRow, DraftStatus, Export, Participant, Release, utcnow
from minutes.db.audit import append_event
from minutes.db.ids import stored_id
from minutes.errors import StateError, UsageError
from minutes.records.integrity import check_release

LOG = logging.getLogger("minutes.records.export")  # ids and formats only
MINUTES_FORMATS = ("md", "docx", "json")
TRANSCRIPT_FORMATS = ("srt", "vtt", "txt", "json")
WITHDRAWN = "a participant (consent withdrawn)"
UNREVIEWED = "UNREVIEWED TRANSCRIPT: machine-generated, not checked by a person; not the minutes."


@dataclass(frozen=True)
class ActionLine:
    owner: str | None
    task: str
    due: str | None


@dataclass(frozen=True)
class MinutesDoc:
    title: str
    date: str
    attendees: list[str]
    summary: str
    decisions: list[str]
    actions: list[ActionLine]
    reviewed_by: str | None
    released_by: str
    released_at: datetime
    reissue_note: str | None = None
    points: list[str] = field(default_factory=list)  # the discussion points, listed under the summary
    reissued_at: datetime | None = None  # the latest re-issue; `released_at` stays the first release's
    preview: bool = False  # not released yet: what would be filed now (the footer says so)


@dataclass(frozen=True)
class ExportResult:
    id: int
    draft_id: int
    kind: str
    format: str
    path: str
    sha256: str
    bytes: int


def minutes_document(session: Session, draft_id: int, preview: bool = False) -> MinutesDoc:
    """The released minutes of a draft, ready to render. `preview`: a draft not released yet as it would be
    filed now (the reviewer sees it before approving and releasing); never written to a file."""
    row = review.get_draft(session, draft_id)
    if preview and row.status != DraftStatus.RELEASED:
        return _document(session, row, None, True)
    if row.status != DraftStatus.RELEASED:
        raise StateError(
            f"draft {draft_id} is {row.status}; only released minutes can be exported as minutes",
            "transcripts can be exported before release with --format srt|vtt|txt or --transcript",
        )
    if tampered := check_release(session, draft_id):
        raise StateError(
            f"not exporting draft {draft_id}: {tampered.problem}",
            "the database was changed outside minutes; run `minutes audit verify`",
        )
    return _document(session, row, review.latest_release(session, draft_id), False)


def _document(session: Session, row: DraftRow, rel: Release | None, preview: bool) -> MinutesDoc:
    draft_id = stored_id(row)
    meeting = get_meeting(session, row.meeting_id)
    withdrawn = withdrawn_ids(session, draft_id)
    people = session.exec(
        select(Participant).where(Participant.meeting_id == row.meeting_id).order_by(col(Participant.id))
    ).all()
    current = review.draft_as_types(session, draft_id)
    first = rel
    while first is not None and first.reissue_of is not None:
        first = session.get(Release, first.reissue_of)
    approval = review.approver(session, draft_id) if row.status != DraftStatus.IN_REVIEW else None
    return MinutesDoc(
        title=meeting.title,
        date=meeting.date.isoformat(),
        attendees=[WITHDRAWN if p.id in withdrawn else p.name for p in people],
        summary=current.summary,
        decisions=[d.text for d in current.decisions],
        actions=[ActionLine(a.owner, a.task, a.due) for a in current.actions],
        reviewed_by=approval.reviewer if approval else None,
        released_by=rel.released_by if rel else "",
        released_at=first.released_at if first else utcnow(),
        reissue_note=rel.note if rel and rel.reissue_of else None,
        points=[p.text for p in current.points],
        reissued_at=rel.released_at if rel and rel.reissue_of else None,
        preview=preview,
    )


def withdrawn_ids(session: Session, draft_id: int) -> set[int]:
    """Participants who withdrew consent after the draft was made: the minutes name them only as WITHDRAWN."""
    return {
        who
        for step in review.history(session, draft_id)
        if step.kind == "withdrawal" and (who := step.detail.get("participant")) is not None
    }


def render_markdown(doc: MinutesDoc) -> str:
    md = markdown_text
    lines = [
        f"# {md(doc.title)}",
        "",
        f"**Date:** {long_date(doc.date)}  ",
        f"**Attendees:** {', '.join(md(a) for a in doc.attendees) or 'none'}",
        "",
    ]
    if doc.summary:
        lines += ["## Summary", "", md(doc.summary), ""]
    if doc.points:
        lines += ["## Discussion points", "", *(f"- {md(p)}" for p in doc.points), ""]
    lines += ["## Decisions", ""]
    lines += [f"{i}. {md(text)}" for i, text in enumerate(doc.decisions, 1)] or [
        "No decisions were recorded."
    ]
    lines += ["", "## Actions", ""]
    if doc.actions:
        lines += ["| Owner | Task | Due |", "|---|---|---|"]
        lines += [
            f"| {markdown_cell(a.owner)} | {markdown_cell(a.task)} | {markdown_cell(short_date(a.due))} |"
            for a in doc.actions
        ]
    else:
        lines.append("No actions were recorded.")
    lines += ["", "---", "", md(footer(doc))]
    return "\n".join(lines) + "\n"


def render_docx(doc: MinutesDoc) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = doc.title
    document.core_properties.created = doc.released_at
    document.core_properties.modified = doc.released_at
    document.core_properties.author = doc.released_by
    document.add_heading(doc.title, level=0)
    document.add_paragraph(f"Date: {long_date(doc.date)}")
    document.add_paragraph(f"Attendees: {', '.join(doc.attendees) or 'none'}")
    if doc.summary:
        document.add_heading("Summary", level=1)
        document.add_paragraph(doc.summary)
    if doc.points:
        document.add_heading("Discussion points", level=1)
        for text in doc.points:
            document.add_paragraph(text, style="List Bullet")
    document.add_heading("Decisions", level=1)
    for text in doc.decisions:
        document.add_paragraph(text, style="List Number")
    if not doc.decisions:
        document.add_paragraph("No decisions were recorded.")
    document.add_heading("Actions", level=1)
    if doc.actions:
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, head in zip(table.rows[0].cells, ("Owner", "Task", "Due"), strict=True):
            cell.text = head
            cell.paragraphs[0].runs[0].bold = True
        for a in doc.actions:
            cells = table.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = a.owner or "", a.task, short_date(a.due)
    else:
        document.add_paragraph("No actions were recorded.")
    document.add_paragraph(footer(doc))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def render_json(doc: MinutesDoc) -> str:
    data = asdict(doc)
    data["released_at"] = doc.released_at.isoformat()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_transcript(session: Session, draft_id: int, fmt: str) -> bytes:
    """The draft's transcript in a subtitle/text format, stamped as unreviewed."""
    from minutes.speech import formats as transcript_formats
    from minutes.speech.speakers import named_transcript

    row = review.get_draft(session, draft_id)
    if row.transcript_id is None:
        raise StateError(f"draft {draft_id} has no transcript")
    transcript = named_transcript(session, row.transcript_id)
    body = transcript_formats.render(transcript, fmt)
    if fmt == "json":
        data = json.loads(body)
        return (
            json.dumps({"unreviewed": True, "notice": UNREVIEWED, **data}, indent=2, ensure_ascii=False)
            + "\n"
        ).encode("utf-8")
    if fmt == "vtt":
        head, _, rest = body.partition("\n")
        return f"{head}\n\nNOTE {UNREVIEWED}\n{rest}".encode()
    if fmt == "srt":
        return _srt_with_notice(body).encode("utf-8")
    return f"[{UNREVIEWED}]\n\n{body}".encode()


def export(
    session: Session,
    settings: Settings,
    draft_id: int,
    fmt: str,
    out: Path | None = None,
    transcript: bool = False,
    actor: str | None = None,
    force: bool = False,
    template: str | None = None,
) -> ExportResult:
    """Render, write atomically (0600), record and audit one export. An unwritable path leaves no file and no row.

    `template` (governors or department, md or docx only) lays the minutes out as a clerk files them (see
    `clerk`); without it they are the short record: summary, decisions, action table.
    `out` must be outside MINUTES_HOME and, unless `force`, must not exist yet; it is never a folder, device, FIFO
    or link. The default is the store's exports folder, where a new export of the same draft replaces the last.
    """
    fmt = fmt.lower()
    transcript = transcript or fmt in ("srt", "vtt", "txt")
    _check_format(fmt, transcript, template)
    row = review.get_draft(session, draft_id)
    kind = "transcript" if transcript else "minutes"
    data = _render(session, draft_id, fmt, transcript, template)
    name = f"meeting-{row.meeting_id}-draft-{row.id}-{kind}.{fmt}"
    return write_export(session, settings, row, kind, fmt, data, name, out, force, actor or _user())


def write_export(
    session: Session,
    settings: Settings,
    row: DraftRow,
    kind: str,
    fmt: str,
    data: bytes,
    name: str,
    out: Path | None,
    force: bool,
    actor: str,
) -> ExportResult:
    """Write one rendered export atomically (0600) to `out` or the store's exports folder (`name`), and record
    and audit it in the caller's transaction; if recording fails, the file is removed."""
    path = check_target(settings, Path(out), force) if out else files_path(settings, "exports", name)
    digest = write_file(path, data, overwrite=force or not out)
    try:
        rec = Export(
            meeting_id=row.meeting_id, draft_id=row.id, kind=kind, format=fmt, path=str(path), sha256=digest
        )
        session.add(rec)
        session.flush()
        append_event(
            session,
            "export",
            actor,
            row.meeting_id,
            subject={"draft": row.id, "export": rec.id, "kind": kind, "format": fmt},
            hashes={"file": digest},
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    LOG.info("export %s: draft %s, %s as %s, %d bytes", rec.id, row.id, kind, fmt, len(data))
    return ExportResult(stored_id(rec), stored_id(row), kind, fmt, str(path), digest, len(data))


def _check_format(fmt: str, transcript: bool, template: str | None) -> None:
    """UsageError for a format or template that does not fit what is exported (before the draft is looked up)."""
    from minutes.records import clerk

    allowed = TRANSCRIPT_FORMATS if transcript else MINUTES_FORMATS
    if fmt not in allowed:
        raise UsageError(
            f"format {fmt!r} is not available for {'transcripts' if transcript else 'minutes'}",
            "use one of " + ", ".join(allowed),
        )
    if template is not None and (transcript or fmt not in ("md", "docx") or template not in clerk.TEMPLATES):
        raise UsageError(
            f"template {template!r} is not available for {'the transcript' if transcript else fmt}",
            "use --template governors or department with --format md or docx",
        )


def _render(session: Session, draft_id: int, fmt: str, transcript: bool, template: str | None) -> bytes:
    from minutes.records import clerk

    if transcript:
        return render_transcript(session, draft_id, fmt)
    if template is not None:
        return clerk.render(clerk.clerk_document(session, draft_id), template, fmt)
    doc = minutes_document(session, draft_id)
    return {
        "md": lambda: render_markdown(doc).encode("utf-8"),
        "docx": lambda: render_docx(doc),
        "json": lambda: render_json(doc).encode("utf-8"),
    }[fmt]()


def footer(doc: MinutesDoc) -> str:
    if doc.preview:
        approved = (
            f"Reviewed and approved by {doc.reviewed_by}. " if doc.reviewed_by else "Not yet approved. "
        )
        return approved + "Not yet released: a preview of what will be filed."
    text = (
        f"Reviewed and approved by {doc.reviewed_by or 'unknown'}. "
        f"Released by {doc.released_by} on {long_date(doc.released_at)}."
    )
    if doc.reissue_note:
        when = f" on {long_date(doc.reissued_at)}" if doc.reissued_at else ""
        text += f" Re-issued{when}: {doc.reissue_note}."
    return text


# What a Markdown viewer would act on in running text: an HTML tag or entity (<script>, <img src=...>, &amp;),
# a link or an image ([...](...), ![...](...), <https://...>), emphasis or code, a heading mark, a table cell's
# edge. Each is backslash-escaped (CommonMark shows the character itself); the rest stays readable.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>!#|~&])")


def markdown_text(value: str | None) -> str:
    """Text of the minutes (items, names, the summary) as Markdown that shows it as written, on one line."""
    return _MARKDOWN.sub(r"\\\1", " ".join((value or "").split()))


def markdown_cell(value: str | None) -> str:
    return markdown_text(value)


def _srt_with_notice(body: str) -> str:
    """SRT has no comments: the notice becomes cue 1 (at zero length) and the other cues are renumbered."""
    blocks = [b for b in body.strip().split("\n\n") if b.strip()]
    out = [f"1\n00:00:00,000 --> 00:00:00,001\n{UNREVIEWED}"]
    for i, block in enumerate(blocks, 2):
        lines = block.split("\n")
        out.append("\n".join([str(i)] + lines[1:] if lines[0].strip().isdigit() else [str(i)] + lines))
    return "\n\n".join(out) + "\n"


def write_file(path: Path, data: bytes, overwrite: bool) -> str:
    """Write an export atomically (0600) and return its sha256; a one-line UsageError if it exists (and may not
    be replaced) or cannot be written."""
    try:
        atomic_write_bytes(path, data, overwrite=overwrite)
    except FileExistsError:
        raise UsageError(f"{path} already exists", "give --force to replace it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return sha256_of(data)


def check_target(settings: Settings, out: Path, force: bool) -> Path:
    """`out` as an absolute path, if an export may be written there; a one-line UsageError if not."""
    path = out.expanduser().absolute()
    real, home = Path(os.path.realpath(path)), Path(os.path.realpath(settings.home))
    if real == home or home in real.parents:
        raise UsageError(
            f"{path} is inside MINUTES_HOME ({settings.home}), which only the store writes",
            "give a path outside it, or leave out --out for the store's exports folder",
        )
    try:
        st = path.lstat()
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{path} is a folder; give a file name with --out")
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(
            f"{path} is not a regular file (a device, FIFO, socket or link); exports replace only "
            "regular files"
        )
    if not force:
        raise UsageError(f"{path} already exists", "give --force to replace it")
    return path


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"

"""Release approved minutes, and download them (Markdown, DOCX, JSON) or the transcript (stamped UNREVIEWED).

A download is an export: written to the store's exports folder, recorded with its sha256 and audited with the
signed-in user as the actor (`minutes.records.export`), then sent to the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from minutes import review
from minutes.db.ids import stored_id
from minutes.errors import UsageError
from minutes.records import export, series
from minutes.service.context import Ctx

FORMATS = {  # format -> (transcript?, media type, label)
    "md": (False, "text/markdown; charset=utf-8", "Minutes (Markdown)"),
    "docx": (
        False,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Minutes (Word)",
    ),
    "json": (False, "application/json", "Minutes (JSON)"),
    "vtt": (True, "text/vtt; charset=utf-8", "Transcript, subtitles (WebVTT), UNREVIEWED"),
    "srt": (True, "application/x-subrip; charset=utf-8", "Transcript, subtitles (SRT), UNREVIEWED"),
    "txt": (True, "text/plain; charset=utf-8", "Transcript, plain text, UNREVIEWED"),
    "transcript-json": (True, "application/json", "Transcript (JSON), UNREVIEWED"),
}


@dataclass(frozen=True)
class ReleaseInfo:
    draft_id: int
    meeting_id: int
    title: str
    status: str
    released_by: str | None
    released_at: datetime | None
    content_sha256: str | None
    reissue_note: str | None
    has_transcript: bool


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    data: bytes


def info(ctx: Ctx, draft_id: int) -> ReleaseInfo:
    with ctx.tx() as s:
        view = review.show(s, draft_id)
        rel = review.latest_release(s, draft_id)
        row = review.get_draft(s, draft_id)
    return ReleaseInfo(
        view.id,
        view.meeting_id,
        view.meeting_title,
        view.status,
        rel.released_by if rel else None,
        rel.released_at if rel else None,
        rel.content_sha256 if rel else None,
        rel.note if rel else None,
        row.transcript_id is not None,
    )


def write(
    ctx: Ctx,
    draft_id: int,
    fmt: str,
    actor: str | None,
    out: Path | None = None,
    transcript: bool = False,
    force: bool = False,
    template: str | None = None,
) -> export.ExportResult:
    """Export to a file (default: the store's exports folder), recorded and audited; minutes only once
    released, the transcript at any time. `template` lays the minutes out as a clerk files them."""
    with ctx.tx() as s:
        return export.export(
            s,
            ctx.settings,
            draft_id,
            fmt,
            out,
            transcript=transcript,
            actor=actor,
            force=force,
            template=template,
        )


@dataclass(frozen=True)
class Released:
    release_id: int
    content_sha256: str


def release(ctx: Ctx, draft_id: int, actor: str) -> Released:
    """Release approved minutes; returns the release's id and the hash of exactly what was released."""
    with ctx.tx() as s:
        series.file(s, review.get_draft(s, draft_id).meeting_id)  # its matters arising, as they stand now
        rel = review.release(s, draft_id, actor)
        return Released(stored_id(rel), rel.content_sha256)


def download(ctx: Ctx, draft_id: int, fmt: str, actor: str, template: str | None = None) -> Download:
    """Export and return the file; minutes only once released, the transcript at any time. `template`
    (governors or department, md or docx minutes) lays the minutes out as a clerk files them."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown download format {fmt!r}")
    transcript, media_type, _ = FORMATS[fmt]
    real = "json" if fmt == "transcript-json" else fmt
    result = write(ctx, draft_id, real, actor, transcript=transcript, template=template)
    path = Path(result.path)
    data = path.read_bytes()
    kind = "transcript-UNREVIEWED" if transcript else f"minutes-{template}" if template else "minutes"
    name = f"meeting-{draft_id}-{kind}.{real}"
    return Download(name, media_type, data)

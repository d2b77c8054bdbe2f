"""Retention: delete audio and transcripts a set number of days after a meeting's minutes were released, and
any recording still waiting to be stored whose meeting's record gate is closed (`records.held`).

Released minutes (the draft, its items, the release record, minutes exports) are kept. Audio goes with the
recording's voice data (speaker centroids, voice enrolments); a transcript goes with its words, speaker turns and
transcript exports. `purge(..., dry_run=True)` computes exactly the same report and changes nothing.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func
from sqlmodel import Session, col, select

from minutes.core.audit import record
from minutes.core.config import Settings
from minutes.core.files import sha256_file
from minutes.db import (
    DraftRow,
    Export,
    Recording,
    RecordingTurn,
    Release,
    SegmentRow,
    SpeakerLabel,
    TranscriptRow,
    VoiceEnrolment,
    WordRow,
    utcnow,
)
from minutes.db.ids import stored_id
from minutes.errors import MinutesError
from minutes.records import held, series
from minutes.review import lines

LOG = logging.getLogger("minutes.records.retention")  # ids and counts only


@dataclass
class AudioRemoved:
    recording_id: int
    meeting_id: int
    path: str
    released_at: datetime


@dataclass
class TranscriptRemoved:
    transcript_id: int
    meeting_id: int
    segments: int
    words: int
    released_at: datetime


@dataclass
class ExportRemoved:
    export_id: int
    meeting_id: int
    path: str


@dataclass
class PurgeReport:
    now: datetime
    dry_run: bool
    audio: list[AudioRemoved] = field(default_factory=list)
    transcripts: list[TranscriptRemoved] = field(default_factory=list)
    transcript_exports: list[ExportRemoved] = field(default_factory=list)
    voice_centroids: int = 0
    voice_enrolments: int = 0
    speaker_turns: int = 0
    suggestions: int = 0  # matters-arising suggestions nobody confirmed, which quote a purged transcript
    exports_need_attention: list[str] = field(default_factory=list)  # changed since export: left for a person
    held_recordings: list[str] = field(default_factory=list)  # waiting copies whose record gate is closed

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def purge(
    session: Session,
    settings: Settings,
    now: datetime | None = None,
    dry_run: bool = False,
    actor: str = "minutes",
) -> PurgeReport:
    """Apply the retention policy as of `now` (default: the current time) and report what was (or would be) removed."""
    now = _aware(now or utcnow())
    policy = settings.retention
    report = PurgeReport(now, dry_run)
    released = session.exec(
        select(DraftRow.meeting_id, func.min(Release.released_at))
        .join(Release, col(Release.draft_id) == DraftRow.id)
        .group_by(col(DraftRow.meeting_id))
    ).all()
    for meeting_id, first_release in sorted(released):
        first_release = _aware(first_release)
        if now >= first_release + timedelta(days=policy.audio_days_after_release):
            _purge_audio(session, settings, meeting_id, first_release, report, dry_run)
        if now >= first_release + timedelta(days=policy.transcript_days_after_release):
            _purge_transcripts(session, meeting_id, first_release, report, dry_run)
    for meeting_id in held.meetings_holding(
        session, settings
    ):  # not stored, and may not be: see records.held
        report.held_recordings += held.drop_held(session, settings, meeting_id, dry_run)
    LOG.info(
        "purge%s: %d recordings, %d transcripts, %d transcript exports",
        " (dry run)" if dry_run else "",
        len(report.audio),
        len(report.transcripts),
        len(report.transcript_exports),
    )
    if not dry_run:
        record(
            session,
            "purge",
            actor,
            subject={
                "recordings": [a.recording_id for a in report.audio],
                "transcripts": [t.transcript_id for t in report.transcripts],
                "exports": [e.export_id for e in report.transcript_exports],
                "held_recordings": len(report.held_recordings),
                "voice_centroids": report.voice_centroids,
                "voice_enrolments": report.voice_enrolments,
                "speaker_turns": report.speaker_turns,
                "suggestions": report.suggestions,
                "policy": policy.model_dump(),
                "now": now.isoformat(),
            },
        )
        scrub_after_commit(session)
    return report


def _purge_audio(
    session: Session,
    settings: Settings,
    meeting_id: int,
    released_at: datetime,
    report: PurgeReport,
    dry_run: bool,
) -> None:
    for rec in session.exec(
        select(Recording).where(Recording.meeting_id == meeting_id).order_by(col(Recording.id))
    ).all():
        labels = session.exec(
            select(SpeakerLabel).where(
                SpeakerLabel.recording_id == rec.id, col(SpeakerLabel.centroid).is_not(None)
            )
        ).all()
        enrolments = session.exec(select(VoiceEnrolment).where(VoiceEnrolment.recording_id == rec.id)).all()
        report.voice_centroids += len(labels)
        report.voice_enrolments += len(enrolments)
        if rec.path:
            report.audio.append(AudioRemoved(stored_id(rec), meeting_id, rec.path, released_at))
        if dry_run:
            continue
        for label in labels:
            label.centroid = None
            session.add(label)
        for enrolment in enrolments:
            session.delete(enrolment)
        if rec.path:
            delete_audio(session, settings, rec)


def _purge_transcripts(
    session: Session, meeting_id: int, released_at: datetime, report: PurgeReport, dry_run: bool
) -> None:
    for tr in session.exec(
        select(TranscriptRow)
        .where(TranscriptRow.meeting_id == meeting_id, col(TranscriptRow.deleted_at).is_(None))
        .order_by(col(TranscriptRow.id))
    ).all():
        segments = session.exec(select(SegmentRow).where(SegmentRow.transcript_id == tr.id)).all()
        words = session.exec(
            select(WordRow).where(col(WordRow.segment_id).in_([s.id for s in segments]))
        ).all()
        turns = session.exec(select(RecordingTurn).where(RecordingTurn.recording_id == tr.recording_id)).all()
        report.transcripts.append(
            TranscriptRemoved(stored_id(tr), meeting_id, len(segments), len(words), released_at)
        )
        report.speaker_turns += len(turns)
        if dry_run:
            continue
        lines.forget(session, stored_id(tr))  # what the reviewer corrected goes with the lines
        for row in [*words, *turns]:
            session.delete(row)
        session.flush()
        for seg in segments:
            session.delete(seg)
        tr.deleted_at = report.now
        session.add(tr)
    report.suggestions += series.purge_suggestions(session, meeting_id, dry_run)  # they quote the transcript
    exports = session.exec(
        select(Export)
        .where(
            Export.meeting_id == meeting_id, Export.kind == "transcript", col(Export.invalidated_at).is_(None)
        )
        .order_by(col(Export.id))
    ).all()
    report.transcript_exports += [ExportRemoved(stored_id(exp), meeting_id, exp.path) for exp in exports]
    if not dry_run:
        report.exports_need_attention += invalidate_exports(session, exports, report.now)
    session.flush()


def audio_path(settings: Settings, rec: Recording) -> Path:
    """Where a recording's audio lies: its stored path, absolute or relative to the store's file area."""
    assert rec.path is not None, f"recording {rec.id} has no audio left"
    path = Path(rec.path)
    return path if path.is_absolute() else settings.files_dir / path


def delete_audio(session: Session, settings: Settings, rec: Recording, now: datetime | None = None) -> str:
    """Delete a recording's audio file and mark the row; returns the path that was removed."""
    path = audio_path(settings, rec)
    _unlink(path)
    removed = str(rec.path)
    rec.path = None
    rec.audio_deleted_at = now or utcnow()
    session.add(rec)
    return removed


def invalidate_exports(session: Session, exports: Sequence[Export], now: datetime | None = None) -> list[str]:
    """Mark exports invalidated (each row keeps its path and hash as the record) and delete each file that is
    still what was exported there: its sha256 matches an export made to that path. Anything else now at a path
    (a newer document, another file) is left alone; those paths are returned for a person to check."""
    for exp in exports:
        exp.invalidated_at = now or utcnow()
        session.add(exp)
    paths = dict.fromkeys(exp.path for exp in exports)
    return [p for p in paths if not _unlink_if_exported(Path(p), {e.sha256 for e in exports if e.path == p})]


def _unlink_if_exported(path: Path, hashes: set[str]) -> bool:
    """Delete `path` if it is a regular file with one of `hashes`; True when nothing of ours is left there."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return False
        if sha256_file(path) not in hashes:
            return False
    except FileNotFoundError:
        return True
    except OSError:
        return False
    _unlink(path)
    return True


def scrub_after_commit(session: Session) -> None:
    """Once the transaction commits, checkpoint SQLite's WAL and truncate it, so deleted bytes leave the -wal file.

    With `PRAGMA secure_delete=ON` (set on every connection) deleted rows are also zeroed in the main file.
    """
    bind = session.get_bind().engine  # the Engine itself, or a Connection's
    if bind.dialect.name != "sqlite" or session.info.get("_minutes_scrub"):
        return
    session.info["_minutes_scrub"] = True

    def checkpoint(_session: Session) -> None:
        _session.info.pop("_minutes_scrub", None)
        with bind.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    event.listen(session, "after_commit", checkpoint, once=True)


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise MinutesError(f"cannot delete {path}: {exc.strerror or exc}", "nothing was changed") from None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

"""Discarding a meeting's recording and everything made from it, so `minutes process --replace` (or
`--add-part`, which replaces it with the parts stitched) starts over instead of leaving a second draft beside
the first.

Removed: the audio file, the Recording and Transcript rows with their segments, words, speaker turns, speaker
names and voice enrolments, the stage runs, and every item and evidence quote of the drafts made from them.
Each such draft stays as an empty, rejected row ("its recording was replaced"), so its id is never reused for
another draft and its review history still reads. Their exports are invalidated (a file is deleted only while
it is what was exported, as on withdrawal). Consent records are kept: they belong to the meeting, not the
recording. One `recording.discard` audit event lists what went, by id and hash. Released minutes are never
discarded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from minutes import review
from minutes.core import types
from minutes.core.audit import record
from minutes.core.config import Settings
from minutes.db import (
    ActionRow,
    DecisionRow,
    DraftRow,
    DraftStatus,
    Export,
    FlagRow,
    ItemEvidence,
    PointRow,
    Recording,
    RecordingTurn,
    Release,
    SegmentRow,
    SpeakerLabel,
    StageRun,
    TranscriptRow,
    VoiceEnrolment,
    WordRow,
)
from minutes.db.ids import stored_id
from minutes.errors import StateError
from minutes.records.retention import delete_audio, invalidate_exports, scrub_after_commit

REPLACED = "its recording was replaced (minutes process --replace or --add-part)"


@dataclass
class Discarded:
    recordings: list[int] = field(default_factory=list)
    transcripts: list[int] = field(default_factory=list)
    drafts: list[int] = field(default_factory=list)
    exports_need_attention: list[str] = field(default_factory=list)  # paths that now hold something else


def require_unreleased(session: Session, meeting_id: int) -> None:
    """StateError once any minutes of the meeting were released: the chain vouches for them as they are."""
    released = (
        select(Release.id)
        .join(DraftRow, col(DraftRow.id) == Release.draft_id)
        .where(DraftRow.meeting_id == meeting_id)
    )
    if session.exec(released).first() is not None:
        raise StateError(
            f"the minutes of meeting {meeting_id} are released; its recording cannot be replaced",
            "released minutes and what they rest on stay as they are; check the meeting id",
        )


def discard_recordings(
    session: Session, settings: Settings, meeting_id: int, actor: str, why: str, keep_file: str | None = None
) -> Discarded:
    """Remove every recording of the meeting and what was derived from it, in the caller's transaction (the
    caller stores the new recording in the same one); a StateError, changing nothing, once minutes were
    released. `keep_file`: the new recording's path, when it is the same file as an old one."""
    require_unreleased(session, meeting_id)
    recs = session.exec(
        select(Recording).where(Recording.meeting_id == meeting_id).order_by(col(Recording.id))
    ).all()
    rec_ids = [stored_id(r) for r in recs]
    trs = session.exec(select(col(TranscriptRow.id)).where(col(TranscriptRow.recording_id).in_(rec_ids)))
    tr_ids = [i for i in trs if i is not None]  # stored rows: never None
    drafts = session.exec(select(col(DraftRow.id)).where(col(DraftRow.transcript_id).in_(tr_ids)))
    draft_ids = [i for i in drafts if i is not None]
    done = Discarded(rec_ids, tr_ids, draft_ids)
    exports = session.exec(select(Export).where(col(Export.draft_id).in_(draft_ids))).all()
    done.exports_need_attention = invalidate_exports(
        session, [e for e in exports if e.invalidated_at is None]
    )
    _empty_drafts(session, draft_ids, actor)
    segments = select(SegmentRow.id).where(col(SegmentRow.transcript_id).in_(tr_ids))
    session.execute(delete(WordRow).where(col(WordRow.segment_id).in_(segments)))
    session.execute(delete(SegmentRow).where(col(SegmentRow.transcript_id).in_(tr_ids)))
    session.execute(delete(TranscriptRow).where(col(TranscriptRow.id).in_(tr_ids)))
    for table in (RecordingTurn, SpeakerLabel, VoiceEnrolment, StageRun):
        session.execute(delete(table).where(col(table.recording_id).in_(rec_ids)))
    hashes = {f"audio{r.id}": r.sha256 for r in recs}
    for rec in recs:
        if rec.path is not None and rec.path != keep_file:
            delete_audio(session, settings, rec)
    session.flush()
    session.execute(delete(Recording).where(col(Recording.id).in_(rec_ids)))
    record(
        session,
        "recording.discard",
        actor,
        meeting_id,
        subject={"why": why, "recordings": rec_ids, "transcripts": tr_ids, "drafts": draft_ids},
        hashes=hashes,
    )
    scrub_after_commit(session)
    return done


def _empty_drafts(session: Session, draft_ids: list[int], actor: str) -> None:
    """Delete the drafts' items and evidence, and keep each draft as an empty, rejected row saying why."""
    items: dict[Mapped[int | None], type[DecisionRow | ActionRow | FlagRow | PointRow]] = {
        col(ItemEvidence.decision_id): DecisionRow,
        col(ItemEvidence.action_id): ActionRow,
        col(ItemEvidence.flag_id): FlagRow,
        col(ItemEvidence.point_id): PointRow,
    }
    for column, table in items.items():
        session.execute(
            delete(ItemEvidence).where(
                column.in_(select(col(table.id)).where(col(table.draft_id).in_(draft_ids)))
            )
        )
    for table in items.values():
        session.execute(delete(table).where(col(table.draft_id).in_(draft_ids)))
    empty = types.Draft().model_dump(mode="json")
    for draft in session.exec(select(DraftRow).where(col(DraftRow.id).in_(draft_ids))).all():
        draft.transcript_id, draft.summary, draft.notes, draft.original = None, "", [], empty
        if draft.status != DraftStatus.REJECTED:
            draft.reject_reason = REPLACED
            review.transition(
                session, draft, DraftStatus.REJECTED, actor, reason=REPLACED, event="review.discard"
            )
        session.add(draft)
    session.flush()

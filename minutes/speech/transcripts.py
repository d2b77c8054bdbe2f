"""Store and load speaker-attributed transcripts (the record types.Transcript <-> the db tables).

Both sides share their fields (minutes.db.domain), so a row is the record's fields plus its place (ids, idx).
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from minutes import db
from minutes.core import types
from minutes.db.ids import stored_id
from minutes.errors import NotFoundError


def save_transcript(
    session: Session, meeting_id: int, recording_id: int, transcript: types.Transcript, model: str
) -> db.TranscriptRow:
    row = db.TranscriptRow(
        meeting_id=meeting_id,
        recording_id=recording_id,
        language=transcript.language,
        duration=transcript.duration,
        model=model,
    )
    session.add(row)
    session.flush()
    replace_segments(session, stored_id(row), transcript)
    return row


def replace_segments(session: Session, transcript_id: int, transcript: types.Transcript) -> None:
    """Replace a stored transcript's segments and words (after attribution, naming or a withdrawal)."""
    segment_ids = select(db.SegmentRow.id).where(db.SegmentRow.transcript_id == transcript_id)
    session.execute(delete(db.WordRow).where(col(db.WordRow.segment_id).in_(segment_ids)))
    session.execute(delete(db.SegmentRow).where(col(db.SegmentRow.transcript_id) == transcript_id))
    for i, seg in enumerate(transcript.segments):
        seg_row = db.SegmentRow(transcript_id=transcript_id, idx=i, **seg.model_dump(exclude={"words"}))
        session.add(seg_row)
        session.flush()
        session.add_all(
            db.WordRow(segment_id=stored_id(seg_row), idx=j, **w.model_dump())
            for j, w in enumerate(seg.words)
        )
    session.flush()


def load_transcript(session: Session, transcript_id: int) -> types.Transcript:
    row = session.get(db.TranscriptRow, transcript_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"transcript {transcript_id} does not exist or was purged")
    # One query for the whole transcript: segments outer-joined to their words, in order.
    rows = session.exec(
        select(db.SegmentRow, db.WordRow)
        .join(db.WordRow, col(db.WordRow.segment_id) == col(db.SegmentRow.id), isouter=True)
        .where(db.SegmentRow.transcript_id == transcript_id)
        .order_by(col(db.SegmentRow.idx), col(db.WordRow.idx))
    ).all()
    segments: dict[int, types.Segment] = {}
    for seg, w in rows:
        seg_id = stored_id(seg)
        if seg_id not in segments:
            segments[seg_id] = types.Segment.model_validate(seg, from_attributes=True)
        if w is not None:
            segments[seg_id].words.append(types.Word.model_validate(w, from_attributes=True))
    return types.Transcript(language=row.language, duration=row.duration, segments=list(segments.values()))

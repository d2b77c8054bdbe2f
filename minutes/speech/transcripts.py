"""Store and load speaker-attributed transcripts (types.Transcript <-> Transcript/Segment/Word rows)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, select

from minutes.core.types import Segment, Transcript, Word
from minutes.db import Segment as SegmentRow
from minutes.db import Transcript as TranscriptRow
from minutes.db import Word as WordRow
from minutes.errors import NotFoundError


def save_transcript(
    session: Session, meeting_id: int, recording_id: int, transcript: Transcript, model: str
) -> TranscriptRow:
    row = TranscriptRow(
        meeting_id=meeting_id,
        recording_id=recording_id,
        language=transcript.language,
        duration=transcript.duration,
        model=model,
    )
    session.add(row)
    session.flush()
    replace_segments(session, row.id, transcript)
    return row


def replace_segments(session: Session, transcript_id: int, transcript: Transcript) -> None:
    """Replace a stored transcript's segments and words (after attribution, naming or a withdrawal)."""
    segment_ids = select(SegmentRow.id).where(SegmentRow.transcript_id == transcript_id)
    session.execute(delete(WordRow).where(WordRow.segment_id.in_(segment_ids)))
    session.execute(delete(SegmentRow).where(SegmentRow.transcript_id == transcript_id))
    for i, seg in enumerate(transcript.segments):
        seg_row = SegmentRow(
            transcript_id=transcript_id,
            idx=i,
            start=seg.start,
            end=seg.end,
            text=seg.text,
            speaker=seg.speaker,
            overlap=seg.overlap,
        )
        session.add(seg_row)
        session.flush()
        session.add_all(
            WordRow(
                segment_id=seg_row.id,
                idx=j,
                start=w.start,
                end=w.end,
                word=w.word,
                probability=w.probability,
                speaker=w.speaker,
            )
            for j, w in enumerate(seg.words)
        )
    session.flush()


def load_transcript(session: Session, transcript_id: int) -> Transcript:
    row = session.get(TranscriptRow, transcript_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"transcript {transcript_id} does not exist or was purged")
    # One query for the whole transcript: segments outer-joined to their words, in order.
    rows = session.exec(
        select(SegmentRow, WordRow)
        .join(WordRow, WordRow.segment_id == SegmentRow.id, isouter=True)
        .where(SegmentRow.transcript_id == transcript_id)
        .order_by(SegmentRow.idx, WordRow.idx)
    ).all()
    segments: dict[int, Segment] = {}
    for seg, w in rows:
        if seg.id not in segments:
            segments[seg.id] = Segment(seg.start, seg.end, seg.text, [], seg.speaker, seg.overlap)
        if w is not None:
            segments[seg.id].words.append(Word(w.start, w.end, w.word, w.probability, w.speaker))
    return Transcript(row.language, row.duration, list(segments.values()))


def latest_transcript(session: Session, meeting_id: int) -> TranscriptRow | None:
    return session.exec(
        select(TranscriptRow)
        .where(TranscriptRow.meeting_id == meeting_id, TranscriptRow.deleted_at.is_(None))
        .order_by(TranscriptRow.id.desc())
    ).first()

"""A reviewer's correction of a transcript line: its words ("his arms" -> "Aisha's"), its speaker, or both.

The line (segment) takes the corrected words; the words' timings are kept where the words are the same, and a
replaced run shares the time of the words it replaces, so playing a quote still plays its stretch. What the line
said before is kept in a LineCorrection row for the audit (the audit event holds only hashes). The correction
reaches what cites the line in the draft under review: the evidence quotes taken from it, and each replaced phrase
in the items that rest on it and in the summary (a reviewer edit, audited as one). A released draft's transcript
is the record of what was filed: it is not corrected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from minutes.consent.errors import ConsentError
from minutes.consent.text import clean_text
from minutes.core.audit import record, sha256_of
from minutes.db import DraftRow, LineCorrection, Resolution, SegmentRow, TranscriptRow, WordRow
from minutes.db.ids import stored_id
from minutes.drafting.grounding import content_words
from minutes.errors import NotFoundError, StateError, UsageError
from minutes.review.items import content_sha256, draft_items, evidence_rows, get_draft, item_ref
from minutes.review.states import add_step, open_for_change, require_editable, reviewer_name
from minutes.speech import speakers

MAX_LINE = 4000  # characters in one corrected line
_WORD = re.compile(r"\S+")
_TEXT_FIELDS = ("text", "task", "owner", "reason")  # the item fields a replaced phrase is corrected in


@dataclass
class Corrected:
    """What one correction changed: the line (1-based), and what cites it."""

    line: int
    text_changed: bool
    speaker_changed: bool
    quotes: int = 0  # evidence quotes corrected
    items: list[str] = field(default_factory=list)  # items whose words changed (d1, a2...)
    summary: bool = False


def correct_line(
    session: Session,
    draft_id: int,
    line: int,
    by: str,
    text: str | None = None,
    speaker: str | None = None,
) -> Corrected:
    """Correct line `line` (1-based) of the draft's transcript: `text` its words, `speaker` the participant who
    said it (by name); None leaves either as it is. One transaction: the line, the quotes and items citing it,
    the kept original, a review step and an audit event."""
    by = reviewer_name(by)
    row = get_draft(session, draft_id)
    require_editable(row)
    seg = _segment(session, row, line)
    tr = session.get(TranscriptRow, seg.transcript_id)
    if tr is None:  # `_segment` found the line in it, in this transaction
        raise NotFoundError(f"draft {draft_id} has no transcript")
    new_text = _clean(text) if text is not None else seg.text
    label = seg.speaker
    if speaker is not None and speaker.strip():
        label = speakers.label_of(session, row.meeting_id, tr.recording_id, speaker.strip(), by)
    result = Corrected(line, new_text != seg.text, label != seg.speaker)
    if not (result.text_changed or result.speaker_changed):
        raise UsageError(f"line {line} already says that", "nothing was changed")
    open_for_change(session, row, by)
    before_text, before_speaker = seg.text, seg.speaker
    words = list(
        session.exec(select(WordRow).where(WordRow.segment_id == seg.id).order_by(col(WordRow.idx))).all()
    )
    if result.text_changed:
        _retime(session, seg, words, new_text.split())
        seg.text = new_text
    if result.speaker_changed:
        seg.speaker = label
        for w in session.exec(select(WordRow).where(WordRow.segment_id == seg.id)).all():
            w.speaker = label
            session.add(w)
    session.add(seg)
    session.add(
        LineCorrection(
            transcript_id=stored_id(tr),
            idx=seg.idx,
            draft_id=row.id,
            before_text=before_text,
            after_text=seg.text,
            before_speaker=before_speaker,
            after_speaker=seg.speaker,
            corrected_by=by,
        )
    )
    session.flush()
    if result.text_changed:
        _reach_citations(session, row, seg, before_text, result)
    detail = {
        "line": line,
        "words": result.text_changed,
        "speaker": result.speaker_changed,
        "quotes": result.quotes,
        "items": result.items,
        "summary": result.summary,
    }
    add_step(session, row, by, "correct", detail=detail)
    record(
        session,
        "transcript.correct",
        by,
        row.meeting_id,
        subject={"draft": row.id, "transcript": tr.id, **detail},
        hashes={
            "before": sha256_of(before_text),
            "after": sha256_of(seg.text),
            "version": content_sha256(session, stored_id(row)),
        },
    )
    return result


def corrections(session: Session, transcript_id: int) -> dict[int, LineCorrection]:
    """The first correction of each corrected line (1-based line -> its row, holding what the machine heard)."""
    rows = session.exec(
        select(LineCorrection)
        .where(LineCorrection.transcript_id == transcript_id)
        .order_by(col(LineCorrection.id))
    ).all()
    out: dict[int, LineCorrection] = {}
    for r in rows:
        out.setdefault(r.idx + 1, r)
    return out


def forget(
    session: Session,
    transcript_id: int,
    idxs: set[int] | None = None,
    mentions: Callable[[str], bool] | None = None,
) -> int:
    """Delete the kept originals of a transcript's lines that go: those of lines `idxs` (0-based; None and no
    `mentions`: every line), and those whose words before or after mention someone who withdrew (a corrected
    spelling of a name is a spelling of that person). Returns how many went."""
    rows = session.exec(select(LineCorrection).where(LineCorrection.transcript_id == transcript_id)).all()
    everything = idxs is None and mentions is None
    gone = [
        r
        for r in rows
        if everything
        or (idxs is not None and r.idx in idxs)
        or (mentions is not None and (mentions(r.before_text) or mentions(r.after_text)))
    ]
    for r in gone:
        session.delete(r)
    return len(gone)


def _segment(session: Session, row: DraftRow, line: int) -> SegmentRow:
    tr = session.get(TranscriptRow, row.transcript_id) if row.transcript_id else None
    if tr is None or tr.deleted_at is not None:
        raise StateError(f"draft {row.id} has no transcript to correct (none, or deleted by retention)")
    seg = session.exec(
        select(SegmentRow).where(SegmentRow.transcript_id == tr.id, SegmentRow.idx == line - 1)
    ).first()
    if seg is None:
        raise NotFoundError(f"the transcript of draft {row.id} has no line {line}")
    return seg


def _clean(text: str) -> str:
    try:
        return " ".join(clean_text(text, "the corrected line", MAX_LINE).split())
    except ConsentError as exc:
        raise UsageError(str(exc), "nothing was changed") from None


def _retime(session: Session, seg: SegmentRow, words: list[WordRow], tokens: list[str]) -> None:
    """Give the line's words the corrected tokens: a word that stays keeps its time; a replaced run shares the
    time of the words it replaces; an inserted word sits at the boundary where it goes."""
    old = [w.word.strip() for w in words]
    ops = difflib.SequenceMatcher(
        None, [o.casefold() for o in old], [t.casefold() for t in tokens]
    ).get_opcodes()
    timed: list[tuple[float, float, str, float]] = []
    for op, i1, i2, j1, j2 in ops:
        if op == "equal":
            timed += [
                (w.start, w.end, t, w.probability) for w, t in zip(words[i1:i2], tokens[j1:j2], strict=True)
            ]
            continue
        start = words[i1].start if i1 < len(words) else (words[-1].end if words else seg.start)
        end = words[i2 - 1].end if i2 > i1 else start
        step = (end - start) / max(j2 - j1, 1)
        timed += [(start + k * step, start + (k + 1) * step, t, 1.0) for k, t in enumerate(tokens[j1:j2])]
    for w in words:
        session.delete(w)
    session.flush()
    session.add_all(
        WordRow(
            segment_id=stored_id(seg),
            idx=i,
            start=round(a, 3),
            end=round(b, 3),
            word=t,
            probability=p,
            speaker=seg.speaker,
        )
        for i, (a, b, t, p) in enumerate(timed)
    )


def _phrases(before: str, after: str) -> list[tuple[re.Pattern[str], str]]:
    """Each run of words the correction replaced, as a whole-word pattern and its replacement; only runs with a
    word of content ("his arms", "Asia"), so that correcting "the" to "a" changes nothing else."""
    old, new = before.split(), after.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if op != "replace":
            continue
        was, now = " ".join(old[i1:i2]).strip(".,;:!?"), " ".join(new[j1:j2]).strip(".,;:!?")
        if was and now and content_words(was):
            out.append((re.compile(rf"(?<!\w){re.escape(was)}(?!\w)", re.IGNORECASE), now))
    return out


def _replace(text: str, phrases: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, now in phrases:
        text = pattern.sub(now, text)
    return text


def _overlaps(start: float, end: float, seg: SegmentRow) -> bool:
    return start < seg.end + 0.05 and end > seg.start - 0.05


def _reach_citations(
    session: Session, row: DraftRow, seg: SegmentRow, before: str, result: Corrected
) -> None:
    """The quotes taken from the line take its new words; each replaced phrase is corrected in the items citing
    the line and in the summary (the diff against the AI's draft shows them; the audit event names them)."""
    phrases = _phrases(before, seg.text)
    citing: set[str] = set()
    for item in draft_items(session, stored_id(row)):
        for ev in evidence_rows(session, item):
            if not _overlaps(ev.start, ev.end, seg):
                continue
            citing.add(item_ref(item))
            quote = ev.quote.replace(before, seg.text) if before in ev.quote else _replace(ev.quote, phrases)
            if quote != ev.quote:
                ev.quote = quote
                session.add(ev)
                result.quotes += 1
    if not phrases:
        return
    for item in draft_items(session, stored_id(row)):
        if item_ref(item) not in citing or item.resolution == Resolution.REMOVED:
            continue
        changed = False
        for name in _TEXT_FIELDS:
            value = getattr(item, name, None)
            if isinstance(value, str) and (new := _replace(value, phrases)) != value:
                setattr(item, name, new)
                changed = True
        if changed:  # its resolution stays: correcting the transcript is not checking the item
            session.add(item)
            result.items.append(item_ref(item))
    summary = _replace(row.summary, phrases)
    if summary != row.summary:
        row.summary, result.summary = summary, True
        session.add(row)

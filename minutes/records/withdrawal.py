"""Withdrawal propagation: when a participant withdraws consent, remove what was derived from them.

Registered with `consent.hooks.on_withdrawal` on import (the CLI imports this module), so it runs inside the
withdrawal's own transaction. Any withdrawn scope removes, for each affected participant of each meeting:
their transcript segments and words (by speaker label mapped to them, or by their name; when no speaker of a
recording is mapped to them, e.g. before diarisation, every segment and word not attributed to another
participant, since any of it may be theirs: a transcript not yet diarised goes whole), their speaker turns,
speaker mapping and voice centroid, their voice enrolments, the meeting's audio files (one voice cannot be cut
out reliably), draft evidence that cites their speech (time overlap or quoted text), and every export of the
meeting (rows invalidated; a file is deleted only while its sha256 is what was exported, else its path is
reported for a person to check). Their name in drafts (items, summary, the drafting notes and the AI's original)
becomes WITHDRAWN. Unreleased drafts that changed go back to review with a note; released minutes keep the record of each decision and are re-issued.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from minutes import review
from minutes.consent.hooks import Withdrawal, on_withdrawal
from minutes.core import types
from minutes.core.audit import record
from minutes.core.config import Settings, load_settings
from minutes.core.text import normalise
from minutes.db import (
    Draft,
    DraftStatus,
    Export,
    LineCorrection,
    Participant,
    Recording,
    Segment,
    SpeakerLabel,
    SpeakerTurn,
    Transcript,
    VoiceEnrolment,
    Word,
    utcnow,
)
from minutes.records.export import WITHDRAWN
from minutes.records.retention import delete_audio, invalidate_exports, scrub_after_commit
from minutes.review import lines

LOG = logging.getLogger("minutes.records.withdrawal")  # ids and counts only, never names or words
NOTE = "a participant withdrew consent; evidence citing them was removed and their name replaced"
# the item fields that can name a person (a motion's proposer and seconder, and a vote "with Graham abstaining")
TEXT_FIELDS = ("text", "task", "owner", "due", "reason", "proposer", "seconder", "vote")


@dataclass
class WithdrawalReport:
    participants: list[int] = field(default_factory=list)
    meetings: list[int] = field(default_factory=list)
    transcripts_removed: list[int] = field(default_factory=list)  # wholly: words that could not be told apart
    segments_removed: int = 0
    unattributed_segments_removed: int = (
        0  # of those, segments not linked to anyone, removed as possibly theirs
    )
    words_removed: int = 0
    speaker_turns_removed: int = 0
    speaker_labels_removed: int = 0
    voice_enrolments_removed: int = 0
    audio_deleted: list[str] = field(default_factory=list)
    evidence_removed: int = 0
    names_replaced: int = 0
    drafts_returned_to_review: list[int] = field(default_factory=list)
    releases_reissued: list[int] = field(default_factory=list)
    exports_invalidated: list[str] = field(default_factory=list)
    exports_need_attention: list[str] = field(default_factory=list)  # changed since export, so not deleted

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@on_withdrawal
def on_consent_withdrawn(session: Session, withdrawal: Withdrawal) -> WithdrawalReport:
    """The hook: settings from the session (`session.info["settings"]`) or the environment. The report is also
    kept in `session.info["withdrawal_reports"]`, for a command to print once the transaction has committed."""
    report = propagate(session, session.info.get("settings") or load_settings(), withdrawal)
    session.info.setdefault("withdrawal_reports", []).append(report)
    return report


def propagate(session: Session, settings: Settings, withdrawal: Withdrawal) -> WithdrawalReport:
    report = WithdrawalReport()
    for person in _participants(session, withdrawal):
        _propagate_one(session, settings, person, withdrawal.actor, report)
    if report.participants:
        scrub_after_commit(session)
    return report


def _participants(session: Session, w: Withdrawal) -> list[Participant]:
    if w.participant_id is not None:
        row = session.get(Participant, w.participant_id)
        return [row] if row else []
    if w.person_id is None:
        return []
    query = select(Participant).where(Participant.person_id == w.person_id)
    if w.meeting_id is not None:
        query = query.where(Participant.meeting_id == w.meeting_id)
    return list(session.exec(query.order_by(Participant.id)).all())


def _propagate_one(
    session: Session, settings: Settings, person: Participant, actor: str, report: WithdrawalReport
) -> None:
    meeting_id, now = person.meeting_id, utcnow()
    before = asdict(report)
    recordings = session.exec(select(Recording).where(Recording.meeting_id == meeting_id)).all()
    names = {
        p.name.casefold()
        for p in session.exec(select(Participant).where(Participant.meeting_id == meeting_id))
    }
    removed: list[tuple[float, float, str]] = []
    for rec in recordings:
        whose = _whose(session, rec.id, person, names)
        for tr in session.exec(select(Transcript).where(Transcript.recording_id == rec.id)).all():
            cut = _remove_words(session, tr, whose, now, report)
            removed += cut
            lines.forget(session, tr.id, _lines_cut(session, tr.id, cut), _name(person).search)
        _remove_voice(session, rec.id, person, whose, report)
        if rec.path:
            report.audio_deleted.append(delete_audio(session, settings, rec, now))
    enrolments = session.exec(select(VoiceEnrolment).where(VoiceEnrolment.participant_id == person.id)).all()
    for row in enrolments:
        session.delete(row)
    report.voice_enrolments_removed += len(enrolments)
    session.flush()
    for draft in session.exec(select(Draft).where(Draft.meeting_id == meeting_id)).all():
        _scrub_draft(session, draft, person, removed, actor, report)
    exports = session.exec(
        select(Export)
        .where(Export.meeting_id == meeting_id, Export.invalidated_at.is_(None))
        .order_by(Export.id)
    ).all()
    report.exports_need_attention += invalidate_exports(session, exports, now)
    report.exports_invalidated += [exp.path for exp in exports]
    report.participants.append(person.id)
    if meeting_id not in report.meetings:
        report.meetings.append(meeting_id)
    counts = {
        k: (len(v) - len(before[k]) if isinstance(v, list) else v - before[k])
        for k, v in asdict(report).items()
        if k not in ("participants", "meetings")
    }
    record(session, "withdrawal.propagate", actor, meeting_id, subject={"participant": person.id, **counts})
    LOG.info(
        "withdrawal: participant %s of meeting %s: %s",
        person.id,
        meeting_id,
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )


@dataclass(frozen=True)
class _Whose:
    """Which speakers of one recording are, or may be, the person's.

    Their own: labels mapped to them, and their name. Words linked to no speaker (before diarisation: the whole
    transcript) may be anyone's. When no label of the recording is mapped to them (their voice was never named),
    unnamed speakers may be theirs too."""

    own: frozenset[str]
    named: frozenset[str]  # labels mapped to any participant
    names: frozenset[str]  # every participant's name, case-folded
    name: str

    def theirs(self, speaker: str | None) -> bool:
        return speaker is not None and (speaker in self.own or speaker.casefold() == self.name)

    def maybe(self, speaker: str | None) -> bool:
        if speaker is None:
            return True
        return not self.own and speaker not in self.named and speaker.casefold() not in self.names

    def __call__(self, speaker: str | None) -> bool:
        return self.theirs(speaker) or self.maybe(speaker)


def _whose(session: Session, recording_id: int, person: Participant, names: set[str]) -> _Whose:
    labels = session.exec(select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id)).all()
    return _Whose(
        frozenset(lab.label for lab in labels if lab.participant_id == person.id),
        frozenset(lab.label for lab in labels if lab.participant_id is not None),
        frozenset(names),
        person.name.casefold(),
    )


def _remove_words(
    session: Session, tr: Transcript, whose: _Whose, now: datetime, report: WithdrawalReport
) -> list[tuple[float, float, str]]:
    """Delete the segments and words that are or may be the person's; a transcript left with no segment is
    marked deleted, so no later stage works on it. Returns (start, end, text) of what was removed."""
    removed: list[tuple[float, float, str]] = []
    segments = session.exec(select(Segment).where(Segment.transcript_id == tr.id)).all()
    words_of: dict[int, list[Word]] = {seg.id: [] for seg in segments}
    for w in session.exec(  # one query for the transcript's words, not one per segment
        select(Word)
        .join(Segment, Word.segment_id == Segment.id)
        .where(Segment.transcript_id == tr.id)
        .order_by(Word.idx)
    ):
        words_of[w.segment_id].append(w)
    kept = 0
    for seg in segments:
        words = words_of[seg.id]
        whole = whose(seg.speaker)
        gone = words if whole else [w for w in words if whose(w.speaker)]
        for w in gone:
            session.delete(w)
        report.words_removed += len(gone)
        if whole:
            removed.append((seg.start, seg.end, seg.text))
            session.flush()
            session.delete(seg)
            report.segments_removed += 1
            report.unattributed_segments_removed += not whose.theirs(seg.speaker)
            continue
        kept += 1
        if gone:
            seg.text = " ".join(w.word.strip() for w in words if w not in gone)
            removed += [(w.start, w.end, w.word) for w in gone]
            session.add(seg)
    if segments and not kept and tr.deleted_at is None:
        tr.deleted_at = now
        session.add(tr)
        report.transcripts_removed.append(tr.id)
    return removed


def _remove_voice(
    session: Session, recording_id: int, person: Participant, whose: _Whose, report: WithdrawalReport
) -> None:
    """Delete the person's speaker labels (with their voice centroids) and turns; unnamed ones when they may be
    the person's."""
    labels = [
        lab
        for lab in session.exec(select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id))
        if lab.participant_id == person.id or (lab.participant_id is None and whose.maybe(lab.label))
    ]
    speakers = {lab.label for lab in labels}
    turns = (
        session.exec(
            select(SpeakerTurn).where(
                SpeakerTurn.recording_id == recording_id, SpeakerTurn.speaker.in_(speakers)
            )
        ).all()
        if speakers
        else []
    )
    for row in [*turns, *labels]:
        session.delete(row)
    report.speaker_turns_removed += len(turns)
    report.speaker_labels_removed += len(labels)


def _name(person: Participant) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(person.name)}\b", re.IGNORECASE)


def _lines_cut(session: Session, transcript_id: int, cut: list[tuple[float, float, str]]) -> set[int]:
    """The lines (Segment.idx) a withdrawal removed or cut words from: gone lines leave no row to look up, so
    every idx no longer stored counts, and every stored line overlapping a removed stretch."""
    kept = {
        seg.idx: seg for seg in session.exec(select(Segment).where(Segment.transcript_id == transcript_id))
    }
    corrected = session.exec(
        select(LineCorrection.idx).where(LineCorrection.transcript_id == transcript_id)
    ).all()
    return {
        idx
        for idx in corrected
        if idx not in kept or any(a < kept[idx].end and b > kept[idx].start for a, b, _ in cut)
    }


def _scrub_draft(
    session: Session,
    draft: Draft,
    person: Participant,
    removed: list[tuple[float, float, str]],
    actor: str,
    report: WithdrawalReport,
) -> None:
    """Remove evidence citing the person, replace their name, then reopen review or re-issue the release."""
    name = _name(person)
    cites = _citation_test(removed)
    evidence_removed = names = 0
    for item in review.draft_items(session, draft.id):
        for ev in review.evidence_rows(session, item):
            if cites(ev.start, ev.end, ev.quote):
                session.delete(ev)
                evidence_removed += 1
        for attr in TEXT_FIELDS:
            value = getattr(item, attr, None)
            if value and name.search(value):
                setattr(item, attr, name.sub(WITHDRAWN, value))
                names += 1
        session.add(item)
    if name.search(draft.summary or ""):
        draft.summary, names = name.sub(WITHDRAWN, draft.summary), names + 1
    names += sum(bool(name.search(n)) for n in draft.notes)
    draft.notes = [name.sub(WITHDRAWN, n) for n in draft.notes]
    draft.original = _scrub_original(draft.original, name, cites)
    session.add(draft)
    session.flush()
    report.evidence_removed += evidence_removed
    report.names_replaced += names
    review.add_step(
        session,
        draft,
        actor,
        "withdrawal",
        reason=NOTE,
        detail={"participant": person.id, "evidence_removed": evidence_removed, "names_replaced": names},
    )
    if draft.status == DraftStatus.RELEASED:
        rel = review.reissue(session, draft.id, actor, NOTE)
        report.releases_reissued.append(rel.id)
    elif draft.status != DraftStatus.REJECTED and (evidence_removed or names):
        if draft.status != DraftStatus.IN_REVIEW:
            review.transition(
                session, draft, DraftStatus.IN_REVIEW, actor, reason=NOTE, event="review.withdrawal"
            )
        report.drafts_returned_to_review.append(draft.id)


def _citation_test(removed: list[tuple[float, float, str]]):
    texts = [
        normalise(t) for _, _, t in removed if len(normalise(t).split()) >= 3
    ]  # single words match too much

    def cites(start: float, end: float, quote: str) -> bool:
        q = normalise(quote)
        overlaps = any(start < b and end > a for a, b, _ in removed)
        quoted = bool(q) and any(q in t or t in q for t in texts)
        return overlaps or quoted

    return cites


def _scrub_original(original: dict, name: re.Pattern, cites) -> dict:
    """The AI's original, kept for `review diff`, loses the same evidence and the same name."""
    draft = types.Draft.model_validate(original)
    for item in [*draft.decisions, *draft.actions, *draft.flags, *draft.points]:
        item.evidence = [e for e in item.evidence if not cites(e.start, e.end, e.quote)]
        for key in TEXT_FIELDS:
            if isinstance(getattr(item, key, None), str):
                setattr(item, key, name.sub(WITHDRAWN, getattr(item, key)))
    draft.summary = name.sub(WITHDRAWN, draft.summary)
    draft.notes = [name.sub(WITHDRAWN, n) for n in draft.notes]
    return draft.model_dump(mode="json")

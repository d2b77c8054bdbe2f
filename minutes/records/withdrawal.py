"""Withdrawal propagation: when a participant withdraws consent, remove what was derived from them.

Registered with `consent.hooks.on_withdrawal` by `minutes.service` (which imports this module on the first
withdrawal, so commands that withdraw nothing start faster), so it runs inside the withdrawal's own transaction. Any withdrawn scope removes, for each affected participant of each meeting (the
policy, for people, is docs/privacy.md):
- their transcript segments and words (by speaker label mapped to them, or by their name; when no speaker of a
  recording is mapped to them, e.g. before diarisation, every segment and word not attributed to another
  participant, since any of it may be theirs: a transcript not yet diarised goes whole), their speaker turns,
  speaker mapping and voice centroid, their voice enrolments, and the meeting's audio files (one voice cannot be
  cut out reliably);
- in every draft: evidence that cites their speech (time overlap or quoted text); every decision, action and
  discussion point whose evidence all cited them (it rests on their words alone: it is marked removed and its
  words replaced by REMOVED, in the reviewer's version and the AI's original alike); a flag loses that evidence
  but stays for a person to resolve; the summary, rebuilt from the discussion points left (without points, each
  sentence that repeats four words in a row of their lines goes); drafting notes that repeat their words;
- their name, in every form `redact.NameMatcher` knows (parts, spellings a reviewer corrected, spellings the clerk
  gives), inside everyone else's words: transcript lines and words, evidence quotes, items, summary, notes, the
  AI's original, review reasons, job messages, the agenda and the meeting's title. Withdrawing consent to be
  recorded at all (the record scope, or all) takes them out of the meeting's records: their participant row
  keeps its id (the consent ledger refers to it) and a neutral label for a name (`withdrawn_label`), unless they
  are in the register of people (standing consent), which keeps their name: the register is what a standing
  consent, and its withdrawal, is recorded against. Withdrawing a later scope leaves them listed by name;
- every export of the meeting (rows invalidated; a file is deleted only while its sha256 is what was exported,
  else its path is reported for a person to check).
Unreleased drafts that changed go back to review with a note; released minutes are re-issued.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlmodel import Session, col, select

from minutes import review
from minutes.consent.hooks import Withdrawal
from minutes.consent.meetings import withdrawn_label
from minutes.consent.text import name_key
from minutes.core import types
from minutes.core.audit import record
from minutes.core.config import Settings, load_settings
from minutes.core.text import normalise
from minutes.db import (
    AgendaItem,
    DraftRow,
    DraftStatus,
    Export,
    FlagRow,
    ItemStatus,
    Job,
    LineCorrection,
    Meeting,
    Origin,
    Participant,
    PointRow,
    Recording,
    RecordingTurn,
    Resolution,
    Review,
    SegmentRow,
    SpeakerLabel,
    TranscriptRow,
    VoiceEnrolment,
    WordRow,
    utcnow,
)
from minutes.db.ids import stored_id
from minutes.records import redact, series
from minutes.records.export import WITHDRAWN
from minutes.records.retention import delete_audio, invalidate_exports, scrub_after_commit
from minutes.review import lines
from minutes.review.items import evidence_of, item_fields, item_ref
from minutes.speech.speakers import FROM_TALK

LOG = logging.getLogger("minutes.records.withdrawal")  # ids and counts only, never names or words
NOTE = "a participant withdrew consent; what rested on their words was removed and their name replaced"
REMOVED = "(removed: it rested on the words of a participant who withdrew consent)"
# the item fields that can name a person (a motion's proposer and seconder, and a vote "with Graham abstaining")
TEXT_FIELDS = ("text", "task", "owner", "due", "reason", "proposer", "seconder", "vote")
# rapidfuzz ratio (0-100) of a word to their name that makes it a spelling to suggest ("Asia" for Aisha: 67)
SUGGEST = 60
_SPEAKER = re.compile(r"speaker\s*\d+", re.IGNORECASE)  # an unnamed voice, not a spelling of anyone


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
    items_removed: int = 0  # decisions, actions and points that rested on their words alone
    names_replaced: int = 0
    drafts_returned_to_review: list[int] = field(default_factory=list)
    releases_reissued: list[int] = field(default_factory=list)
    exports_invalidated: list[str] = field(default_factory=list)
    exports_need_attention: list[str] = field(default_factory=list)  # changed since export, so not deleted

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def on_consent_withdrawn(session: Session, withdrawal: Withdrawal) -> WithdrawalReport:
    """The hook: settings from the session (`session.info["settings"]`) or the environment. The report is also
    kept in `session.info["withdrawal_reports"]`, for a command to print once the transaction has committed."""
    report = propagate(session, session.info.get("settings") or load_settings(), withdrawal)
    session.info.setdefault("withdrawal_reports", []).append(report)
    return report


def propagate(session: Session, settings: Settings, withdrawal: Withdrawal) -> WithdrawalReport:
    report = WithdrawalReport()
    for person in _participants(session, withdrawal):
        _propagate_one(session, settings, person, withdrawal, report)
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
    return list(session.exec(query.order_by(col(Participant.id))).all())


def _propagate_one(
    session: Session, settings: Settings, person: Participant, w: Withdrawal, report: WithdrawalReport
) -> None:
    meeting_id, now, actor = person.meeting_id, utcnow(), w.actor
    before = asdict(report)
    recordings = session.exec(select(Recording).where(Recording.meeting_id == meeting_id)).all()
    people = _meeting_people(session, meeting_id)
    drafts = session.exec(
        select(DraftRow).where(DraftRow.meeting_id == meeting_id).order_by(col(DraftRow.id))
    ).all()
    names = name_of(session, person, w.spellings)
    removed: list[tuple[float, float, str]] = []
    for rec in recordings:
        whose = _whose(session, stored_id(rec), person, {p.name.casefold() for p in people})
        for tr in session.exec(select(TranscriptRow).where(TranscriptRow.recording_id == rec.id)).all():
            cut = _remove_words(session, tr, whose, names, now, report)
            removed += cut
            lines.forget(session, stored_id(tr), _lines_cut(session, stored_id(tr), cut), names.search)
        _remove_voice(session, stored_id(rec), person, whose, report)
        if rec.path:
            report.audio_deleted.append(delete_audio(session, settings, rec, now))
    enrolments = session.exec(select(VoiceEnrolment).where(VoiceEnrolment.participant_id == person.id)).all()
    for row in enrolments:
        session.delete(row)
    report.voice_enrolments_removed += len(enrolments)
    session.flush()
    report.names_replaced += _redact_meeting(session, meeting_id, person, names, w.scopes)
    for draft in drafts:  # after the meeting's own facts: a re-issue hashes them as they are now
        _scrub_draft(session, draft, person, _Gone(removed, names), actor, report)
    later = series.on_withdrawal(session, meeting_id, names, removed, WITHDRAWN)  # their matters arising
    exports = [
        *session.exec(
            select(Export)
            .where(Export.meeting_id == meeting_id, col(Export.invalidated_at).is_(None))
            .order_by(col(Export.id))
        ).all(),
        *series.exports_of(session, later),
    ]
    report.exports_need_attention += invalidate_exports(session, exports, now)
    report.exports_invalidated += [exp.path for exp in exports]
    report.participants.append(stored_id(person))
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


def name_of(session: Session, person: Participant, given: tuple[str, ...] = ()) -> redact.NameMatcher:
    """Their name in every known form: as registered, as the clerk spelt it (`given`), and as the AI wrote it
    where a reviewer corrected it to their name; never another participant's name or a "Speaker N"."""
    others = [p.name for p in _meeting_people(session, person.meeting_id) if p.id != person.id]
    plain = redact.matcher(person.name, given, others)
    found: set[str] = set()
    for draft in session.exec(select(DraftRow).where(DraftRow.meeting_id == person.meeting_id)):
        current = {
            item_ref(i): item_fields(i)
            for i in review.draft_items(session, stored_id(draft))
            if i.origin == Origin.AI
        }
        found |= redact.corrected_spellings(types.Draft.model_validate(draft.original), current, plain)
    taken = {piece.casefold() for o in others for piece in [o, *o.split()]}
    found = {f for f in found if f.casefold() not in taken and not _SPEAKER.fullmatch(f)}
    return redact.matcher(person.name, [*given, *sorted(found)], others)


def suggested_spellings(session: Session, person: Participant) -> list[str]:
    """Words in the meeting's transcripts that may be the ASR's spelling of their name ("Asia" for Aisha), for
    the clerk to confirm before a withdrawal: capitalised, like the name or one of its parts, never written in
    lower case in the meeting (an ordinary word), not already matched, not another participant's name."""
    names = name_of(session, person)
    others = {
        piece.casefold() for p in _meeting_people(session, person.meeting_id) for piece in p.name.split()
    }
    targets = [person.name, *redact.name_parts(person.name, [])]
    texts = session.exec(
        select(SegmentRow.text)
        .join(TranscriptRow, col(TranscriptRow.id) == SegmentRow.transcript_id)
        .where(TranscriptRow.meeting_id == person.meeting_id)
    ).all()
    words = [w.strip(redact.EDGE) for text in texts for w in text.split()]
    lower = {w for w in words if w.islower()}
    return sorted(
        {
            w
            for w in words
            if len(w) >= 3
            and w[:1].isupper()
            and w.casefold() not in lower
            and w.casefold() not in others
            and not names.is_name(w)
            and any(fuzz.ratio(w.casefold(), t.casefold()) >= SUGGEST for t in targets)
        }
    )


def _meeting_people(session: Session, meeting_id: int) -> list[Participant]:
    return list(session.exec(select(Participant).where(Participant.meeting_id == meeting_id)))


def _redact_meeting(
    session: Session, meeting_id: int, person: Participant, names: redact.NameMatcher, scopes: tuple[str, ...]
) -> int:
    """Their name in the meeting's own words (title, agenda, job messages) goes; withdrawing from the recording
    itself, their row keeps a neutral label (see the module docstring)."""
    count = 0
    rows: list[tuple[Any, str]] = [(session.get(Meeting, meeting_id), "title")]
    rows += [
        (a, "title") for a in session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id))
    ]
    rows += [(j, "reason") for j in session.exec(select(Job).where(Job.meeting_id == meeting_id))]
    for row, key in rows:
        value = getattr(row, key)
        if value and names.search(value):
            new, n = names.sub(value, WITHDRAWN)
            setattr(row, key, new)
            session.add(row)
            count += n
    if "record" in scopes and person.person_id is None:  # see the module docstring
        label = withdrawn_label(stored_id(person))
        person.name, person.name_key = label, name_key(label)
        session.add(person)
    session.flush()
    return count


@dataclass(frozen=True)
class _Whose:
    """Which speakers of one recording are, or may be, the person's.

    Their own: labels mapped to them, and their name. Words linked to no speaker (before diarisation: the whole
    transcript) may be anyone's. When no label of the recording is mapped to them (their voice was never named),
    unnamed speakers may be theirs too, and so may speakers named only from the talk (minutes.speech.talk): that
    is a reading of what was said, not a match of the voice, so it does not rule the person out."""

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
        frozenset(lab.label for lab in labels if lab.participant_id is not None and lab.method != FROM_TALK),
        frozenset(names),
        person.name.casefold(),
    )


def _remove_words(
    session: Session,
    tr: TranscriptRow,
    whose: _Whose,
    names: redact.NameMatcher,
    now: datetime,
    report: WithdrawalReport,
) -> list[tuple[float, float, str]]:
    """Delete the segments and words that are or may be the person's, and redact their name in the others'; a
    transcript left with no segment is marked deleted, so no later stage works on it. Returns (start, end, text)
    of what was removed."""
    removed: list[tuple[float, float, str]] = []
    segments = session.exec(select(SegmentRow).where(SegmentRow.transcript_id == tr.id)).all()
    words_of: dict[int, list[WordRow]] = {stored_id(seg): [] for seg in segments}
    for w in session.exec(  # one query for the transcript's words, not one per segment
        select(WordRow)
        .join(SegmentRow, col(WordRow.segment_id) == SegmentRow.id)
        .where(SegmentRow.transcript_id == tr.id)
        .order_by(col(WordRow.idx))
    ):
        words_of[w.segment_id].append(w)
    kept = 0
    for seg in segments:
        words = words_of[stored_id(seg)]
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
        report.names_replaced += _redact_segment(session, seg, [w for w in words if w not in gone], names)
    if segments and not kept and tr.deleted_at is None:
        tr.deleted_at = now
        session.add(tr)
        report.transcripts_removed.append(stored_id(tr))
    return removed


def _redact_segment(
    session: Session, seg: SegmentRow, words: list[WordRow], names: redact.NameMatcher
) -> int:
    """Their name inside someone else's line: replaced in the segment's text and across its words (a word
    left empty by a name spanning several is deleted)."""
    if not names.search(seg.text) and not names.search(" ".join(w.word for w in words)):
        return 0
    seg.text, count = names.sub(seg.text, WITHDRAWN)
    session.add(seg)
    for w, new in zip(words, names.words([w.word for w in words], WITHDRAWN), strict=True):
        if not new:
            session.delete(w)
        elif new != w.word:
            w.word = new
            session.add(w)
    return count


def _remove_voice(
    session: Session, recording_id: int, person: Participant, whose: _Whose, report: WithdrawalReport
) -> None:
    """Delete the person's speaker labels (with their voice centroids) and turns; unnamed ones when they may be
    the person's."""
    labels = [
        lab
        for lab in session.exec(select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id))
        if lab.participant_id == person.id
        or ((lab.participant_id is None or lab.method == FROM_TALK) and whose.maybe(lab.label))
    ]
    speakers = {lab.label for lab in labels}
    turns = (
        session.exec(
            select(RecordingTurn).where(
                RecordingTurn.recording_id == recording_id, col(RecordingTurn.speaker).in_(speakers)
            )
        ).all()
        if speakers
        else []
    )
    for row in [*turns, *labels]:
        session.delete(row)
    for lab in session.exec(  # what the talk said about the person goes from the speakers left
        select(SpeakerLabel).where(
            SpeakerLabel.recording_id == recording_id, SpeakerLabel.talk_participant_id == person.id
        )
    ):
        if lab.label not in speakers:
            lab.talk_participant_id = lab.talk_evidence = None
            session.add(lab)
    report.speaker_turns_removed += len(turns)
    report.speaker_labels_removed += len(labels)


def _lines_cut(session: Session, transcript_id: int, cut: list[tuple[float, float, str]]) -> set[int]:
    """The lines (Segment.idx) a withdrawal removed or cut words from: gone lines leave no row to look up, so
    every idx no longer stored counts, and every stored line overlapping a removed stretch."""
    kept = {
        seg.idx: seg
        for seg in session.exec(select(SegmentRow).where(SegmentRow.transcript_id == transcript_id))
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
    draft: DraftRow,
    person: Participant,
    gone: _Gone,
    actor: str,
    report: WithdrawalReport,
) -> None:
    """Remove evidence citing the person and the items that rested on it alone, rebuild the summary, redact
    their name, then reopen review or re-issue the release (see the module docstring)."""
    counts = _Counts()
    draft_id = stored_id(draft)
    drafted = draft.summary == summarise_points(_points_left(session, draft_id))  # not a reviewer's
    for item in review.draft_items(session, draft_id):
        rows = review.evidence_rows(session, item)
        cited = [ev for ev in rows if gone.cites(ev.start, ev.end, ev.quote)]
        for ev in cited:
            session.delete(ev)
        counts.evidence += len(cited)
        if cited and len(cited) == len(rows) and not isinstance(item, FlagRow):
            _goes(item)
            counts.items += 1
            counts.points += isinstance(item, PointRow)
        else:
            counts.names += _redact_fields(item, gone.names)
            for ev in rows:
                if ev not in cited:
                    ev.quote, n = gone.names.sub(ev.quote, WITHDRAWN)
                    counts.names += n
                    session.add(ev)
        session.add(item)
    session.flush()
    left = _points_left(session, draft_id) if drafted and counts.points else None
    draft.summary = _summary(draft.summary, left, gone, counts)
    draft.notes = _notes(draft.notes, gone, counts)
    draft.original = _scrub_original(draft.original, gone)
    if draft.reject_reason:
        draft.reject_reason, n = gone.names.sub(draft.reject_reason, WITHDRAWN)
        counts.names += n
    for step in session.exec(
        select(Review).where(Review.draft_id == draft.id, col(Review.reason).is_not(None))
    ):
        if step.reason is not None and gone.names.search(step.reason):
            step.reason = gone.names.sub(step.reason, WITHDRAWN)[0]
            session.add(step)
    session.add(draft)
    session.flush()
    report.evidence_removed += counts.evidence
    report.items_removed += counts.items
    report.names_replaced += counts.names
    review.add_step(
        session,
        draft,
        actor,
        "withdrawal",
        reason=NOTE,
        detail={
            "participant": person.id,
            "evidence_removed": counts.evidence,
            "items_removed": counts.items,
            "names_replaced": counts.names,
        },
    )
    if draft.status == DraftStatus.RELEASED:
        rel = review.reissue(session, draft_id, actor, NOTE)
        report.releases_reissued.append(stored_id(rel))
    elif draft.status != DraftStatus.REJECTED and (counts.evidence or counts.names or counts.changed):
        if draft.status != DraftStatus.IN_REVIEW:
            review.transition(
                session, draft, DraftStatus.IN_REVIEW, actor, reason=NOTE, event="review.withdrawal"
            )
        report.drafts_returned_to_review.append(draft_id)


def summarise_points(points: list[types.Point]) -> str:
    """The summary drafting makes of discussion points (minutes.drafting.points, imported when needed: the
    command line starts without the drafting rules)."""
    from minutes.drafting.points import summary

    return summary(points)


def _points_left(session: Session, draft_id: int) -> list[types.Point]:
    """The draft's discussion points a summary is made of: those not removed and supported."""
    return [
        types.Point(text=p.text, evidence=evidence_of(session, p), status=p.status)
        for p in review.draft_items(session, draft_id)
        if isinstance(p, PointRow) and p.resolution != Resolution.REMOVED and p.status == ItemStatus.SUPPORTED
    ]


@dataclass
class _Counts:
    evidence: int = 0
    items: int = 0
    points: int = 0  # of the items, discussion points
    names: int = 0
    changed: int = 0  # summary sentences or notes that went


@dataclass(frozen=True)
class _Gone:
    """What the withdrawal took from one meeting: the person's lines (start, end, text) and their name."""

    removed: list[tuple[float, float, str]]
    names: redact.NameMatcher

    @property
    def lines(self) -> list[str]:
        return [t for _, _, t in self.removed]

    def cites(self, start: float, end: float, quote: str) -> bool:
        """Evidence cites the person when it overlaps one of their lines in time or quotes one (three words
        or more: single words match too much)."""
        q = normalise(quote)
        texts = [normalise(t) for t in self.lines if len(normalise(t).split()) >= 3]
        overlaps = any(start < b and end > a for a, b, _ in self.removed)
        return overlaps or (bool(q) and any(q in t or t in q for t in texts))


def _goes(item) -> None:
    """An item whose evidence all cited the person rests on their words alone: it is removed and its words go,
    in the reviewer's version and the AI's original alike; its row (and number) stays, saying why."""
    if hasattr(item, "resolution"):
        item.resolution = Resolution.REMOVED
    if hasattr(item, "status"):
        item.status = ItemStatus.UNSUPPORTED
    for key in TEXT_FIELDS:
        if key in ("text", "task", "reason") and hasattr(item, key):
            setattr(item, key, REMOVED)
        elif getattr(item, key, None) is not None:
            setattr(item, key, None)


def _redact_fields(item, names: redact.NameMatcher) -> int:
    count = 0
    for key in TEXT_FIELDS:
        value = getattr(item, key, None)
        if isinstance(value, str) and names.search(value):
            new, n = (WITHDRAWN, 1) if key in redact.NAME_FIELDS else names.sub(value, WITHDRAWN)
            setattr(item, key, new)
            count += n
    return count


def _summary(summary: str, points: list[types.Point] | None, gone: _Gone, counts: _Counts) -> str:
    """A summary drafting made of the discussion points, some of which went, is made again of `points`, those
    left; any other (a reviewer's, or one no point of which went) loses each sentence that repeats the person's
    words. Their name goes either way."""
    if points is not None:
        rebuilt = summarise_points(points)
        counts.changed += rebuilt != summary
        summary = rebuilt
    else:
        kept = [s for s in redact.sentences(summary) if not redact.rests_on(s, gone.lines)]
        counts.changed += len(redact.sentences(summary)) - len(kept)
        summary = " ".join(kept)
    summary, n = gone.names.sub(summary, WITHDRAWN)
    counts.names += n
    return summary


def _notes(notes: list[str], gone: _Gone, counts: _Counts) -> list[str]:
    """Drafting notes lose those that repeat the person's words (a left-out item quoted, say); the rest their
    name."""
    kept = [n for n in notes if not redact.rests_on(n, gone.lines)]
    counts.changed += len(notes) - len(kept)
    out = []
    for note in kept:
        note, n = gone.names.sub(note, WITHDRAWN)
        counts.names += n
        out.append(note)
    return out


def _scrub_original(original: dict, gone: _Gone) -> dict:
    """The AI's original, kept for `review diff`, loses the same evidence, items, summary sentences and name."""
    draft, went = types.Draft.model_validate(original), False
    drafted = draft.summary == summarise_points([p for p in draft.points if p.status == ItemStatus.SUPPORTED])
    items: list[types.Decision | types.Action | types.Flag | types.Point]
    items = [*draft.decisions, *draft.actions, *draft.flags, *draft.points]
    for item in items:
        kept = [e for e in item.evidence if not gone.cites(e.start, e.end, e.quote)]
        if item.evidence and not kept and not isinstance(item, types.Flag):
            _goes(item)
            went = went or isinstance(item, types.Point)
        else:
            _redact_fields(item, gone.names)
            for e in kept:
                e.quote = gone.names.sub(e.quote, WITHDRAWN)[0]
        item.evidence = kept
    supported = [p for p in draft.points if p.status == ItemStatus.SUPPORTED]
    draft.summary = _summary(draft.summary, supported if went and drafted else None, gone, _Counts())
    draft.notes = _notes(draft.notes, gone, _Counts())
    return draft.model_dump(mode="json")

"""Consent for one meeting: the participant x scope grid, recording a decision, the notice, history,
withdrawal.

Recording goes through `consent.ledger` (append-only, audited, gate-locked). Evidence is either an uploaded
file, stored by its sha256 (the uploaded name never becomes a path: only an allow-listed suffix is kept), or a
time range in the recording where the person consented aloud. A withdrawal first shows exactly what it will
remove (`withdrawal_preview`); `withdraw` then runs the ledger's withdrawal, whose propagation removes it.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select

from minutes.consent import ledger
from minutes.consent.errors import ConsentInputError
from minutes.consent.gate import STAGES, check
from minutes.consent.meetings import find_participant, find_person
from minutes.consent.notice import FORMATS, NoticeFacts, notice_text, sections
from minutes.consent.status import SCOPES, ConsentStatus, consent_status
from minutes.consent.status import Cell as Cell  # re-exported for front ends that show the grid
from minutes.consent.status import State as State
from minutes.core.names import participant as named_participant
from minutes.core.text import counted
from minutes.dates import long_date
from minutes.db import (
    DraftRow,
    DraftStatus,
    Export,
    Meeting,
    Recording,
    SegmentRow,
    SpeakerLabel,
    TranscriptRow,
    VoiceEnrolment,
    WordRow,
)
from minutes.db.ids import stored_id
from minutes.errors import UsageError
from minutes.service.context import Ctx
from minutes.service.meetings import require_meeting

if TYPE_CHECKING:
    from minutes.records.withdrawal import WithdrawalReport

EVIDENCE_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".heic", ".tif", ".tiff", ".txt", ".docx", ".odt"}
DECISIONS = {"give": "given", "refuse": "refused"}
SCOPE_HELP = {
    "record": "record the sound of the meeting",
    "transcribe": "turn speech into text",
    "diarise": "recognise voices (who spoke when)",
    "summarise": "AI draft of the minutes",
}


@dataclass(frozen=True)
class GridCell:
    state: str  # given, refused, withdrawn, missing, expired
    source: str | None
    method: str | None
    recorded_at: dt.datetime | None


@dataclass(frozen=True)
class GridRow:
    participant_id: int
    name: str
    role: str | None
    cells: dict[str, GridCell]


@dataclass(frozen=True)
class Blocker:
    """One person's missing consent to one scope (every stage that needs it waits for it)."""

    scope: str
    participant: str
    state: str


@dataclass(frozen=True)
class Needed:
    """Everything one person has still to agree to, in words: "recording, transcription (not given)"."""

    participant: str
    scopes: tuple[str, ...]
    states: tuple[str, ...]  # missing, refused, withdrawn, expired: each once, in the order found


@dataclass(frozen=True)
class Grid:
    meeting_id: int
    title: str
    date: dt.date
    scopes: tuple[str, ...]
    rows: list[GridRow]
    stages: dict[str, bool]  # stage -> may run now
    blockers: list[Blocker]  # who must consent to what before every stage can run, each once

    @property
    def needed(self) -> list[Needed]:
        """The blockers by person, in the grid's order."""
        return needed(self.blockers)


@dataclass(frozen=True)
class EvidenceUpload:
    """An uploaded evidence file: its bytes and the name the browser sent (used only to pick a suffix)."""

    data: bytes
    filename: str


@dataclass(frozen=True)
class RecordInfo:
    record_id: int
    scope: str
    decision: str
    evidence_sha256: str | None


@dataclass(frozen=True)
class Recorded:
    """The consent records written, and for a withdrawal exactly what its propagation removed."""

    records: list[RecordInfo]
    removed: list[WithdrawalReport]
    name: str = ""  # the participant or person, as the meeting or the people list names them
    meeting_id: int | None = None  # None: standing consent

    def sentence(self) -> str:
        """What was recorded, in words: "Consent given by Priya for meeting 3: record, transcribe."."""
        decision = self.records[0].decision if self.records else "recorded"
        scopes = [r.scope for r in self.records]
        what = "all four stages" if set(scopes) == set(SCOPES) else ", ".join(scopes)
        where = f"for meeting {self.meeting_id}" if self.meeting_id else "as standing consent"
        return f"Consent {decision} by {self.name} {where}: {what}."


@dataclass(frozen=True)
class WithdrawalPreview:
    participant_id: int
    name: str
    segments: int
    words: int
    recordings_with_audio: int
    voice_enrolments: int
    drafts_to_review: list[int]
    releases_to_reissue: list[int]
    exports: int
    spellings: list[str]  # other spellings of their name that will be redacted with it (a reviewer's)
    suggested: list[
        str
    ]  # words of the transcript that may be the ASR's spelling of it, for the clerk to tick


def grid(ctx: Ctx, meeting_id: int) -> Grid:
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        st = consent_status(s, meeting_id)
        decisions = {stage: check(s, meeting_id, stage) for stage in STAGES}
    rows = [
        GridRow(
            p.participant_id,
            p.name,
            p.role,
            {sc: GridCell(c.state.value, c.source, c.method, c.recorded_at) for sc, c in p.scopes.items()},
        )
        for p in st.participants
    ]
    seen = {
        (m.participant, m.scope): Blocker(m.scope, m.participant or "nobody (add participants)", m.state)
        for d in decisions.values()
        for m in d.missing
    }  # a later stage needs the earlier stages' scopes too: each person and scope once
    blockers = list(seen.values())
    return Grid(
        st.meeting_id, st.title, st.date, SCOPES, rows, {k: d.allowed for k, d in decisions.items()}, blockers
    )


def needed(blockers: list[Blocker]) -> list[Needed]:
    by_person: dict[str, list[Blocker]] = {}
    for b in blockers:
        by_person.setdefault(b.participant, []).append(b)
    return [
        Needed(who, tuple(b.scope for b in bs), tuple(dict.fromkeys(b.state for b in bs)))
        for who, bs in by_person.items()
    ]


def blockers_for(ctx: Ctx, meeting_id: int) -> list[Blocker]:
    """Who must consent to what before processing can go on (empty when every stage may run)."""
    return grid(ctx, meeting_id).blockers


def history(ctx: Ctx, meeting_id: int) -> list[ledger.HistoryEntry]:
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        return ledger.history(s, meeting_id)


def status(ctx: Ctx, meeting_id: int) -> tuple[ConsentStatus, dict[str, bool]]:
    """Participant x scope, and which stages the consent held now allows."""
    with ctx.tx() as s:
        st = consent_status(s, meeting_id)
    return st, {stage: st.holders(stage) for stage in STAGES}


def _facts(ctx: Ctx, meeting_id: int) -> tuple[NoticeFacts, Meeting]:
    with ctx.tx() as s:
        row = require_meeting(s, meeting_id)
    cfg = ctx.settings
    facts = NoticeFacts(
        row.title,
        row.date,
        cfg.notice.organisation,
        cfg.notice.contact,
        cfg.retention.audio_days_after_release,
        cfg.retention.transcript_days_after_release,
    )
    return facts, row


def notice_document(ctx: Ctx, meeting_id: int, fmt: str) -> str:
    """The notice as one document, Markdown (md) or plain text (txt), to print or hand out."""
    if fmt not in FORMATS:
        raise ConsentInputError(f"unknown format {fmt!r} (use md or txt)")
    return notice_text(_facts(ctx, meeting_id)[0], fmt)


def notice(ctx: Ctx, meeting_id: int) -> tuple[str, list[tuple[str, list[str]]]]:
    """The plain-English notice: its title and (heading, sentences) sections."""
    facts, row = _facts(ctx, meeting_id)
    return f"Recording this meeting: {row.title}, {long_date(row.date)}", sections(facts)


def record(
    ctx: Ctx,
    meeting_id: int,
    participant_id: int,
    verb: str,
    scopes: list[str],
    method: str,
    actor: str,
    evidence: EvidenceUpload | None = None,
    evidence_at: str | None = None,
) -> list[int]:
    """Give or refuse consent for some scopes; returns the ids of the records written."""
    if verb not in DECISIONS:
        raise UsageError(
            f"unknown consent decision {verb!r}", "use give or refuse; withdraw has its own page"
        )
    if evidence is not None and evidence_at:
        raise UsageError("give either an evidence file or a time range, not both")
    temp = _evidence_temp(ctx, evidence) if evidence is not None else None
    try:
        with ctx.tx() as s:
            require_meeting(s, meeting_id)
            rows = ledger.record(
                s,
                meeting_id,
                participant_id,
                DECISIONS[verb],
                scopes,
                method,
                recorded_by=actor,
                evidence_file=temp,
                evidence_at=evidence_at or None,
                **_store(ctx),
            )
            s.flush()
            return [stored_id(r) for r in rows]
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


def record_named(
    ctx: Ctx,
    meeting_id: int,
    name: str,
    decision: str,
    scopes: str,
    method: str,
    actor: str,
    evidence_file: str | None = None,
    evidence_at: str | None = None,
    spellings: list[str] | None = None,
    report: Callable[[Recorded], None] | None = None,
) -> Recorded:
    """Give, refuse or withdraw consent for a participant named (or numbered) as typed: an unknown name is
    NotFoundError with the closest name; the evidence is a file on this machine or a time range. `spellings`:
    other spellings of their name to redact with it, should this withdraw consent. `report` is called with
    what was recorded before the transaction commits: should it fail (the output cannot be written), nothing
    is recorded."""
    with ctx.tx() as s:
        who = named_participant(s, meeting_id, name).name  # before a withdrawal replaces it with a label
        rows = ledger.record(
            s,
            meeting_id,
            name,
            decision,
            scopes,
            method,
            recorded_by=actor,
            evidence_file=evidence_file,
            evidence_at=evidence_at,
            spellings=spellings or (),
            **_store(ctx),
        )
        return _reported(_recorded(rows, s, who, meeting_id), report)


def record_standing(
    ctx: Ctx,
    person: str,
    decision: str,
    scopes: str,
    method: str,
    actor: str,
    valid_from: str | None = None,
    valid_until: str | None = None,
    evidence_file: str | None = None,
    report: Callable[[Recorded], None] | None = None,
) -> Recorded:
    """Standing consent for a known person, for every meeting dated inside [valid_from, valid_until]; `report`
    as for `record_named`."""
    with ctx.tx() as s:
        rows = ledger.record_standing(
            s,
            person,
            decision,
            scopes,
            method,
            recorded_by=actor,
            valid_from=valid_from,
            valid_until=valid_until,
            evidence_file=evidence_file,
            **_store(ctx),
        )
        return _reported(_recorded(rows, s, find_person(s, person).name, None), report)


def evidence_limit(ctx: Ctx) -> int:
    """The largest evidence file accepted, in bytes (`[limits] max_evidence_mb`), for a file named on the
    command line and an upload alike."""
    return ctx.settings.limits.max_evidence_bytes


def _store(ctx: Ctx) -> dict[str, Any]:
    """Where the ledger keeps evidence files, and the largest it accepts."""
    return {"files_dir": ctx.settings.files_dir, "evidence_limit": evidence_limit(ctx)}


def _reported(done: Recorded, report: Callable[[Recorded], None] | None) -> Recorded:
    if report is not None:
        report(done)
    return done


def _recorded(rows: list, s, name: str, meeting_id: int | None) -> Recorded:
    infos = [RecordInfo(r.id, r.scope, r.decision, r.evidence_sha256) for r in rows]
    return Recorded(infos, list(s.info.get("withdrawal_reports", [])), name, meeting_id)


def withdrawal_lines(report: WithdrawalReport) -> list[str]:
    """What a withdrawal removed, one plain sentence per kind of thing (counts and ids, never words), then
    each exported file a person must check by hand."""
    r = report
    lines = []
    if r.segments_removed or r.words_removed:
        unsure = (
            f", {r.unattributed_segments_removed} of them not linked to any speaker, removed as possibly theirs"
            if r.unattributed_segments_removed
            else ""
        )
        lines.append(
            f"{counted(r.segments_removed, 'passage')} of the transcript "
            f"({counted(r.words_removed, 'word')}) deleted{unsure}"
        )
    if r.transcripts_removed:
        lines.append(
            f"{counted(len(r.transcripts_removed), 'transcript')} deleted whole (whose words were whose could "
            "not be told apart)"
        )
    if r.speaker_turns_removed or r.speaker_labels_removed:
        lines.append(
            f"{counted(r.speaker_turns_removed, 'stretch', 'stretches')} marked as their voice, and the link "
            "between their voice and their name, deleted"
        )
    if r.voice_enrolments_removed:
        lines.append(f"{counted(r.voice_enrolments_removed, 'voice sample')} deleted")
    if r.audio_deleted:
        lines.append(
            f"the meeting's audio recording deleted ({counted(len(r.audio_deleted), 'file')}: one voice cannot "
            "be cut out reliably)"
        )
    if r.evidence_removed:
        lines.append(f"{counted(r.evidence_removed, 'piece')} of evidence in the draft minutes deleted")
    if r.items_removed:
        lines.append(
            f"{counted(r.items_removed, 'decision, action or discussion point', 'decisions, actions or discussion points')} "
            "resting only on their words taken out of the minutes"
        )
    if r.names_replaced:
        lines.append(f"their name replaced in {counted(r.names_replaced, 'place')} in the draft minutes")
    if r.drafts_returned_to_review:
        lines.append(f"draft {', '.join(map(str, r.drafts_returned_to_review))} sent back to review")
    if r.releases_reissued:
        lines.append(
            f"released minutes re-issued with their name replaced (release "
            f"{', '.join(map(str, r.releases_reissued))})"
        )
    if deleted := len(r.exports_invalidated) - len(r.exports_need_attention):
        lines.append(f"{counted(deleted, 'exported file')} of the meeting deleted")
    lines += [
        f"check by hand: {path} changed since it was exported, so it was not deleted"
        for path in r.exports_need_attention
    ]
    return lines or ["nothing had been derived from them yet"]


def _evidence_temp(ctx: Ctx, evidence: EvidenceUpload) -> Path:
    """The upload in a private temporary file with a random name and an allow-listed suffix (or none)."""
    if not evidence.data:
        raise UsageError("the evidence file is empty")
    if len(evidence.data) > evidence_limit(ctx):
        raise UsageError(
            f"the evidence file is too large (at most {evidence_limit(ctx) / 1e6:g} MB)",
            "scan it at a lower resolution, or raise [limits] max_evidence_mb in config.toml",
        )
    suffix = Path(evidence.filename or "").suffix.lower()
    folder = ctx.settings.files_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"evidence-{secrets.token_hex(8)}{suffix if suffix in EVIDENCE_SUFFIXES else ''}"
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        fh.write(evidence.data)
    return path


def withdrawal_preview(ctx: Ctx, meeting_id: int, participant_id: int) -> WithdrawalPreview:
    """What a withdrawal by this participant would remove, counted without changing anything."""
    from minutes.records import withdrawal

    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        part = find_participant(s, meeting_id, participant_id)
        recs = s.exec(select(Recording).where(Recording.meeting_id == meeting_id)).all()
        labels = [
            lab.label
            for lab in s.exec(
                select(SpeakerLabel).where(
                    col(SpeakerLabel.recording_id).in_([r.id for r in recs]),
                    SpeakerLabel.participant_id == part.id,
                )
            ).all()
        ]
        theirs = col(SegmentRow.speaker).in_(labels) | (func.lower(SegmentRow.speaker) == part.name.lower())
        seg_query = (
            select(SegmentRow.id)
            .join(TranscriptRow, col(TranscriptRow.id) == col(SegmentRow.transcript_id))
            .where(TranscriptRow.meeting_id == meeting_id, theirs)
        )
        segments = s.exec(select(func.count()).select_from(seg_query.subquery())).one()
        words = s.exec(
            select(func.count()).select_from(WordRow).where(col(WordRow.segment_id).in_(seg_query))
        ).one()
        drafts = s.exec(select(DraftRow).where(DraftRow.meeting_id == meeting_id)).all()
        return WithdrawalPreview(
            stored_id(part),
            part.name,
            segments,
            words,
            sum(r.path is not None for r in recs),
            s.exec(
                select(func.count())
                .select_from(VoiceEnrolment)
                .where(VoiceEnrolment.participant_id == part.id)
            ).one(),
            [stored_id(d) for d in drafts if d.status not in (DraftStatus.REJECTED, DraftStatus.RELEASED)],
            [stored_id(d) for d in drafts if d.status == DraftStatus.RELEASED],
            s.exec(
                select(func.count())
                .select_from(Export)
                .where(Export.meeting_id == meeting_id, col(Export.invalidated_at).is_(None))
            ).one(),
            list(withdrawal.name_of(s, part).spellings[1:]),
            withdrawal.suggested_spellings(s, part),
        )


def withdraw(
    ctx: Ctx,
    meeting_id: int,
    participant_id: int,
    method: str,
    actor: str,
    spellings: list[str] | None = None,
) -> list[WithdrawalReport]:
    """Withdraw every scope; the propagation (in the same transaction) removes what the preview listed, their
    name redacted in the `spellings` the clerk confirmed too."""
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        ledger.withdraw(
            s,
            meeting_id,
            participant_id,
            "all",
            method,
            recorded_by=actor,
            spellings=spellings or (),
            **_store(ctx),
        )
        return list(s.info.get("withdrawal_reports", []))


def participants(ctx: Ctx, meeting_id: int) -> list[tuple[int, str]]:
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        st = consent_status(s, meeting_id)
    return [(p.participant_id, p.name) for p in st.participants]

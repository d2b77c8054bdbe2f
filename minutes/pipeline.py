"""`minutes process`: one meeting's recording through every stage, each behind the consent gate.

gate(record) -> store the recording -> gate(transcribe) -> decode, transcribe -> gate(diarise) -> diarise,
attribute, name -> gate(summarise) -> extract -> a draft in the pending accuracy-check queue.

Each stage is begun with `consent.gate.begin_stage`, which checks consent and records the stage as started in
one transaction. Models run outside any transaction (they take minutes); the result is then committed in a
second transaction that checks the gate again, so a withdrawal that lands while a model runs discards the
result instead of storing it. A stage whose result is committed is never run again: a rerun resumes from the
first stage not done, and a crash at any moment leaves either the whole result of a stage or none of it.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from consent import gate
from consent.errors import ConsentError
from consent.meetings import get_meeting, participants_of
from minutes import speakers as speaker_names
from minutes.audio import decode, file_sha256
from minutes.config import Settings
from minutes.errors import StateError
from minutes.progress import QuietReporter, Reporter
from minutes.store import Database, files_path
from minutes.transcripts import load_transcript, replace_segments, save_transcript
from minutes.types import Audio
from models import Draft, Recording, StageRun, Transcript
from models.audit import append_event

LOG = logging.getLogger("minutes.pipeline")
STAGES = ("record", "transcribe", "diarise", "summarise")


@dataclass
class Options:
    model: str | None = None  # ASR model name or folder
    device: str | None = None
    compute_type: str | None = None
    language: str | None = None
    num_speakers: int | None = None
    actor: str = "minutes"
    threads: int = 0  # CPU threads per model; 0: the libraries' defaults (all cores)


@dataclass
class Engines:
    """Models loaded on first use and kept for the whole run, so a batch loads each model once."""

    settings: Settings
    options: Options = field(default_factory=Options)
    _asr: object | None = None
    _diarisation: object | None = None
    _extractor: object | None = None

    @property
    def asr(self):
        if self._asr is None:
            from minutes.engines.asr import load_asr

            o = self.options
            self._asr = load_asr(self.settings, o.model, o.device, o.compute_type)
        return self._asr

    @property
    def diarisation(self):
        if self._diarisation is None:
            from minutes.engines.diarisation import load_diarisation

            self._diarisation = load_diarisation(self.settings)
        return self._diarisation

    @property
    def extractor(self):
        if self._extractor is None:
            from minutes.engines.extractor import load_extractor

            self._extractor = load_extractor(self.settings, threads=self.options.threads)
        return self._extractor


@dataclass
class StageResult:
    stage: str
    status: str  # done, skipped (done before), blocked, failed
    seconds: float = 0.0
    detail: str = ""


@dataclass
class ProcessResult:
    meeting_id: int
    recording_id: int | None = None
    transcript_id: int | None = None
    draft_id: int | None = None
    audio_seconds: float = 0.0
    stages: list[StageResult] = field(default_factory=list)
    blocked: str | None = None  # the gate's message when a stage was not allowed

    @property
    def status(self) -> str:
        if self.blocked:
            return "blocked"
        return "done" if self.draft_id else "incomplete"

    def to_json(self) -> dict:
        return {"meeting": self.meeting_id, "recording": self.recording_id, "transcript": self.transcript_id,
                "draft": self.draft_id, "status": self.status, "blocked": self.blocked,
                "audio_seconds": round(self.audio_seconds, 2),
                "stages": [s.__dict__ for s in self.stages]}


class _Blocked(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def process(db: Database, engines: Engines, meeting_id: int, audio_path: str | Path,
            reporter: Reporter | None = None) -> ProcessResult:
    """Run every stage not yet done for this meeting and recording; stop at the first the gate does not allow."""
    reporter = reporter or QuietReporter()
    settings, actor = engines.settings, engines.options.actor
    path = Path(audio_path)
    audio_cache: dict[str, Audio] = {}

    def audio() -> Audio:
        if "a" not in audio_cache:
            audio_cache["a"] = decode(path)
        return audio_cache["a"]

    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        result = ProcessResult(meeting.id)
    sha = file_sha256(path) if path.is_file() else None
    recording = _find_recording(db, meeting_id, sha) if sha else None

    steps = (("record", _record), ("transcribe", _transcribe), ("diarise", _diarise), ("summarise", _summarise))
    state = {"recording": recording}
    try:
        for stage, step in steps:
            t0 = time.monotonic()
            if _done(db, state, stage):
                result.stages.append(StageResult(stage, "skipped", 0.0, "done before"))
                continue
            reporter.start(stage)
            try:
                detail = step(db, engines, meeting_id, path, audio, state, reporter, actor, settings)
            except _Blocked as blocked:
                reporter.finish("blocked")
                result.stages.append(StageResult(stage, "blocked", time.monotonic() - t0))
                result.blocked = blocked.message
                break
            except Exception:
                reporter.finish("failed")
                _fail_open_stage(db, state, meeting_id, stage)
                raise
            took = time.monotonic() - t0
            reporter.finish("done", detail)
            LOG.info("meeting %s stage %s done in %.1fs", meeting_id, stage, took)
            result.stages.append(StageResult(stage, "done", took, detail))
    finally:
        _fill_ids(db, state, result)
    return result


def _fill_ids(db: Database, state: dict, result: ProcessResult) -> None:
    rec = state.get("recording")
    if rec is None:
        return
    result.recording_id, result.audio_seconds = rec.id, rec.duration
    with db.session() as s:
        t = _transcript_of(s, rec.id)
        result.transcript_id = t.id if t else None
        d = s.exec(select(Draft).where(Draft.transcript_id == result.transcript_id)).first() if t else None
        result.draft_id = d.id if d else None


# -- resume ----------------------------------------------------------------------------------------------------
def _find_recording(db: Database, meeting_id: int, sha: str) -> Recording | None:
    with db.session() as s:
        return s.exec(select(Recording).where(Recording.meeting_id == meeting_id, Recording.sha256 == sha)).first()


def _transcript_of(s: Session, recording_id: int) -> Transcript | None:
    return s.exec(select(Transcript).where(Transcript.recording_id == recording_id, Transcript.deleted_at.is_(None))
                  .order_by(Transcript.id.desc())).first()


def _done(db: Database, state: dict, stage: str) -> bool:
    rec = state.get("recording")
    if rec is None:
        return False
    if stage == "record":
        return True
    with db.session() as s:
        return s.exec(select(StageRun).where(StageRun.recording_id == rec.id, StageRun.stage == stage,
                                             StageRun.status == "done")).first() is not None


def _begin(db: Database, meeting_id: int, stage: str, recording_id: int | None, actor: str) -> int:
    """Check the gate and record the stage as started, in one transaction; raise _Blocked when not allowed."""
    try:
        with db.session() as s:
            run = gate.begin_stage(s, meeting_id, stage, recording_id=recording_id, actor=actor)
            return run.id
    except ConsentError as exc:
        raise _Blocked(str(exc)) from None


def _commit_check(s: Session, meeting_id: int, stage: str, run_id: int) -> None:
    """Inside the result's transaction: the gate must still allow the stage, or the result is discarded."""
    decision = gate.check(s, meeting_id, stage)
    if not decision.allowed:
        raise _Blocked(f"consent changed while {stage} ran; its result was discarded: "
                       + "; ".join(f"{m.participant} lacks {m.scope} ({m.state})" for m in decision.missing))


def _finish(s: Session, run_id: int, status: str = "done", detail: str = "") -> None:
    gate.finish_stage(s, s.get(StageRun, run_id), status=status, detail=detail)


def _fail_open_stage(db: Database, state: dict, meeting_id: int, stage: str) -> None:
    run_id = state.pop("run_id", None)
    if run_id is None:
        return
    with db.session() as s:
        _finish(s, run_id, "failed", "see the error printed by the command")


def _run_blocked_safe(db: Database, meeting_id: int, stage: str, run_id: int, write) -> str:
    """Commit a stage's result with the gate re-checked; a block discards it and records the stage blocked."""
    try:
        with db.session() as s:
            _commit_check(s, meeting_id, stage, run_id)
            detail = write(s)
            _finish(s, run_id, "done", detail)
            return detail
    except _Blocked as blocked:
        with db.session() as s:
            _finish(s, run_id, "blocked", "consent changed while running")
        raise blocked


# -- stages ------------------------------------------------------------------------------------------------------
def _record(db, engines, meeting_id, path, audio, state, reporter, actor, settings) -> str:
    """Keep a copy of the recording in the store (after the gate for `record`)."""
    a = audio()  # decoding validates the file before anything is stored
    run_id = _begin(db, meeting_id, "record", None, actor)
    state["run_id"] = run_id
    target = files_path(settings, "recordings", str(meeting_id), f"{a.sha256}{path.suffix.lower()}")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.copyfile(path, tmp)
    os.replace(tmp, target)

    def write(s: Session) -> str:
        rec = Recording(meeting_id=meeting_id, path=str(target), original_name=path.name, sha256=a.sha256,
                        duration=a.duration)
        s.add(rec)
        s.flush()
        s.get(StageRun, run_id).recording_id = rec.id
        append_event(s, "recording.store", actor, meeting_id, {"recording": rec.id},
                     {"audio": a.sha256})
        state["recording"] = rec
        return f"{a.duration:.1f}s of audio"

    detail = _run_blocked_safe(db, meeting_id, "record", run_id, write)
    state.pop("run_id", None)
    return detail


def _transcribe(db, engines, meeting_id, path, audio, state, reporter, actor, settings) -> str:
    from minutes.transcribe import transcribe

    rec = state["recording"]
    run_id = _begin(db, meeting_id, "transcribe", rec.id, actor)
    state["run_id"] = run_id
    a = audio()
    transcript = transcribe(engines.asr, a, language=engines.options.language,
                            progress=lambda done, total: reporter.update(done, total))

    def write(s: Session) -> str:
        row = save_transcript(s, meeting_id, rec.id, transcript, engines.asr.name)
        append_event(s, "transcript.store", actor, meeting_id, {"recording": rec.id, "transcript": row.id},
                     {"transcript": _hash_json(transcript.to_json())})
        return f"{len(transcript.segments)} segments, {engines.asr.name} on {engines.asr.device}"

    detail = _run_blocked_safe(db, meeting_id, "transcribe", run_id, write)
    state.pop("run_id", None)
    return detail


def _diarise(db, engines, meeting_id, path, audio, state, reporter, actor, settings) -> str:
    from minutes.attribute import attribute
    from minutes.diarise import diarise

    rec = state["recording"]
    run_id = _begin(db, meeting_id, "diarise", rec.id, actor)
    state["run_id"] = run_id
    a = audio()
    with db.session() as s:
        n_participants = len(participants_of(s, meeting_id))
        transcript_row = _transcript_of(s, rec.id)
        transcript = load_transcript(s, transcript_row.id)
        enrolment_ranges = speaker_names.enrolment_ranges(s, meeting_id, rec)
    n = engines.options.num_speakers
    result = diarise(engines.diarisation, a, num_speakers=n,
                     max_speakers=None if n else (n_participants or None))
    reporter.update(0.7, 1.0)
    attributed = attribute(transcript, result.turns)
    enrolled = speaker_names.embed_enrolments(engines.diarisation, a, enrolment_ranges)

    def write(s: Session) -> str:
        replace_segments(s, transcript_row.id, attributed)
        named = speaker_names.store_diarisation(s, meeting_id, rec.id, result, enrolled)
        append_event(s, "diarisation.store", actor, meeting_id,
                     {"recording": rec.id, "transcript": transcript_row.id, "speakers": len(result.centroids)},
                     {"transcript": _hash_json(attributed.to_json())})
        return f"{len(result.centroids)} speakers, {named} named by enrolment"

    detail = _run_blocked_safe(db, meeting_id, "diarise", run_id, write)
    state.pop("run_id", None)
    return detail


def _summarise(db, engines, meeting_id, path, audio, state, reporter, actor, settings) -> str:
    from minutes.extract import extract
    from minutes.review import create_draft

    rec = state["recording"]
    run_id = _begin(db, meeting_id, "summarise", rec.id, actor)
    state["run_id"] = run_id
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        names = [p.name for p in participants_of(s, meeting_id)]
        transcript_row = _transcript_of(s, rec.id)
        transcript = speaker_names.named_transcript(s, transcript_row.id)
        meeting_date = meeting.date
    draft = extract(engines.extractor, transcript, names, meeting_date,
                    progress=lambda done, total: reporter.update(done, total))

    def write(s: Session) -> str:
        row = create_draft(s, meeting_id, transcript_row.id, draft, engines.extractor.name, actor=actor)
        return (f"draft {row.id}: {len(draft.decisions)} decisions, {len(draft.actions)} actions, "
                f"{len(draft.flags)} flags")

    detail = _run_blocked_safe(db, meeting_id, "summarise", run_id, write)
    state.pop("run_id", None)
    return detail


def _hash_json(data: dict) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def attach(db: Database, engines: Engines, meeting_id: int, audio_path: str | Path) -> Recording:
    """The `record` stage alone: check consent, keep the recording in the store (idempotent)."""
    path = Path(audio_path)
    a = decode(path)
    state: dict = {"recording": _find_recording(db, meeting_id, a.sha256)}
    if state["recording"] is None:
        with db.session() as s:
            get_meeting(s, meeting_id)
        try:
            _record(db, engines, meeting_id, path, lambda: a, state, QuietReporter(), engines.options.actor,
                    engines.settings)
        except _Blocked as blocked:
            raise StateError(blocked.message) from None
    return state["recording"]


def require_recording(db: Database, meeting_id: int) -> Recording:
    """The meeting's latest stored recording (for commands that work on a processed meeting)."""
    with db.session() as s:
        rec = s.exec(select(Recording).where(Recording.meeting_id == meeting_id)
                     .order_by(Recording.id.desc())).first()
    if rec is None:
        raise StateError(f"meeting {meeting_id} has no recording yet", f"run `minutes process {meeting_id} AUDIO`")
    return rec

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

import gc
import logging
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from consent import gate
from consent.errors import ConsentError
from consent.meetings import get_meeting, participants_of
from minutes import speakers as speaker_names
from minutes.audio import decode
from minutes.config import Settings
from minutes.engines.store import sha256_file
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
    keep_models: bool = False  # batch: keep every model loaded; a single run frees speech models before drafting


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

    def release_speech_models(self) -> None:
        """Free the ASR and diarisation models, so the extractor does not stack on top of them in memory."""
        self._asr = self._diarisation = None
        gc.collect()

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
    peak_rss_mb: float = 0.0  # the process's peak resident memory so far, read when the stage ended


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


@dataclass
class _Run:
    """One `process` call: what every stage needs, and the StageRun currently open."""

    db: Database
    engines: Engines
    meeting_id: int
    path: Path
    reporter: Reporter
    recording: Recording | None = None
    run_id: int | None = None
    _audio: Audio | None = None

    @property
    def actor(self) -> str:
        return self.engines.options.actor

    def audio(self) -> Audio:
        """The recording decoded once, shared by every stage of this run."""
        if self._audio is None:
            self._audio = decode(self.path)
        return self._audio

    def begin(self, stage: str) -> None:
        """Check the gate and record the stage as started, in one transaction; _Blocked when not allowed."""
        try:
            with self.db.session() as s:
                rec_id = self.recording.id if self.recording else None
                self.run_id = gate.begin_stage(s, self.meeting_id, stage, recording_id=rec_id, actor=self.actor).id
        except ConsentError as exc:
            raise _Blocked(str(exc)) from None

    def commit(self, stage: str, write: Callable[[Session], str]) -> str:
        """Store a stage's result and mark it done, in one transaction that checks the gate again: a consent
        change made while the model ran discards the result and records the stage as blocked."""
        try:
            with self.db.session() as s:
                decision = gate.check(s, self.meeting_id, stage)
                if not decision.allowed:
                    raise _Blocked(f"consent changed while {stage} ran; its result was discarded: " + "; ".join(
                        f"{m.participant} lacks {m.scope} ({m.state})" for m in decision.missing))
                detail = write(s)
                self._finish(s, "done", detail)
        except _Blocked:
            with self.db.session() as s:
                self._finish(s, "blocked", "consent changed while running")
            raise
        return detail

    def fail(self) -> None:
        if self.run_id is not None:
            with self.db.session() as s:
                self._finish(s, "failed", "see the error printed by the command")

    def _finish(self, s: Session, status: str, detail: str) -> None:
        gate.finish_stage(s, s.get(StageRun, self.run_id), status=status, detail=detail, actor=self.actor)
        self.run_id = None

    def done(self, stage: str) -> bool:
        if self.recording is None:
            return False
        if stage == "record":
            return True
        with self.db.session() as s:
            return s.exec(select(StageRun).where(StageRun.recording_id == self.recording.id,
                                                 StageRun.stage == stage, StageRun.status == "done")).first() is not None


def process(db: Database, engines: Engines, meeting_id: int, audio_path: str | Path,
            reporter: Reporter | None = None) -> ProcessResult:
    """Run every stage not yet done for this meeting and recording; stop at the first the gate does not allow."""
    run = _Run(db, engines, meeting_id, Path(audio_path), reporter or QuietReporter())
    with db.session() as s:
        result = ProcessResult(get_meeting(s, meeting_id).id)
    if run.path.is_file():
        run.recording = _find_recording(db, meeting_id, sha256_file(run.path))
    try:
        for stage, step in (("record", _record), ("transcribe", _transcribe), ("diarise", _diarise),
                            ("summarise", _summarise)):
            if run.done(stage):
                result.stages.append(StageResult(stage, "skipped", 0.0, "done before"))
                continue
            t0 = time.monotonic()
            run.reporter.start(stage)
            try:
                detail = step(run)
            except _Blocked as blocked:
                run.reporter.finish("blocked")
                result.stages.append(StageResult(stage, "blocked", time.monotonic() - t0))
                result.blocked = blocked.message
                break
            except BaseException:
                run.reporter.finish("failed")
                run.fail()
                raise
            took = time.monotonic() - t0
            run.reporter.finish("done", detail)
            LOG.info("meeting %s stage %s done in %.1fs", meeting_id, stage, took)
            result.stages.append(StageResult(stage, "done", took, detail, _peak_rss_mb()))
    finally:
        _fill_ids(db, run.recording, result)
    return result


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _fill_ids(db: Database, rec: Recording | None, result: ProcessResult) -> None:
    if rec is None:
        return
    result.recording_id, result.audio_seconds = rec.id, rec.duration
    with db.session() as s:
        t = _transcript_of(s, rec.id)
        result.transcript_id = t.id if t else None
        d = s.exec(select(Draft).where(Draft.transcript_id == result.transcript_id)).first() if t else None
        result.draft_id = d.id if d else None


def _find_recording(db: Database, meeting_id: int, sha: str) -> Recording | None:
    with db.session() as s:
        return s.exec(select(Recording).where(Recording.meeting_id == meeting_id, Recording.sha256 == sha)).first()


def _transcript_of(s: Session, recording_id: int) -> Transcript | None:
    return s.exec(select(Transcript).where(Transcript.recording_id == recording_id, Transcript.deleted_at.is_(None))
                  .order_by(Transcript.id.desc())).first()


# -- stages: each begins behind the gate, computes outside any transaction, then commits ------------------------
def _record(run: _Run) -> str:
    """Keep a copy of the recording in the store (written to a temporary file, then renamed)."""
    a = run.audio()  # decoding validates the file before anything is stored
    run.begin("record")
    target = files_path(run.engines.settings, "recordings", str(run.meeting_id), f"{a.sha256}{run.path.suffix.lower()}")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.copyfile(run.path, tmp)
    os.replace(tmp, target)

    def write(s: Session) -> str:
        rec = Recording(meeting_id=run.meeting_id, path=str(target), original_name=run.path.name, sha256=a.sha256,
                        duration=a.duration)
        s.add(rec)
        s.flush()
        s.get(StageRun, run.run_id).recording_id = rec.id
        append_event(s, "recording.store", run.actor, run.meeting_id, {"recording": rec.id}, {"audio": a.sha256})
        run.recording = rec
        return f"{a.duration:.1f}s of audio"

    try:
        return run.commit("record", write)
    except BaseException:  # not stored after all (consent changed, or an error): keep no copy of the audio
        if _find_recording(run.db, run.meeting_id, a.sha256) is None:
            target.unlink(missing_ok=True)
        raise


def _transcribe(run: _Run) -> str:
    from minutes.transcribe import transcribe

    run.begin("transcribe")
    asr = run.engines.asr
    transcript = transcribe(asr, run.audio(), language=run.engines.options.language, progress=run.reporter.update)

    def write(s: Session) -> str:
        row = save_transcript(s, run.meeting_id, run.recording.id, transcript, asr.name)
        append_event(s, "transcript.store", run.actor, run.meeting_id,
                     {"recording": run.recording.id, "transcript": row.id},
                     {"transcript": _hash_json(transcript.to_json())})
        return f"{len(transcript.segments)} segments, {asr.name} on {asr.device}"

    return run.commit("transcribe", write)


def _diarise(run: _Run) -> str:
    from minutes.attribute import attribute
    from minutes.diarise import Diarisation, diarise, embed
    from minutes.reassign import reassign_turns

    run.begin("diarise")
    rec = run.recording
    with run.db.session() as s:
        n_participants = len(participants_of(s, run.meeting_id))
        transcript_id = _transcript_of(s, rec.id).id
        transcript = load_transcript(s, transcript_id)
        ranges = speaker_names.enrolment_ranges(s, run.meeting_id, rec)
    n = run.engines.options.num_speakers
    result = diarise(run.engines.diarisation, run.audio(), num_speakers=n,
                     max_speakers=None if n else (n_participants or None))
    run.reporter.update(0.8, 1.0)
    enrolled = speaker_names.embed_enrolments(run.engines.diarisation, run.audio(), ranges)
    fixed = reassign_turns(result.turns, result.centroids, {e.range.name: e.embedding for e in enrolled},
                           lambda start, end: embed(run.engines.diarisation, run.audio(), start, end))
    result = Diarisation(turns=fixed.turns, centroids=fixed.centroids)
    attributed = attribute(transcript, result.turns)

    def write(s: Session) -> str:
        replace_segments(s, transcript_id, attributed)
        named = speaker_names.store_diarisation(s, run.meeting_id, rec.id, result, enrolled)
        append_event(s, "diarisation.store", run.actor, run.meeting_id,
                     {"recording": rec.id, "transcript": transcript_id, "speakers": len(result.centroids),
                      "turns_moved_by_voice": len(fixed.moved)},
                     {"transcript": _hash_json(attributed.to_json())})
        moved = f", {len(fixed.moved)} turn(s) moved to the enrolled voice they match" if fixed.moved else ""
        return f"{len(result.centroids)} speakers, {named} named by enrolment{moved}"

    return run.commit("diarise", write)


def _summarise(run: _Run) -> str:
    from minutes.extract import extract
    from minutes.review import create_draft

    run.begin("summarise")
    if not run.engines.options.keep_models:
        run.engines.release_speech_models()
    with run.db.session() as s:
        meeting = get_meeting(s, run.meeting_id)
        names = [f"{p.name}:{p.role}" if p.role else p.name for p in participants_of(s, run.meeting_id)]
        transcript_id = _transcript_of(s, run.recording.id).id
        transcript = speaker_names.named_transcript(s, transcript_id)
    extractor = run.engines.extractor
    draft = extract(extractor, transcript, names, meeting.date, progress=run.reporter.update)

    def write(s: Session) -> str:
        row = create_draft(s, run.meeting_id, transcript_id, draft, extractor.name, actor=run.actor)
        return (f"draft {row.id}: {len(draft.decisions)} decisions, {len(draft.actions)} actions, "
                f"{len(draft.flags)} flags, {extractor.name} on {extractor.device}")

    return run.commit("summarise", write)


def _hash_json(data: dict) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def attach(db: Database, engines: Engines, meeting_id: int, audio_path: str | Path) -> Recording:
    """The `record` stage alone: check consent, keep the recording in the store (idempotent)."""
    run = _Run(db, engines, meeting_id, Path(audio_path), QuietReporter())
    run.recording = _find_recording(db, meeting_id, run.audio().sha256)
    if run.recording is None:
        with db.session() as s:
            get_meeting(s, meeting_id)
        try:
            _record(run)
        except _Blocked as blocked:
            raise StateError(blocked.message) from None
    return run.recording


def require_recording(db: Database, meeting_id: int) -> Recording:
    """The meeting's latest stored recording (for commands that work on a processed meeting)."""
    with db.session() as s:
        rec = s.exec(select(Recording).where(Recording.meeting_id == meeting_id)
                     .order_by(Recording.id.desc())).first()
    if rec is None:
        raise StateError(f"meeting {meeting_id} has no recording yet", f"run `minutes process {meeting_id} AUDIO`")
    return rec

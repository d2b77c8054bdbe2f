"""`minutes process`: one meeting's recording through every stage, each behind the consent gate.

gate(record) -> store the recording -> gate(transcribe) -> decode, transcribe -> gate(diarise) -> diarise,
attribute, name -> gate(summarise) -> extract -> a draft in the pending accuracy-check queue.

Each stage is begun with `consent.gate.begin_stage`, which checks consent and records the stage as started in
one transaction. Models run outside any transaction (they take minutes); the result is then committed in a
second transaction that checks the gate again, for every scope the result depends on, so a withdrawal that
lands while a model runs discards the result instead of storing it (see minutes.run.stages). A stage whose result
is committed and still stored is not run again: a rerun resumes from the first stage not done, and a crash at
any moment leaves either the whole result of a stage or none of it. One run at a time holds a meeting
(minutes.run.runlock); a second is refused with exit code 8.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select

from minutes.consent.meetings import get_meeting
from minutes.core.config import Settings
from minutes.core.files import sha256_file
from minutes.core.progress import QuietReporter, Reporter
from minutes.core.store import Database
from minutes.db import DraftRow, Recording
from minutes.db.ids import stored_id
from minutes.errors import StateError
from minutes.run import overlap, parts, runlock
from minutes.run.stages import (
    STEPS,
    Blocked,
    Run,
    find_recording,
    record,
    run_stage,
    summarise,
    transcript_of,
)

LOG = logging.getLogger("minutes.run.pipeline")
STAGES = ("record", "transcribe", "diarise", "summarise")


@dataclass
class Options:
    model: str | None = None  # ASR model name or folder
    device: str | None = None
    compute_type: str | None = None
    language: str | None = None
    num_speakers: int | None = None
    actor: str = "minutes"
    hotwords: bool = False  # prompt the ASR with the title and names (off: see minutes.speech.transcribe)
    threads: int = 0  # CPU threads per model; 0: the libraries' defaults (all cores)
    keep_models: bool = (
        False  # batch: keep every model loaded; a single run frees speech models before drafting
    )
    overlap: bool = True  # diarise alongside transcription (minutes.run.overlap); False: one after the other


@dataclass
class Engines:
    """Models loaded on first use and kept for the whole run, so a batch loads each model once."""

    settings: Settings
    options: Options = field(default_factory=Options)
    _asr: object | None = None
    _diarisation: object | None = None
    _extractor: object | None = None
    _detector: object | None = None

    @property
    def asr(self):
        if self._asr is None:
            from minutes.engines.asr import load_asr

            o = self.options
            self._asr = load_asr(self.settings, o.model, o.device, o.compute_type, self.asr_threads)
        return self._asr

    @property
    def asr_threads(self) -> int:
        """The ASR's CPU threads: with overlap, the cores the diarisation's one thread leaves; 0: the default."""
        from minutes.engines.diarisation import THREADS

        cores = self.options.threads or os.cpu_count() or 1
        return max(1, cores - THREADS) if self.options.overlap else self.options.threads

    @property
    def diarisation(self):
        if self._diarisation is None:
            from minutes.engines.diarisation import load_diarisation

            self._diarisation = load_diarisation(self.settings)
        return self._diarisation

    @property
    def detector(self):
        """The multilingual model that checks the language when the ASR model is English-only (or None)."""
        if self._detector is None:
            from minutes.speech.language import load_detector

            self._detector = load_detector(
                self.settings, self.asr, self.options.language, self.options.device
            )
            self._detector = self._detector or False  # False: looked for, not needed or not installed
        return self._detector or None

    def release_speech_models(self) -> None:
        """Free the ASR and diarisation models, so the extractor does not stack on top of them in memory."""
        self._asr = self._diarisation = self._detector = None
        gc.collect()
        _give_back_freed_memory()

    @property
    def extractor(self):
        if self._extractor is None:
            from minutes.engines.extractor import load_extractor

            self._extractor = load_extractor(self.settings, threads=self.options.threads)
        return self._extractor


def _give_back_freed_memory() -> None:
    """glibc keeps freed heap pages mapped until told: return them, so the extractor's memory does not stack on
    what the speech stages freed (about 100 MB after diarising 5 minutes). Elsewhere than glibc, nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@dataclass
class StageResult:
    stage: str
    status: str  # done, skipped (done before), blocked, failed
    seconds: float = 0.0
    detail: str = ""
    peak_rss_mb: float = 0.0  # the process's peak resident memory so far, read when the stage ended
    voice_seconds: float | None = None  # diarise: the voice search's own time (it may overlap transcription)


@dataclass
class ProcessResult:
    meeting_id: int
    recording_id: int | None = None
    transcript_id: int | None = None
    draft_id: int | None = None
    audio_seconds: float = 0.0
    stages: list[StageResult] = field(default_factory=list)
    blocked: str | None = None  # the gate's message when a stage was not allowed
    warnings: list[str] = field(default_factory=list)  # e.g. consent evidence outside the recording

    @property
    def status(self) -> str:
        if self.blocked:
            return "blocked"
        return "done" if self.draft_id else "incomplete"

    def to_json(self) -> dict:
        return {
            "meeting": self.meeting_id,
            "recording": self.recording_id,
            "transcript": self.transcript_id,
            "draft": self.draft_id,
            "status": self.status,
            "blocked": self.blocked,
            "audio_seconds": round(self.audio_seconds, 2),
            "warnings": self.warnings,
            "stages": [s.__dict__ for s in self.stages],
        }


def process(
    db: Database,
    engines: Engines,
    meeting_id: int,
    audio_path: str | Path,
    reporter: Reporter | None = None,
    mode: str | None = None,
) -> ProcessResult:
    """Run every stage not yet done for this meeting and recording; stop at the first the gate does not allow.
    Holds the meeting's run lease throughout; MeetingBusy (exit 8) when another run holds it. A second
    recording for the meeting needs `mode` "replace" or "add-part" (minutes.run.parts)."""
    run = Run(db, engines, meeting_id, Path(audio_path), reporter or QuietReporter())
    with db.session() as s:
        result = ProcessResult(stored_id(get_meeting(s, meeting_id)))
    with runlock.hold(db, meeting_id, run.actor) as run.lease, parts.chosen_source(run, mode):
        if run.path.is_file() and not run.replacing:
            run.recording = find_recording(db, meeting_id, sha256_file(run.path))
        try:
            for stage, compute in STEPS:
                if run.done(stage):
                    result.stages.append(StageResult(stage, "skipped", 0.0, "done before"))
                    continue
                if stage == "transcribe":
                    compute = overlap.alongside(compute)
                if not _stage(run, stage, compute, result):
                    break
        finally:
            overlap.settle(run, wait=sys.exc_info()[0] not in (KeyboardInterrupt, SystemExit))
            _fill_ids(db, run.recording, result)
            result.warnings = run.warnings
    return result


def redraft(
    db: Database, engines: Engines, meeting_id: int, reporter: Reporter | None = None
) -> ProcessResult:
    """Draft the meeting's minutes again from its stored transcript, with the speaker names as they are now: the
    summarise stage alone, behind the consent gate, holding the meeting's run lease. The new draft replaces the
    one under review (minutes.review.redraft: never approved or released minutes)."""
    from minutes.review import redraft as rules

    rec = require_recording(db, meeting_id)
    with db.session() as s:
        rules.check(s, meeting_id)
    run = Run(db, engines, meeting_id, Path(rec.original_name), reporter or QuietReporter(), recording=rec)
    if not run.done("diarise"):
        raise StateError(
            f"meeting {meeting_id} has no transcript with its speakers to draft from yet",
            f"run `minutes process {meeting_id} AUDIO` first",
        )
    run.redraft = True
    result = ProcessResult(meeting_id)
    with runlock.hold(db, meeting_id, run.actor) as run.lease:
        try:
            _stage(run, "summarise", summarise, result)
        finally:
            _fill_ids(db, run.recording, result)
    return result


def _stage(run: Run, stage: str, compute, result: ProcessResult) -> bool:
    """One stage, timed and reported; False when the gate stopped it."""
    t0 = time.monotonic()
    run.reporter.start(stage)
    try:
        detail = run_stage(run, stage, compute)
    except Blocked as blocked:
        run.reporter.finish("blocked")
        result.stages.append(StageResult(stage, "blocked", time.monotonic() - t0))
        result.blocked = blocked.message
        return False
    except BaseException:
        run.reporter.finish("failed")
        run.fail()
        raise
    took = time.monotonic() - t0
    run.reporter.finish("done", detail)
    LOG.info("meeting %s stage %s done in %.1fs", run.meeting_id, stage, took)
    voice = run.voice_seconds if stage == "diarise" else None
    result.stages.append(StageResult(stage, "done", took, detail, _peak_rss_mb(), voice))
    return True


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _fill_ids(db: Database, rec: Recording | None, result: ProcessResult) -> None:
    if rec is None:
        return
    result.recording_id, result.audio_seconds = rec.id, rec.duration
    with db.session() as s:
        t = transcript_of(s, stored_id(rec))
        result.transcript_id = t.id if t else None
        d = (
            s.exec(
                select(DraftRow).where(DraftRow.transcript_id == t.id).order_by(col(DraftRow.id).desc())
            ).first()
            if t
            else None
        )
        result.draft_id = d.id if d else None


def attach(db: Database, engines: Engines, meeting_id: int, audio_path: str | Path) -> Recording:
    """The `record` stage alone: check consent, keep the recording in the store (idempotent)."""
    run = Run(db, engines, meeting_id, Path(audio_path), QuietReporter())
    with db.session() as s:
        get_meeting(s, meeting_id)
    with runlock.hold(db, meeting_id, run.actor) as run.lease, parts.chosen_source(run, None):
        run.recording = find_recording(db, meeting_id, run.audio().sha256)
        if run.recording is None or run.recording.path is None:  # none, or its audio deleted
            try:
                run_stage(run, "record", record)
            except Blocked as blocked:
                raise StateError(blocked.message) from None
            except BaseException:
                run.fail()
                raise
    return run.stored


def require_recording(db: Database, meeting_id: int) -> Recording:
    """The meeting's latest stored recording (for commands that work on a processed meeting)."""
    with db.session() as s:
        rec = s.exec(
            select(Recording).where(Recording.meeting_id == meeting_id).order_by(col(Recording.id).desc())
        ).first()
    if rec is None:
        raise StateError(
            f"meeting {meeting_id} has no recording yet", f"run `minutes process {meeting_id} AUDIO`"
        )
    return rec

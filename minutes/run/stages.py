"""The stages of `minutes process`, each split in three: begin behind the gate, compute, commit behind the gate.

`Run.begin` checks consent and records the stage as started in one transaction. The model runs outside any
transaction (it takes minutes) and hands back a writer. `Run.commit` then, in one transaction that locks the
meeting, stores the result only if (1) the stage is still `started` (a withdrawal of any scope, by anyone, marks
it blocked: its input may have just been purged), (2) everyone still holds every scope the result depends on
(`gate.NEEDS`: a diarisation needs record, transcribe and diarise) and (3) this run still holds the meeting's
lease (`minutes.run.runlock`). Otherwise the result is discarded and the stage ends `blocked`.

The writers (`write_*`) are public so that tests can drive a stage with a canned result instead of a model.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import Session, col, select

from minutes.consent import gate
from minutes.consent.errors import ConsentError
from minutes.consent.meetings import get_meeting, lock_meeting, participants_of
from minutes.consent.text import without_controls
from minutes.core.files import atomic_write
from minutes.core.progress import Reporter
from minutes.core.store import Database, files_path
from minutes.core.types import Audio, Draft, Transcript
from minutes.db import DraftRow, DraftStatus, Recording, StageRun, TranscriptRow
from minutes.db.audit import append_event, content_hash
from minutes.db.ids import stored_id
from minutes.engines.llama import Cancelled
from minutes.errors import StateError
from minutes.records.replacement import discard_recordings
from minutes.run import runlock
from minutes.speech import speakers as speaker_names
from minutes.speech.audio import decode
from minutes.speech.transcripts import load_transcript, replace_segments, save_transcript

if TYPE_CHECKING:  # pipeline imports this module
    from minutes.run.pipeline import Engines
    from minutes.run.voices import Voices

Write = Callable[[Session], str]
PART_EVENT = "recording.part"  # a part stitched into the stored recording (minutes.run.parts)


class Blocked(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Run:
    """One `process` call on one meeting: what every stage needs, and the StageRun currently open."""

    db: Database
    engines: Engines  # the loaded models and the run's options and settings
    meeting_id: int
    path: Path
    reporter: Reporter
    recording: Recording | None = None
    open: dict[str, int] = field(default_factory=dict)  # stage -> its StageRun id, while started
    voices: Future[Voices] | None = (
        None  # the diarisation's model work, begun alongside transcription (run.overlap)
    )
    voice_seconds: float | None = None  # how long that work took on its own, wherever it ran
    lease: str | None = None  # the meeting's run lease token, checked at every commit
    copied: Path | None = None  # the recording's copy in the store, until a Recording row holds it
    warnings: list[str] = field(default_factory=list)  # e.g. consent evidence outside the recording
    replacing: str | None = None  # "replace", "add-part": storing discards the old recording (run.parts)
    original_name: str = ""  # the name recorded for the file; default: the file's own name
    part_sha256: str | None = None  # add-part: the part stitched into `path`
    redraft: bool = False  # summarise again: the new draft replaces the one under review (review.redraft)
    _audio: Audio | None = None

    @property
    def actor(self) -> str:
        return self.engines.options.actor

    @property
    def stored(self) -> Recording:
        """The recording the record stage stored: every later stage runs on it."""
        if self.recording is None:
            raise StateError(f"meeting {self.meeting_id} has no stored recording for this run")
        return self.recording

    def audio(self) -> Audio:
        """The recording decoded once, shared by every stage of this run."""
        if self._audio is None:
            self._audio = decode(self.path, self.engines.settings.limits.max_audio_seconds)
        return self._audio

    def forget_audio(self) -> None:
        """Drop the decoded samples (113 MB for 30 minutes), so drafting's memory does not grow with length."""
        self._audio = None

    def begin(self, stage: str) -> None:
        """Check the gate and record the stage as started, in one transaction; Blocked when not allowed.
        A stage begun early (diarisation alongside transcription) is not begun twice."""
        if stage in self.open:
            return
        try:
            with self.db.session() as s:
                rec_id = self.recording.id if self.recording else None
                self.open[stage] = stored_id(
                    gate.begin_stage(s, self.meeting_id, stage, recording_id=rec_id, actor=self.actor)
                )
        except ConsentError as exc:
            raise Blocked(str(exc)) from None

    def commit(self, stage: str, write: Write) -> str:
        """Store a stage's result and mark it done, in one transaction that locks the meeting and checks the
        stage is still running and every scope it depends on is still given; otherwise discard it (Blocked)."""
        try:
            with self.db.session() as s:
                lock_meeting(s, self.meeting_id)
                if self.lease:
                    runlock.check(s, self.meeting_id, self.lease)
                if s.get_one(StageRun, self.open[stage]).status != "started":  # cancelled by a withdrawal
                    del self.open[stage]
                    raise Blocked(f"consent was withdrawn while {stage} ran; its result was discarded")
                decision = gate.check(s, self.meeting_id, stage)
                if not decision.allowed:
                    raise Blocked(
                        f"consent changed while {stage} ran; its result was discarded: "
                        + "; ".join(f"{m.participant} lacks {m.scope} ({m.state})" for m in decision.missing)
                    )
                detail = write(s)
                self._finish(s, stage, "done", detail)
        except Blocked:
            if stage in self.open:
                with self.db.session() as s:
                    self._finish(
                        s, stage, "blocked", "consent changed while it ran; its result was discarded"
                    )
            raise
        return detail

    def fail(self) -> None:
        """Mark every stage still open as failed (an exception is on its way up)."""
        self.close_open("failed", "see the error printed by the command")

    def cancelled(self, stage: str) -> bool:
        """Whether a withdrawal (or another consent change) stopped the stage since it began."""
        with self.db.session() as s:
            return s.get_one(StageRun, self.open[stage]).status != "started"

    def close_open(self, status: str, detail: str) -> None:
        for stage in list(self.open):
            with self.db.session() as s:
                if s.get_one(StageRun, self.open[stage]).status == "started":
                    self._finish(s, stage, status, detail)
            self.open.pop(stage, None)

    def _finish(self, s: Session, stage: str, status: str, detail: str) -> None:
        run = s.get_one(StageRun, self.open.pop(stage))
        gate.finish_stage(s, run, status=status, detail=detail, actor=self.actor)

    def done(self, stage: str) -> bool:
        """Is the stage's result stored and current? A withdrawal can remove a transcript whole, and then
        transcription and every later stage are due again."""
        if self.recording is None:
            return False
        if stage == "record":
            return self.recording.path is not None  # audio deleted by a refusal: stored again
        with self.db.session() as s:
            tr = transcript_of(s, stored_id(self.recording))
            if tr is None:
                return False
            if stage == "summarise":
                return s.exec(select(DraftRow.id).where(DraftRow.transcript_id == tr.id)).first() is not None
            last = {
                name: s.exec(
                    select(func.max(StageRun.id)).where(
                        StageRun.recording_id == self.recording.id,
                        StageRun.stage == name,
                        StageRun.status == "done",
                    )
                ).one()
                for name in ("transcribe", "diarise")
            }
        return stage == "transcribe" or (last["diarise"] or 0) > (last["transcribe"] or 0)

    def drop_unstored_copy(self) -> None:
        """After the record stage: delete the audio copied into the store unless a Recording row holds it."""
        if self.copied is not None and find_recording(self.db, self.meeting_id, self.audio().sha256) is None:
            self.copied.unlink(missing_ok=True)
        self.copied = None


def find_recording(db: Database, meeting_id: int, sha: str) -> Recording | None:
    with db.session() as s:
        return s.exec(
            select(Recording).where(Recording.meeting_id == meeting_id, Recording.sha256 == sha)
        ).first()


def transcript_of(s: Session, recording_id: int) -> TranscriptRow | None:
    return s.exec(
        select(TranscriptRow)
        .where(TranscriptRow.recording_id == recording_id, col(TranscriptRow.deleted_at).is_(None))
        .order_by(col(TranscriptRow.id).desc())
    ).first()


def run_stage(run: Run, stage: str, compute: Callable[[Run], Write]) -> str:
    """Begin behind the gate, compute outside any transaction, commit behind the gate again."""
    if stage == "record":
        run.audio()  # decoding validates the file before anything is stored
    run.begin(stage)
    try:
        return run.commit(stage, compute(run))
    except Blocked:  # found while computing: nothing to commit, the stage ends blocked (if still running)
        run.close_open("blocked", "consent changed while it ran; its result was discarded")
        raise
    finally:
        run.drop_unstored_copy()


# -- compute: each runs its model and returns the writer for its result -----------------------------------------
def record(run: Run) -> Write:
    """Keep a copy of the recording in the store (written to a temporary file, then renamed). A recording whose
    audio a refusal or withdrawal deleted is stored again once consent allows it, unless its minutes were
    released (then retention or a withdrawal deleted it for good)."""
    a = run.audio()
    if run.recording is not None and run.recording.path is None:
        with run.db.session() as s:
            if s.exec(
                select(DraftRow.id).where(
                    DraftRow.meeting_id == run.meeting_id, DraftRow.status == DraftStatus.RELEASED
                )
            ).first():
                raise StateError(
                    f"the audio of meeting {run.meeting_id} was deleted after its minutes were released; "
                    "it is not stored again",
                    "released minutes keep what they rest on as it was when they were released",
                )
    target = files_path(
        run.engines.settings, "recordings", str(run.meeting_id), f"{a.sha256}{run.path.suffix.lower()}"
    )
    atomic_write(target, source=run.path)  # 0600, whatever the umask
    run.copied = target
    return write_recording(run, a, target)


def transcribe(run: Run) -> Write:
    from minutes.speech.transcribe import hotwords_for
    from minutes.speech.transcribe import transcribe as asr_transcribe

    asr = run.engines.asr
    hotwords = None
    if run.engines.options.hotwords:
        with run.db.session() as s:
            names = [p.name for p in participants_of(s, run.meeting_id)]
            hotwords = hotwords_for(names, get_meeting(s, run.meeting_id).title)
    transcript = asr_transcribe(
        asr,
        run.audio(),
        language=run.engines.options.language,
        progress=run.reporter.update,
        hotwords=hotwords,
        detector=run.engines.detector,
        params=run.engines.settings.transcribe,
    )
    spoken = (
        ""
        if asr.multilingual or transcript.language == "en"
        else f"; speech identified as '{transcript.language}', which {asr.name} cannot write"
    )
    return write_transcript(run, transcript, asr.name, f"{asr.name} on {asr.device}{spoken}")


def diarise(run: Run) -> Write:
    """Attribute the transcript's words to the voices found (alongside transcription, or now) and name them."""
    from minutes.run.voices import find_voices, voice_inputs
    from minutes.speech.attribute import attribute

    found = run.voices.result() if run.voices else find_voices(run, *voice_inputs(run))
    run.voices, run.voice_seconds = None, found.seconds
    run.reporter.update(0.9, 1.0)
    with run.db.session() as s:
        row = transcript_of(s, stored_id(run.stored))
        if row is None:  # a withdrawal removed it (words not yet linked to a speaker may be anyone's)
            raise Blocked("consent was withdrawn while diarise ran; the transcript it needs was removed")
        transcript_id = stored_id(row)
        transcript = load_transcript(s, transcript_id)
    attributed = attribute(transcript, found.result.turns, run.engines.settings.speakers)
    return write_diarisation(run, transcript_id, attributed, found.result, found.enrolled, found.moved)


def summarise(run: Run) -> Write:
    from minutes.drafting import progress
    from minutes.drafting.extract import extract
    from minutes.drafting.windows import lines_of
    from minutes.records import series
    from minutes.review.flags import reviewed
    from minutes.speech.language import english_only, mismatch_flag

    run.forget_audio()  # drafting reads only the transcript
    if not run.engines.options.keep_models:
        run.engines.release_speech_models()
    with run.db.session() as s:
        meeting = get_meeting(s, run.meeting_id)
        names = [f"{p.name}:{p.role}" if p.role else p.name for p in participants_of(s, run.meeting_id)]
        row = transcript_of(s, stored_id(run.stored))
        if row is None:  # a withdrawal removed it since the stage began
            raise Blocked("consent was withdrawn while summarise ran; the transcript it needs was removed")
        transcript_id, language, asr_model = stored_id(row), row.language, row.model
        transcript = speaker_names.named_transcript(s, transcript_id)
        decided = reviewed(s, transcript_id)  # a re-draft keeps the reviewers' sensitive-flag decisions
        targets = series.progress_targets(s, run.meeting_id)  # the body's open actions this meeting takes up
    extractor, params = run.engines.extractor, run.engines.settings.drafting
    stopping = getattr(extractor, "stopping", None)  # a withdrawal stops the model within seconds
    try:
        with stopping(lambda: run.cancelled("summarise")) if stopping else nullcontext():
            draft = extract(
                extractor,
                transcript,
                names,
                meeting.date,
                progress=run.reporter.update,
                reviewed=decided,
                params=params,
            )
            heard = progress.outside(lines_of(transcript), draft.flags)  # never a withheld passage
            found = progress.suggest(extractor, heard, targets, params) if targets else {}
    except Cancelled:
        raise Blocked("consent was withdrawn while summarise ran; the model was stopped") from None
    if flag := mismatch_flag(language, asr_model, english_only(asr_model)):
        draft.flags.insert(0, flag)
    write = write_draft(run, transcript_id, draft, extractor.name, f"{extractor.name} on {extractor.device}")

    def write_with_progress(s: Session) -> str:
        said = write(s)
        kept = series.store_suggestions(s, run.meeting_id, {a: x.as_json() for a, x in found.items()})
        return f"{said}, {kept} matters-arising status(es) suggested from the talk" if kept else said

    return write_with_progress


STEPS: tuple[tuple[str, Callable[[Run], Write]], ...] = (
    ("record", record),
    ("transcribe", transcribe),
    ("diarise", diarise),
    ("summarise", summarise),
)


# -- writers: each stores one stage's result inside Run.commit's transaction ------------------------------------
def write_recording(run: Run, a: Audio, target: Path) -> Write:
    def write(s: Session) -> str:
        if run.replacing:  # the old recording goes only as the new one is stored, in one transaction
            discard_recordings(
                s, run.engines.settings, run.meeting_id, run.actor, run.replacing, keep_file=str(target)
            )
        rec = s.get(Recording, run.recording.id) if run.recording is not None else None
        if rec is not None and rec.path is None:  # its audio was deleted: the same recording, stored again
            rec.path, rec.audio_deleted_at = str(target), None
        else:
            rec = Recording(
                meeting_id=run.meeting_id,
                path=str(target),
                original_name=without_controls(run.original_name or run.path.name),
                sha256=a.sha256,
                duration=a.duration,
            )
        s.add(rec)
        s.flush()
        s.get_one(StageRun, run.open["record"]).recording_id = rec.id
        outside = speaker_names.unusable_ranges(s, run.meeting_id, a.duration)
        subject = {"recording": rec.id} | (
            {
                "evidence_outside": [
                    {"participant": r.participant_id, "start": r.start, "end": r.end} for r in outside
                ]
            }
            if outside
            else {}
        )
        append_event(s, "recording.store", run.actor, run.meeting_id, subject, {"audio": a.sha256})
        if run.part_sha256:  # lets a rerun of the same --add-part resume instead of stitching it twice
            append_event(
                s,
                PART_EVENT,
                run.actor,
                run.meeting_id,
                {"recording": rec.id},
                {"part": run.part_sha256, "whole": a.sha256},
            )
        run.recording = rec
        run.warnings += [speaker_names.outside_warning(r, a.duration) for r in outside]
        return f"{a.duration:.1f}s of audio"

    return write


def write_transcript(run: Run, transcript: Transcript, model: str, label: str) -> Write:
    def write(s: Session) -> str:
        row = save_transcript(s, run.meeting_id, stored_id(run.stored), transcript, model)
        append_event(
            s,
            "transcript.store",
            run.actor,
            run.meeting_id,
            {"recording": run.stored.id, "transcript": row.id, "language": transcript.language},
            {"transcript": content_hash(transcript.model_dump(mode="json"))},
        )
        return f"{len(transcript.segments)} segments, {label}"

    return write


def write_diarisation(
    run: Run, transcript_id: int, attributed: Transcript, result, enrolled: list, moved: int
) -> Write:
    rec_id = stored_id(run.stored)

    def write(s: Session) -> str:
        replace_segments(s, transcript_id, attributed)
        params = run.engines.settings.speakers
        named = speaker_names.store_diarisation(s, run.meeting_id, rec_id, result, enrolled, params)
        talked, suggested = speaker_names.name_from_talk(
            s, run.meeting_id, rec_id, attributed, run.actor, params
        )
        append_event(
            s,
            "diarisation.store",
            run.actor,
            run.meeting_id,
            {
                "recording": rec_id,
                "transcript": transcript_id,
                "speakers": len(result.centroids),
                "turns_moved_by_voice": moved,
            },
            {"transcript": content_hash(attributed.model_dump(mode="json"))},
        )
        note = f", {moved} turn(s) moved to the enrolled voice they match" if moved else ""
        note += f", {talked} named from the talk" if talked else ""
        note += f", {suggested} name(s) from the talk to check" if suggested else ""
        return f"{len(result.centroids)} speakers, {named} named by enrolment{note}"

    return write


def write_draft(run: Run, transcript_id: int, draft: Draft, model: str, label: str) -> Write:
    from minutes.review import create_draft, redraft

    def write(s: Session) -> str:
        row = create_draft(s, run.meeting_id, transcript_id, draft, model, actor=run.actor)
        replaced = redraft.replace(s, run.meeting_id, row, run.actor) if run.redraft else []
        instead = f", replacing draft {', '.join(map(str, replaced))}" if replaced else ""
        return (
            f"draft {row.id}: {len(draft.decisions)} decisions, {len(draft.actions)} actions, "
            f"{len(draft.flags)} flags, {label}{instead}"
        )

    return write

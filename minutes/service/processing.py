"""Processing recordings for a front end: the whole chain on one meeting (`process`), storing a recording alone
(`attach`), naming speakers by hand and drafting again with their names (`redraft`), and a batch run here
(`minutes batch` without --enqueue).

The chain itself is `minutes.run` (the pipeline, its stages and the batch runner); these functions check the
options first, so a bad one is refused before any stage runs, and take a `Ctx` like the rest of the service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from minutes import review
from minutes.core.config import Settings
from minutes.core.logs import setup_logging
from minutes.core.progress import Both, QuietReporter, Reporter
from minutes.db.ids import stored_id
from minutes.errors import UsageError
from minutes.review.redraft import Advice
from minutes.run.batch import BatchSummary, JobOutcome, run_batch, sweep_temp_files
from minutes.run.pipeline import Engines, Options, ProcessResult, require_recording
from minutes.run.pipeline import attach as attach_recording
from minutes.run.pipeline import process as run_process
from minutes.run.pipeline import redraft as run_redraft
from minutes.run.preflight import check_options
from minutes.run.stages import transcript_of
from minutes.service import jobs
from minutes.service.context import Ctx
from minutes.speech import speakers

__all__ = [
    "Attached",
    "BatchSummary",
    "JobOutcome",
    "Options",
    "ProcessResult",
    "attach",
    "batch",
    "checked",
    "prepare",
    "process",
    "redraft",
    "redraft_advice",
    "speaker_names",
]


@dataclass(frozen=True)
class Attached:
    meeting_id: int
    recording_id: int
    sha256: str
    duration: float
    warnings: list[str]  # consent evidence time ranges the recording does not cover


def checked(settings: Settings, options: Options) -> Options:
    """The options with the configured device filled in, once every one is checked (UsageError or ModelError
    naming the first a stage would reject), so nothing runs or is swept on a bad option."""
    options.device = options.device or settings.device
    check_options(
        settings,
        options.model,
        options.device,
        options.compute_type,
        options.language,
        options.num_speakers,
    )
    return options


def prepare(settings: Settings) -> None:
    """Before a run: log to the log folder, and sweep the temporary files a crashed run left behind."""
    setup_logging(settings.log_dir)
    sweep_temp_files(settings.files_dir)


def process(
    ctx: Ctx,
    meeting_id: int,
    audio: str | Path,
    options: Options,
    reporter: Reporter | None = None,
    mode: str | None = None,
    job_id: int | None = None,
) -> ProcessResult:
    """Every stage not yet done for the meeting, each behind the consent gate (see minutes.run.pipeline).

    A run for a job already queued (the web app's worker) passes its `job_id` and reports to it itself; any
    other run (the command line, the demo) keeps a job row of its own up to date, so the web app shows it."""
    engines = Engines(ctx.settings, options)
    return _tracked(
        ctx, meeting_id, audio, options.actor, reporter, job_id,
        lambda shown: run_process(ctx.db, engines, meeting_id, audio, shown, mode=mode),
    )  # fmt: skip


def redraft(
    ctx: Ctx,
    meeting_id: int,
    options: Options,
    reporter: Reporter | None = None,
    job_id: int | None = None,
) -> ProcessResult:
    """Draft the minutes again from the stored transcript, with the speakers as they are named now, replacing
    the draft under review (minutes.run.pipeline.redraft; never approved or released minutes). Tracked as
    `process` is."""
    engines = Engines(ctx.settings, options)
    return _tracked(
        ctx, meeting_id, jobs.REDRAFT_SOURCE, options.actor, reporter, job_id,
        lambda shown: run_redraft(ctx.db, engines, meeting_id, shown),
    )  # fmt: skip


def redraft_advice(ctx: Ctx, meeting_id: int) -> Advice | None:
    """Were speakers named after the meeting's latest draft was made (so a redraft would use their names)?"""
    with ctx.tx() as s:
        return review.redraft.advice(s, meeting_id)


def _tracked(
    ctx: Ctx,
    meeting_id: int,
    source: str | Path,
    actor: str,
    reporter: Reporter | None,
    job_id: int | None,
    work: Callable[[Reporter], ProcessResult],
) -> ProcessResult:
    """Run `work`; a run with no job of its own (the command line) keeps one up to date (jobs.CommandLineJob)."""
    if job_id is not None:
        return work(reporter or QuietReporter())
    job = jobs.CommandLineJob(ctx, meeting_id, source, actor)
    try:
        result = work(Both(reporter or QuietReporter(), job))
    except BaseException as exc:
        job.end(error=exc)
        raise
    job.end(blocked=result.blocked)
    return result


def attach(ctx: Ctx, meeting_id: int, audio: str | Path, actor: str) -> Attached:
    """The `record` stage alone: the recording kept in the store (idempotent), ready for a batch."""
    rec = attach_recording(ctx.db, Engines(ctx.settings, Options(actor=actor)), meeting_id, audio)
    with ctx.tx() as s:
        warnings = [
            speakers.outside_warning(r, rec.duration)
            for r in speakers.unusable_ranges(s, rec.meeting_id, rec.duration)
        ]
    return Attached(rec.meeting_id, stored_id(rec), rec.sha256, rec.duration, warnings)


def speaker_names(
    ctx: Ctx,
    meeting_id: int,
    pairs: Sequence[str],
    actor: str,
    accept: Sequence[str] = (),
    unname: Sequence[str] = (),
) -> list[speakers.SpeakerView]:
    """Each speaker label of the meeting's latest recording: its name, how it was named, and what the talk
    says. First, in one transaction (each step audited): `unname` labels become "Speaker N" again (a wrong
    name undone, the talk's suggestion dismissed), `accept` labels take the name the talk suggests, and
    `pairs` ("LABEL=NAME") name labels by hand (the participant must be in the meeting and recorded)."""
    rec_id = stored_id(require_recording(ctx.db, meeting_id))
    names = {}
    for pair in pairs:
        label, sep, name = pair.partition("=")
        if not sep or not label.strip() or not name.strip():
            raise UsageError(f"--name takes LABEL=NAME, got {pair!r}")
        names[label.strip()] = name.strip()
    with ctx.tx() as s:
        for label in unname:
            speakers.unname(s, meeting_id, rec_id, label.strip(), actor)
        for label in accept:
            speakers.accept_talk(s, meeting_id, rec_id, label.strip(), actor)
        if names:
            speakers.set_names(s, meeting_id, rec_id, names, actor)
        tr = transcript_of(s, rec_id)
        return speakers.speaker_views(s, rec_id, tr.id if tr else None)


def batch(
    ctx: Ctx,
    source: Path,
    options: Options,
    resume: bool = False,
    reporter_for: Callable[[str], Reporter] | None = None,
    on_job: Callable[[JobOutcome, int, int], None] | None = None,
    workers: int = 1,
) -> BatchSummary:
    """A manifest or folder of recordings processed here, models loaded once (see minutes.run.batch)."""
    return run_batch(
        ctx.db,
        Engines(ctx.settings, options),
        source,
        resume=resume,
        reporter_for=reporter_for,
        on_job=on_job,
        workers=workers,
    )

"""`minutes process`, `minutes attach`, `minutes speakers`, `minutes redraft`, `minutes batch` and
`minutes demo`."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from minutes.cli.app import MEETING, App, console, emit_json, json_option, pass_app
from minutes.consent.timespec import clock


def _reporter(as_json: bool, prefix: str = ""):
    from minutes.core.progress import PlainReporter, RichReporter, terminal

    if terminal() and not as_json:
        return RichReporter(prefix=prefix)
    return PlainReporter(prefix=prefix)


def _options(app: App, no_overlap: bool, keep_models: bool = False, **model_options):
    """The run's options (`model_options` as the decorator gives them), once every one has been checked: a bad
    one must be refused before any stage runs."""
    from minutes.service import processing

    return processing.checked(
        app.settings,
        processing.Options(**model_options, keep_models=keep_models, overlap=not no_overlap),
    )


def _prepare(app: App) -> None:
    from minutes.service import processing

    processing.prepare(app.settings)


_model_options = [
    click.option("--model", help="ASR model: a registered name (whisper-tiny.en, whisper-base) or a folder."),
    click.option("--compute-type", help="CTranslate2 compute type (default: float16 on CUDA, int8 on CPU)."),
    click.option("--language", help="Force the spoken language (default: detect; tiny.en is English only)."),
    click.option(
        "--num-speakers",
        type=click.IntRange(min=1),
        help="Exact number of speakers (default: at most the number of participants).",
    ),
    click.option(
        "--by", "actor", default="minutes", show_default=True, help="Who runs it (for the audit log)."
    ),
    click.option(
        "--hotwords",
        is_flag=True,
        help="Prompt speech recognition with the title and participants' "
        "names (names come out right more often, other words less: see the README).",
    ),
    click.option(
        "--no-overlap",
        is_flag=True,
        help="Diarise after transcription instead of alongside it (slower on the CPU; less memory at once).",
    ),
]


def model_options(fn):
    for option in reversed(_model_options):
        fn = option(fn)
    return fn


@click.command("process")
@click.argument("meeting", type=MEETING)
@click.argument("audio", type=click.Path(dir_okay=False))
@click.option(
    "--replace",
    "mode",
    flag_value="replace",
    help="The meeting has a recording: discard it with its transcript and draft (audited), and start over on "
    "AUDIO. Not once the minutes are released.",
)
@click.option(
    "--add-part",
    "mode",
    flag_value="add-part",
    help="The meeting was recorded in parts: append AUDIO to its recording and start over on the whole.",
)
@model_options
@json_option
@pass_app
def process_cmd(app: App, meeting, audio, mode, as_json, **model):
    """Run the whole chain on one meeting's recording, each stage behind the consent gate.

    Stops at the first stage someone has not consented to, keeping what earlier stages produced; rerun it after
    consent is given and it resumes from there without redoing finished stages. A meeting has one recording: a
    different file is refused unless --replace or --add-part says what it is.
    """
    from minutes.service import processing

    options = _options(app, **model)
    _prepare(app)
    reporter = _reporter(as_json)
    with reporter if hasattr(reporter, "__enter__") else nullcontext():
        result = processing.process(app.ctx(), meeting, audio, options, reporter, mode=mode)
    if as_json:
        emit_json(result.to_json())
    else:
        _print_result(result)
    if result.blocked:
        raise SystemExit(5)


def _print_result(result) -> None:
    out = console()
    for s in result.stages:
        out.print(f"{s.stage:<11} {s.status:<8} {s.seconds:6.1f}s  {s.detail}")
    for warning in result.warnings:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    if result.blocked:
        out.print(f"[red]blocked:[/red] {escape(result.blocked)}")
    elif result.draft_id:
        out.print(f"draft {result.draft_id} is pending review: `minutes review show {result.draft_id}`")


@click.command("attach")
@click.argument("meeting", type=MEETING)
@click.argument("audio", type=click.Path(dir_okay=False))
@click.option("--by", "actor", default="minutes", show_default=True)
@json_option
@pass_app
def attach_cmd(app: App, meeting, audio, actor, as_json):
    """Store a recording for a meeting (the `record` stage alone), ready for `minutes batch DIR`."""
    from minutes.service import processing

    _prepare(app)
    rec = processing.attach(app.ctx(), meeting, audio, actor)
    if as_json:
        emit_json(
            {
                "meeting": rec.meeting_id,
                "recording": rec.recording_id,
                "sha256": rec.sha256,
                "duration": rec.duration,
                "warnings": rec.warnings,
            }
        )
    else:
        click.echo(f"recording {rec.recording_id} stored for meeting {rec.meeting_id} ({rec.duration:.1f}s)")
        for warning in rec.warnings:
            click.echo(f"warning: {warning}")


@click.command("speakers")
@click.argument("meeting", type=MEETING)
@click.option(
    "--name",
    "pairs",
    multiple=True,
    metavar="LABEL=NAME",
    help="Name a speaker by hand, e.g. --name SPEAKER_00=Priya (repeatable).",
)
@click.option(
    "--accept",
    multiple=True,
    metavar="LABEL",
    help="Name a speaker as the talk suggests (repeatable).",
)
@click.option(
    "--unname",
    multiple=True,
    metavar="LABEL",
    help='Make a speaker "Speaker N" again: undo a wrong name, dismiss the talk\'s suggestion (repeatable).',
)
@click.option("--by", "actor", default="minutes", show_default=True)
@json_option
@pass_app
def speakers_cmd(app: App, meeting, pairs, accept, unname, actor, as_json):
    """Show who each speaker is and how that is known, with the lines of the talk that name them; name
    speakers by hand, accept what the talk suggests, or undo a name. Unnamed speakers stay "Speaker N"."""
    from minutes.service import processing

    views = processing.speaker_names(app.ctx(), meeting, pairs, actor, accept, unname)
    if as_json:
        emit_json({v.label: _speaker_json(v) for v in views})
        return
    how = {"voice": "voice sample", "talk": "named from the talk", "hand": "named by hand"}
    for v in views:
        line = f"{v.label} = {v.name}"
        if v.suggested:
            line += f"; the talk suggests {v.talk} (accept: --accept {v.label})"
        elif v.named_by == "talk":
            line += f" ({how['talk']}; undo: --unname {v.label})"
        elif v.named_by:
            line += f" ({how[v.named_by]}" + (
                f"; the talk said {v.talk})" if v.talk and v.talk != v.name else ")"
            )
        click.echo(line)
        for cue in v.lines:
            said = _quote(cue.text)
            answer = (
                ""
                if cue.answer_start == cue.start
                else f" -> {clock(cue.answer_start)} {v.name}: {_quote(cue.answer_text)}"
            )
            click.echo(f"    {cue.kind:<10} {clock(cue.start)} {said}{answer}")
    if (pairs or accept or unname) and (advice := processing.redraft_advice(app.ctx(), meeting)):
        click.echo(redraft_hint(meeting, advice))


def _quote(text: str | None) -> str:
    return f"\u201c{text}\u201d" if text is not None else "(transcript deleted)"


def _speaker_json(v) -> dict:
    return {
        "name": v.name,
        "named_by": v.named_by,
        "talk": v.talk
        and {
            "name": v.talk,
            "applied": not v.suggested and v.named_by == "talk",
            "lines": [asdict(c) for c in v.lines],
        },
    }


def redraft_hint(meeting: int, advice) -> str:
    """Why and how to draft again, once speakers were named after the draft was made."""
    said = (
        f"draft {advice.draft_id} was made before {advice.named} speaker name(s) were given: its owners and "
        'names may still say "Speaker N"'
    )
    if not advice.possible:
        return f"note: {said}; it is {advice.status}, so it is not drafted again."
    lost = " (the reviewer's changes to it are not kept)" if advice.status == "in_review" else ""
    return f"note: {said}. Draft it again with `minutes redraft {meeting}`: it replaces draft {advice.draft_id}{lost}."


@click.command("redraft")
@click.argument("meeting", type=MEETING)
@click.option("--by", "actor", default="minutes", show_default=True, help="Who runs it (for the audit log).")
@json_option
@pass_app
def redraft_cmd(app: App, meeting, actor, as_json):
    """Draft the minutes again from the stored transcript, with the speakers as they are named now.

    After `minutes speakers --name` (or naming them on the review page) the draft still says what it said when
    the voices were "Speaker N". The new draft replaces the one waiting for review, which is kept on record as
    rejected; approved or released minutes are never replaced. Only the drafting stage runs (a minute or two),
    behind the consent gate.
    """
    from minutes.service import processing

    _prepare(app)
    options = processing.Options(actor=actor, device=app.settings.device)
    reporter = _reporter(as_json)
    with reporter if hasattr(reporter, "__enter__") else nullcontext():
        result = processing.redraft(app.ctx(), meeting, options, reporter)
    if as_json:
        emit_json(result.to_json())
    else:
        _print_result(result)
    if result.blocked:
        raise SystemExit(5)


@click.command("batch")
@click.argument("source", type=click.Path(exists=False))
@click.option(
    "--resume", is_flag=True, help="Finish a batch that was started before (after a crash or a fix)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Worker processes, each with its own models. On 2 cores 1 is fastest (see the README).",
)
@click.option(
    "--enqueue",
    is_flag=True,
    help="Queue the jobs for `minutes worker` processes (PostgreSQL and [store] shared) instead of running them.",
)
@model_options
@json_option
@pass_app
def batch_cmd(app: App, source, resume, workers, enqueue, as_json, **model):
    """Process a CSV manifest (file,title,date,participants[,consent_evidence,...]) or a folder of attached files.

    Models load once for the whole batch. A file that fails is recorded with its reason and the batch goes on.
    Exit code: 0 all done, 6 partly done, 7 none done. With --enqueue: registers the meetings, copies the
    recordings to the shared folder once everyone present consents to recording, and queues them; `minutes jobs`
    follows them (exit code: 0 all queued, 6 some, 7 none).
    """
    from minutes.service import processing

    if enqueue:
        _enqueue(app, Path(source), model["actor"], resume, as_json)
        return

    options = _options(app, keep_models=True, **model)
    _prepare(app)
    out = console()

    def on_job(outcome, n, total):
        if not as_json:
            out.print(
                f"\\[{n}/{total}] {escape(Path(outcome.source).name)}: {outcome.status}"
                + (f" ({escape(outcome.reason)})" if outcome.reason else "")
            )

    summary = processing.batch(
        app.ctx(),
        Path(source),
        options,
        resume=resume,
        reporter_for=lambda name: _reporter(True, prefix=f"{name}: "),
        on_job=on_job,
        workers=workers,
    )
    if as_json:
        emit_json(summary.to_json())
    else:
        _print_batch(out, summary)
    if summary.exit_code:
        raise SystemExit(summary.exit_code)


def _enqueue(app: App, source: Path, actor, resume: bool, as_json: bool) -> None:
    """`batch --enqueue`: register the meetings, copy the recordings to the shared folder and queue them."""
    from minutes.service.queue import enqueue_batch

    _prepare(app)
    done = enqueue_batch(app.ctx(), source, actor, resume=resume)
    if as_json:
        emit_json({"batch": done.batch, "jobs": done.jobs})
    else:
        for j in done.jobs:
            click.echo(
                f"job {j['job']}: {Path(j['source']).name} {j['status']}"
                + (f" ({j['reason']})" if j.get("reason") else "")
            )
    if done.exit_code:
        raise SystemExit(done.exit_code)


def _print_batch(out, summary) -> None:
    table = Table("job", "file", "status", "meeting", "draft", "reason", title=f"batch {summary.batch}")
    for o in summary.outcomes:
        table.add_row(
            str(o.job_id),
            escape(Path(o.source).name),
            o.status,
            str(o.meeting_id or ""),
            str(o.draft_id or ""),
            escape(o.reason or ""),
        )
    out.print(table)
    out.print(
        f"done {summary.count('done')}, blocked by consent {summary.count('blocked')}, "
        f"failed {summary.count('failed')}"
    )


@click.command("worker")
@click.option("--queue", help="The queue to take jobs from (default: [queue] name, `minutes`).")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Jobs at once (each with its own models). On 2 cores, 1.",
)
@click.option("--name", help="This worker's name in `minutes jobs` (default: host:pid).")
@click.option("--model", help="ASR model: a registered name or a folder (default: the configured one).")
@pass_app
def worker_cmd(app: App, queue, concurrency, name, model):
    """Take queued jobs from the PostgreSQL database until stopped (Ctrl-C finishes the running job first).

    Models load once, on the first job. Run one on each machine that mounts the shared folder. A job whose
    worker died is retried by another one; a meeting's jobs never run at once.
    """
    from minutes.service.processing import Options
    from minutes.service.queue import run_worker

    _prepare(app)
    run_worker(
        app.settings,
        queue=queue,
        concurrency=concurrency,
        name=name,
        options=Options(model=model, device=app.settings.device),
    )


@click.command("jobs")
@click.option("--batch", "batch_name", help="Only this batch's jobs.")
@json_option
@pass_app
def jobs_cmd(app: App, batch_name, as_json):
    """Processing jobs: state, stage, worker, attempts, error and seconds per stage, and the queue depth."""
    from minutes.service.joblist import list_jobs

    rows, depth = list_jobs(app.ctx(), batch_name)
    if as_json:
        emit_json({"jobs": [r.to_json() for r in rows], "queue": depth})
        return
    table = Table("job", "meeting", "status", "stage", "worker", "tries", "seconds per stage", "reason")
    for r in rows:
        table.add_row(
            str(r.id),
            str(r.meeting_id or ""),
            r.status,
            r.stage or "",
            escape(r.worker or ""),
            str(r.attempts),
            " ".join(f"{k} {'…' if v is None else v}" for k, v in r.stages.items()),
            escape(r.reason or ""),
        )
    out = console()
    out.print(table)
    if depth:
        out.print("queue: " + ", ".join(f"{k} {v}" for k, v in sorted(depth.items())))


@click.command("demo")
@pass_app
def demo_cmd(app: App):
    """Run the main job on the bundled demo meeting (a 98 s science department meeting) and show the draft."""
    from minutes.cli.demo import run_demo

    _prepare(app)
    run_demo(app, console())

"""`minutes transcribe AUDIO` and `minutes diarise AUDIO`: one stage on one file, printed to stdout, nothing stored."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from minutes.cli.app import App, emit_json, json_option, pass_app
from minutes.cli.meeting_cmd import actor


@contextmanager
def _progress(total: float) -> Iterator[Callable[[float, float], None] | None]:
    """A progress callback drawing a bar on stderr when a person watches; None otherwise (pipes, logs)."""
    from minutes.core.progress import terminal

    if not terminal():
        yield None
        return
    with click.progressbar(length=max(1, round(total)), label="transcribing", file=sys.stderr) as bar:
        shown = 0

        def update(done: float, _total: float) -> None:
            nonlocal shown
            if round(done) > shown:
                bar.update(round(done) - shown)
                shown = round(done)

        yield update


@click.command("transcribe")
@click.argument("audio", type=click.Path(path_type=Path))
@click.option(
    "--model", help="ASR model: a registered name (whisper-tiny.en, whisper-base) or a model folder."
)
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Where the model runs (default: auto)."
)
@click.option("--compute-type", help="CTranslate2 compute type (default: float16 on CUDA, int8 on CPU).")
@click.option(
    "--language", help="Spoken language code, e.g. en, de (default: detect; English-only models: en)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "srt", "vtt", "txt"]),
    default="txt",
    show_default=True,
    help="Output format.",
)
@json_option
@pass_app
def transcribe_cmd(
    app: App,
    audio: Path,
    model: str | None,
    device: str | None,
    compute_type: str | None,
    language: str | None,
    fmt: str,
    as_json: bool,
) -> None:
    """Transcribe one recording with speech recognition alone and print it (nothing is stored)."""
    from minutes.service import standalone

    asr = standalone.AsrChoice(model, device, compute_type, language)
    done = standalone.transcribe_file(app.ctx(), audio, actor(), asr, _progress)
    if done.warning:
        click.echo(f"warning: {done.warning}", err=True)
    click.echo(standalone.render(done.transcript, "json" if as_json else fmt), nl=False)


@click.command("diarise")
@click.argument("audio", type=click.Path(path_type=Path))
@click.option("--num-speakers", type=click.IntRange(min=1), help="Exact number of speakers, when known.")
@click.option("--min-speakers", type=click.IntRange(min=1), help="At least this many speakers.")
@click.option("--max-speakers", type=click.IntRange(min=1), help="At most this many speakers.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["rttm", "json"]),
    default="rttm",
    show_default=True,
    help="Output format.",
)
@json_option
@pass_app
def diarise_cmd(
    app: App,
    audio: Path,
    num_speakers: int | None,
    min_speakers: int | None,
    max_speakers: int | None,
    fmt: str,
    as_json: bool,
) -> None:
    """Find who spoke when in one recording and print the speaker turns (nothing is stored)."""
    from minutes.service import standalone

    result = standalone.diarise_file(app.ctx(), audio, actor(), num_speakers, min_speakers, max_speakers)
    if as_json or fmt == "json":
        emit_json(
            {
                "duration": result.duration,
                "speakers": result.speakers,
                "turns": [{"start": t.start, "end": t.end, "speaker": t.speaker} for t in result.turns],
            }
        )
    else:
        click.echo(standalone.to_rttm(result.turns, uri=audio.stem), nl=False)

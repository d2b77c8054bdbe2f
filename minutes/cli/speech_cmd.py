"""`minutes transcribe AUDIO` and `minutes diarise AUDIO`: one stage on one file, printed to stdout, nothing stored."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from minutes.cli.app import App, json_option, pass_app
from minutes.core.progress import terminal
from minutes.core.types import Audio

log = logging.getLogger(__name__)


def _ran(app: App, command: str, audio: Audio, model: str) -> None:
    """The one place a single-stage run is recorded, in the audit chain and the log: file hash, duration and
    model, never what was said."""
    from minutes.cli.meeting_cmd import actor
    from minutes.db.audit import append_event

    with app.session() as s:
        append_event(
            s,
            f"{command}.run",
            actor(),
            subject={"duration": round(audio.duration, 2), "model": model},
            hashes={"audio": audio.sha256},
        )
    log.info("%s ran on sha256=%s duration=%.1fs", command, audio.sha256, audio.duration)


@contextmanager
def _progress(total: float) -> Iterator[Callable[[float, float], None] | None]:
    """A progress callback drawing a bar on stderr when a person watches; None otherwise (pipes, logs)."""
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
    from minutes.engines.asr import load_asr
    from minutes.run.preflight import check_language
    from minutes.speech.audio import decode
    from minutes.speech.formats import render
    from minutes.speech.language import load_detector, mismatch_flag
    from minutes.speech.transcribe import transcribe

    check_language(language)
    decoded = decode(audio, app.settings.limits.max_audio_seconds)
    engine = load_asr(app.settings, model=model, device=device, compute_type=compute_type)
    detector = load_detector(app.settings, engine, language, device)
    with _progress(decoded.duration) as update:
        transcript = transcribe(engine, decoded, language=language, progress=update, detector=detector)
    _ran(app, "transcribe", decoded, engine.name)
    if flag := mismatch_flag(transcript.language, engine.name, not engine.multilingual):
        click.echo(f"warning: {flag.reason}", err=True)
    click.echo(render(transcript, "json" if as_json else fmt), nl=False)


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
    from minutes.cli.app import emit_json
    from minutes.engines.diarisation import load_diarisation
    from minutes.speech.audio import decode
    from minutes.speech.diarise import diarise
    from minutes.speech.formats import to_rttm

    decoded = decode(audio, app.settings.limits.max_audio_seconds)
    engine = load_diarisation(app.settings)
    result = diarise(
        engine, decoded, num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers
    )
    _ran(
        app, "diarise", decoded, app.settings.models.diarisation_pipeline or app.settings.models.segmentation
    )
    if as_json or fmt == "json":
        emit_json(
            {
                "duration": decoded.duration,
                "speakers": result.speakers,
                "turns": [{"start": t.start, "end": t.end, "speaker": t.speaker} for t in result.turns],
            }
        )
    else:
        click.echo(to_rttm(result.turns, uri=audio.stem), nl=False)

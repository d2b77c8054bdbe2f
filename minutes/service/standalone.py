"""One stage on one file, outside any meeting, nothing stored: `minutes transcribe`, `minutes diarise` and
`minutes extract`. The audit chain records that each ran (the file's hash, the model, the duration), never
what was said.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from minutes.core import audit
from minutes.core.types import Audio, Draft, SpeakerTurn, Transcript
from minutes.drafting.extract import extract, read_transcript
from minutes.drafting.markdown import markdown
from minutes.engines.asr import load_asr
from minutes.engines.diarisation import load_diarisation
from minutes.engines.extractor import load_extractor
from minutes.run.preflight import check_language
from minutes.service.context import Ctx
from minutes.speech.audio import decode
from minutes.speech.diarise import check_counts, diarise
from minutes.speech.formats import render, to_rttm
from minutes.speech.language import load_detector, mismatch_flag
from minutes.speech.transcribe import transcribe

__all__ = ["AsrChoice", "diarise_file", "extract_file", "markdown", "render", "to_rttm", "transcribe_file"]

LOG = logging.getLogger("minutes.service.standalone")
Progress = Callable[[float, float], None]


@dataclass(frozen=True)
class AsrChoice:
    """The speech recognition options of one run; None: the configured model and device, the detected
    language."""

    model: str | None = None
    device: str | None = None
    compute_type: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Transcribed:
    transcript: Transcript
    warning: str | None  # the spoken language does not suit the model


@dataclass(frozen=True)
class Diarised:
    duration: float
    speakers: list[str]
    turns: list[SpeakerTurn]


def _ran(ctx: Ctx, command: str, audio: Audio, model: str, actor: str) -> None:
    """The one place a single-stage run on audio is recorded, in the audit chain and the log."""
    with ctx.tx() as s:
        audit.record(
            s,
            f"{command}.run",
            actor,
            subject={"duration": round(audio.duration, 2), "model": model},
            hashes={"audio": audio.sha256},
        )
    LOG.info("%s ran on sha256=%s duration=%.1fs", command, audio.sha256, audio.duration)


def transcribe_file(
    ctx: Ctx,
    path: Path,
    actor: str,
    asr: AsrChoice,
    progress: Callable[[float], AbstractContextManager[Progress | None]],
) -> Transcribed:
    """Speech recognition alone on one recording; `progress(duration)` opens what shows the progress (a bar,
    or nothing), once the audio is decoded and the models loaded."""
    check_language(asr.language)
    decoded = decode(path, ctx.settings.limits.max_audio_seconds)
    engine = load_asr(ctx.settings, model=asr.model, device=asr.device, compute_type=asr.compute_type)
    detector = load_detector(ctx.settings, engine, asr.language, asr.device)
    with progress(decoded.duration) as update:
        transcript = transcribe(
            engine,
            decoded,
            language=asr.language,
            progress=update,
            detector=detector,
            params=ctx.settings.transcribe,
        )
    _ran(ctx, "transcribe", decoded, engine.name, actor)
    flag = mismatch_flag(transcript.language, engine.name, not engine.multilingual)
    return Transcribed(transcript, flag.reason if flag else None)


def diarise_file(
    ctx: Ctx,
    path: Path,
    actor: str,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
) -> Diarised:
    """Who spoke when in one recording; the speaker counts, when given, bound the clustering."""
    params = ctx.settings.speakers
    check_counts(num_speakers, min_speakers, max_speakers, params.max_speakers)  # before the models load
    decoded = decode(path, ctx.settings.limits.max_audio_seconds)
    result = diarise(
        load_diarisation(ctx.settings),
        decoded,
        num_speakers=num_speakers,
        min_speakers=min_speakers,
        max_speakers=max_speakers,
        params=params,
    )
    models = ctx.settings.models
    _ran(ctx, "diarise", decoded, models.diarisation_pipeline or models.segmentation, actor)
    return Diarised(decoded.duration, result.speakers, result.turns)


def extract_file(
    ctx: Ctx,
    path: str,
    names: list[str],
    day: date | None,
    actor: str,
    model: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Draft:
    """Decisions, actions and flags drafted from a transcript JSON file (unreviewed)."""
    started = time.perf_counter()
    text = read_transcript(path)
    engine = load_extractor(ctx.settings, model=model)
    draft = extract(engine, text, names, day, progress=progress, params=ctx.settings.drafting)
    with ctx.tx() as s:
        audit.record(
            s,
            "extract.run",
            actor,
            content={"transcript": Path(path).read_bytes()},
            subject={
                "model": engine.name,
                "backend": engine.backend,
                "seconds": round(time.perf_counter() - started, 1),
            },
        )
    return draft

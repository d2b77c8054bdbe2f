"""Check every processing option before any stage runs, so a bad one is refused with nothing stored.

A bad `--language` used to surface in the transcribe stage, after the record stage had stored the audio. Each
check resolves what a stage would load (the ASR model and device, the diarisation and extraction models) without
loading it, so the whole check takes well under a second.
"""

from __future__ import annotations

from minutes.core.config import Settings
from minutes.errors import UsageError


def languages() -> tuple[str, ...]:
    """The language codes faster-whisper accepts for `language=` (its own list)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


def check_language(language: str | None) -> None:
    """UsageError unless `language` is None (detect) or a code faster-whisper accepts."""
    if language is not None and language not in languages():
        raise UsageError(
            f"unknown language '{language[:20]}'",
            f"use a lowercase code faster-whisper knows, e.g. en, de, fr, cy ({len(languages())} in all)",
        )


def check_options(
    settings: Settings,
    model: str | None,
    device: str | None,
    compute_type: str | None,
    language: str | None,
    num_speakers: int | None,
) -> None:
    """UsageError or ModelError for the first option (or configured model) that a stage would reject."""
    from minutes.engines.asr import is_multilingual, pick_device, resolve_model
    from minutes.engines.diarisation import resolve_diarisation
    from minutes.engines.extractor import resolve_extractor

    check_language(language)
    limit = settings.speakers.max_speakers
    if num_speakers is not None and not 1 <= num_speakers <= limit:
        raise UsageError(f"--num-speakers must be from 1 to {limit}, got {num_speakers}")
    name, folder = resolve_model(settings, model)
    if language not in (None, "en") and is_multilingual(folder) is False:
        raise UsageError(
            f"model '{name}' is English-only; it cannot transcribe language '{language}'",
            "use --model whisper-base",
        )
    pick_device(device or settings.device, compute_type)
    resolve_diarisation(settings)
    resolve_extractor(settings)

"""Language check: is the speech English, when an English-only model (tiny.en) transcribes it?

An English-only Whisper model writes English whatever is spoken: a German recording came out as a fluent,
invented English transcript ("the video was liked and subscribed to") and an English draft, with no sign that
anything was wrong. So a multilingual Whisper model (`whisper-base`, pulled by default) identifies the
language of the speech: Silero VAD (shipped with faster-whisper) keeps the speech, which is cut into 30 s
windows; up to 12 of them, spread over the recording, go through the multilingual model's encoder and language
head (faster-whisper's `detect_language`; no decoding, so about 0.3 s a window on 2 CPU cores).

The speech is called not English when at least a fifth of the windows checked are identified as one other
language with probability at least 0.6 (the values are in minutes.speech.params): a single window
misidentified (a strong accent, a name) does not trip it, and a meeting that is a quarter German does. The
pipeline then records that language on the transcript and puts a `language` flag on the draft, which blocks
approval until a reviewer deals with it; the flag names the multilingual model to rerun with. Refusing the run
outright would lose a mostly English meeting with one long passage in another language, which a clerk can
still minute by hand.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from minutes.core.types import Audio, Flag
from minutes.speech.params import TRANSCRIBE

if TYPE_CHECKING:
    import numpy as np

MULTILINGUAL_MODEL = "whisper-base"
LOG = logging.getLogger("minutes.speech.language")
LANGUAGE_FLAG = "language"  # a draft flag kind; not sensitive content (minutes.review)


@dataclass
class LanguageCheck:
    """The language identified in each window checked: (start s, end s, language code, probability)."""

    windows: list[tuple[float, float, str, float]] = field(default_factory=list)

    def _other(self) -> Counter:
        return Counter(
            lang
            for _, _, lang, p in self.windows
            if lang != "en" and p >= TRANSCRIBE.language_min_probability
        )

    @property
    def language(self) -> str:
        """ "en", or the other language most windows were identified as, when they are enough of them."""
        other = self._other().most_common(1)
        if other and other[0][1] >= TRANSCRIBE.language_min_share * len(self.windows):
            return other[0][0]
        return "en"


def speech_windows(samples: np.ndarray, rate: int) -> list[tuple[float, float, np.ndarray]]:
    """The speech (Silero VAD) cut into windows of 30 s of speech: (start s, end s in the recording, samples).

    A last window shorter than 5 s is dropped: too little to identify a language reliably."""
    import numpy as np
    from faster_whisper.vad import get_speech_timestamps

    chunks = get_speech_timestamps(samples)
    if not chunks:
        return []
    speech = np.concatenate([samples[c["start"] : c["end"]] for c in chunks])
    ends = np.cumsum([c["end"] - c["start"] for c in chunks])  # in the speech-only timeline

    def original(i: int) -> float:  # a speech-only sample index -> seconds in the recording
        k = min(int(np.searchsorted(ends, i, side="right")), len(chunks) - 1)
        return (chunks[k]["start"] + i - (ends[k] - (chunks[k]["end"] - chunks[k]["start"]))) / rate

    size = int(TRANSCRIBE.language_window_seconds * rate)
    return [
        (original(i), original(min(i + size, len(speech)) - 1), speech[i : i + size])
        for i in range(0, len(speech), size)
        if len(speech) - i >= 5 * rate
    ]


def check_language(detector, audio: Audio) -> LanguageCheck:
    """Identify the language of speech windows spread over the recording with `detector`, a multilingual
    AsrEngine."""
    import numpy as np

    windows = speech_windows(audio.samples, audio.sample_rate)
    if len(windows) > TRANSCRIBE.language_max_windows:
        picks = np.linspace(0, len(windows) - 1, TRANSCRIBE.language_max_windows).round().astype(int)
        windows = [windows[i] for i in sorted(set(picks))]
    check = LanguageCheck()
    for start, end, piece in windows:
        lang, prob, _ = detector.model.detect_language(
            audio=piece, language_detection_segments=1, language_detection_threshold=0.0
        )
        check.windows.append((round(float(start), 1), round(float(end), 1), lang, float(prob)))
    return check


def english_only(model: str) -> bool:
    """From a stored transcript's model name: Whisper's English-only checkpoints are all named `*.en`."""
    return model.lower().endswith(".en")


def mismatch_flag(language: str, model: str, model_english_only: bool) -> Flag | None:
    """The `language` flag when an English-only model transcribed speech identified as another language."""
    if language == "en" or not model_english_only:
        return None
    return Flag(
        kind=LANGUAGE_FLAG,
        reason=f"the speech was identified as language '{language}', but {model} only writes "
        "English: the transcript, and anything drafted from it, is probably invented. Process the "
        f"recording again with the multilingual model (--model {MULTILINGUAL_MODEL}) or minute it by hand",
    )


def load_detector(settings, asr, language: str | None, device: str | None = None):
    """The multilingual model for `check_language` when `asr` is English-only and no language was forced;
    None otherwise, or when it is not installed (the check is then skipped, with a warning in the log)."""
    from minutes.engines.asr import load_asr
    from minutes.errors import MinutesError

    if asr.multilingual or language is not None:
        return None
    try:
        return load_asr(settings, MULTILINGUAL_MODEL, device)
    except MinutesError as exc:
        LOG.warning("language not checked: %s", exc)
        return None

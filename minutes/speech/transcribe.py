"""Speech recognition stage: decoded Audio -> Transcript (segments with word timings), with faster-whisper.

Decoding options (`DECODE_OPTIONS`), chosen against Whisper's known failure modes on long meetings and silence:
- `vad_filter=True` (Silero VAD, shipped inside faster-whisper): silence and room noise never reach the decoder,
  which is where Whisper invents "Thank you." or "you". Silence-only input gives an empty transcript.
- `condition_on_previous_text=False`: feeding the previous window's text back as a prompt is what lets one bad
  window start a repetition loop that runs for minutes; without it a bad window stays one bad window.
  Measured cost: one word in 267 on meeting-demo (WER 8.2 % against 7.9 %), none on sample.wav.
- `compression_ratio_threshold=2.4` and `log_prob_threshold=-1.0` (Whisper's defaults) with the temperature
  fallback (0.0 ... 1.0): a window whose text compresses too well (repetitive) or is improbable is decoded again
  at a higher temperature.
- `no_speech_threshold=0.6`: a window the model itself judges silent, with low confidence, is skipped.
- `hallucination_silence_threshold=2.0`: when a segment looks hallucinated, skip silences longer than 2 s
  around it instead of writing text into them (needs word timestamps, which we keep anyway).
- `word_timestamps=True`: speaker attribution works word by word.
- `hotwords` (optional, `minutes process --hotwords`): the meeting's title and participants' names, given to
  every 30 s window as a prompt. Off by default because it costs more than it gives (bench/quality.py,
  meeting-demo): "Sam drafts" came out as "some drops" without it, so the names were right 4 of 5 times
  without and 5 of 5 with it, for both models; but WER rose from 7.9 to 9.7 % (tiny.en) and from 5.6 to 9.0 %
  (base), because the prompted model writes fewer timestamps: segments grow to whole 30 s windows (worse for
  attribution) and words at the window cuts are lost. On the AMI clips, with four names nobody says, WER moved
  by -3 to +6 points. `initial_prompt` is no alternative: with `condition_on_previous_text=False` it reaches
  only the first window.
After decoding, `drop_repeats` removes a segment that repeats the previous segment's words exactly (3 words
or more), the signature of a loop that survived the fallback; short repeats ("yes", "thank you") are real speech.

Long recordings are transcribed in windows of about 10 minutes, cut at the quietest 100 ms within 30 s of
each boundary. faster-whisper computes the log-mel spectrogram of its whole input at once, so without windows
peak memory grew with length (bench/speech.py: 540 MB after ASR for 5 min, 2.0 GB for 30 min); with windows it
is bounded by one window. Nothing is carried across a cut (previous-text conditioning is off anyway).

English-only models (tiny.en) are always run with language "en"; multilingual ones detect the language unless
one is given, per 30 s window (`multilingual=True`): on multilingual.mp3 (English, then German) whisper-base
with one detection at the start wrote the German half as an invented English "translation"; with per-window
detection it wrote the German. `Transcript.language` is the language detected first. The sequential decoder is used, not `BatchedInferencePipeline`. On 2 CPU cores (int8, tiny.en,
meeting-demo) the batched pipeline was faster (3.0 s against 4.4 s with batch_size 8) but less accurate
(WER 9.4 % against 8.2 %), because it cuts the audio at VAD boundaries into independent 30 s windows and drops
the hallucination guards above. Accuracy of the minutes matters more than 1.4 s per 100 s of audio. It was not
measured on a GPU, where batching usually pays more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from minutes.core.text import normalise
from minutes.core.types import Audio, Segment, Transcript, Word
from minutes.engines.asr import AsrEngine
from minutes.errors import UsageError
from minutes.speech.language import check_language
from minutes.speech.params import TRANSCRIBE

Progress = Callable[[float, float], None]

DECODE_OPTIONS: dict = {
    "beam_size": 5,
    "vad_filter": True,
    "word_timestamps": True,
    "condition_on_previous_text": False,
    "compression_ratio_threshold": 2.4,
    "log_prob_threshold": -1.0,
    "no_speech_threshold": 0.6,
    "hallucination_silence_threshold": 2.0,
}


def language_for(engine: AsrEngine, language: str | None) -> str | None:
    """The language to force: "en" for English-only models; None lets a multilingual model detect it."""
    if engine.multilingual:
        return language
    if language not in (None, "en"):
        raise UsageError(
            f"model '{engine.name}' is English-only; it cannot transcribe language '{language}'",
            "use --model whisper-base",
        )
    return "en"


def drop_repeats(segments: list[Segment]) -> list[Segment]:
    """Drop a segment whose words repeat the previous kept segment's exactly (3 words or more)."""
    kept: list[Segment] = []
    for seg in segments:
        text = normalise(seg.text)
        if kept and text == normalise(kept[-1].text) and len(text.split()) >= TRANSCRIBE.min_repeat_words:
            continue
        kept.append(seg)
    return kept


def windows(samples: np.ndarray, rate: int, size: float = TRANSCRIBE.window_seconds) -> list[tuple[int, int]]:
    """Sample ranges of about `size` seconds covering `samples`, each cut at the quietest 100 ms within 30 s
    (at most a quarter window) of its nominal end."""
    step, search, frame = (
        int(size * rate),
        int(min(TRANSCRIBE.cut_search_seconds, size / 4) * rate),
        rate // 10,
    )
    cuts = [0]
    while len(samples) - cuts[-1] > step + search:
        lo = cuts[-1] + step - search
        k = 2 * search // frame
        energy = np.square(samples[lo : lo + k * frame]).reshape(k, frame).mean(axis=1)
        cuts.append(lo + int(np.argmin(energy)) * frame + frame // 2)
    cuts.append(len(samples))
    return list(zip(cuts[:-1], cuts[1:], strict=False))


def hotwords_for(names: list[str], title: str | None = None) -> str | None:
    """The hotwords prompt for a meeting: its title and participants' names (see the module docstring)."""
    parts = ([title] if title else []) + list(names)
    text = ", ".join(p.strip() for p in parts if p.strip())
    return text or None


def transcribe(
    engine: AsrEngine,
    audio: Audio,
    language: str | None = None,
    progress: Progress | None = None,
    hotwords: str | None = None,
    detector: AsrEngine | None = None,
) -> Transcript:
    """Transcribe `audio`; `progress(done_seconds, total_seconds)` is called as segments are decoded.

    `hotwords` (from `hotwords_for`) prompts every window. `detector`, a multilingual model, checks the language
    when `engine` is English-only: the transcript's `language` is then the language spoken (minutes.speech.language).
    """
    total = audio.duration
    forced = language_for(engine, language)
    detected: str | None = None
    segments = []
    for first, last in windows(audio.samples, audio.sample_rate, TRANSCRIBE.window_seconds):
        offset = first / audio.sample_rate
        raw, info = engine.model.transcribe(
            audio.samples[first:last],
            language=forced,
            multilingual=engine.multilingual and forced is None,
            hotwords=hotwords,
            **DECODE_OPTIONS,
        )
        detected = detected or info.language
        for seg in raw:  # a generator: decoding happens while we iterate
            words = [
                Word(
                    start=offset + w.start, end=offset + w.end, word=w.word, probability=float(w.probability)
                )
                for w in seg.words or []
            ]
            if words:
                segments.append(
                    Segment(
                        start=offset + seg.start, end=offset + seg.end, text=seg.text.strip(), words=words
                    )
                )
            if progress:
                progress(min(offset + float(seg.end), total), total)
    if detector is not None and not engine.multilingual and language is None:
        detected = check_language(detector, audio).language
    if progress:
        progress(total, total)
    return Transcript(language=detected or forced or "en", duration=total, segments=drop_repeats(segments))

"""Decode a recording once, with PyAV (bundled FFmpeg), to 16 kHz mono float32 shared by ASR and diarisation.

Any container FFmpeg reads works: wav, flac, mp3, m4a, ogg/opus, webm, or a video with an audio track (the first
audio stream is used). Every way a file can be unusable ends in a one-line UsageError or NotFoundError: a missing
path, an empty file, a file that is not media, a file without an audio stream, a codec FFmpeg cannot decode, and a
truncated file (a WAV data chunk cut short, or any file decoding to well under the duration its header declares).

A header can also lie the other way: a 3 MB WAV claiming a 1 Hz sample rate would resample to ~100 GB. So the
header's sample rate, channel count and duration are checked before decoding, and decoding stops as soon as the
audio is longer than the file's size allows or than the configured limit (`[limits] max_audio_hours`).

Every container takes the same path: one swresample to float32 16 kHz mono (float output, so no dither).
Encoder priming is trimmed by FFmpeg itself where the file records it (MP3: the LAME/Xing tag; M4A: the MP4
edit list), so the demo as MP3 or M4A decodes sample-aligned with the WAV (tests/test_formats.py). An AAC file
without an edit list keeps its 1024 priming samples (64 ms at 16 kHz) at the start: with no record FFmpeg reads,
they are not guessed at (measured on the demo: the transcript is the same either way).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minutes.core.files import sha256_file
from minutes.core.types import SAMPLE_RATE, Audio
from minutes.errors import NotFoundError, UsageError

# A file is called truncated when it decodes to less than this share of its declared duration (and > 1 s less).
_TRUNCATED_SHARE = 0.9
# What a recording can be: telephone quality to the highest studio rates, up to a large multitrack recorder.
MIN_RATE, MAX_RATE = 4_000, 768_000
MAX_CHANNELS = 32
MAX_SECONDS = 8 * 3600.0  # the default of `[limits] max_audio_hours`
# PCM stores at least one byte per sample per channel; no compressed codec stores more than this much audio per
# byte (FLAC's densest digital silence is about 1 s per byte at the lowest rate allowed).
_SECONDS_PER_BYTE = 2.0


def _check_path(path: str | Path) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise UsageError(f"{path}: empty file")
    return path


def _decode_channels(path: Path, layout: str | None, max_seconds: float) -> tuple[np.ndarray, int]:
    """Decode the first audio stream to float32 at 16 kHz; `layout` None keeps the file's own channel layout.

    Returns (interleaved samples, channel count). Samples are appended to one bytearray and viewed as float32
    without a copy, so an hour of mono audio costs about 230 MB once, not several times.
    """
    import av

    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise UsageError(f"{path}: not a readable audio or video file ({_reason(exc)})") from None
    with container:
        if not container.streams.audio:
            raise UsageError(f"{path}: the file has no audio stream")
        stream = container.streams.audio[0]
        declared = _declared_seconds(container, stream)
        shortfall = _wav_shortfall(path)
        if shortfall:
            raise UsageError(f"{path}: truncated file: {shortfall} bytes of audio data are missing")
        if stream.codec_context is None:
            raise UsageError(f"{path}: unsupported audio codec")
        limit = _longest_plausible(path, stream.codec_context, declared, max_seconds)
        layout = layout or stream.codec_context.layout.name
        channels = av.AudioLayout(layout).nb_channels
        resampler = av.AudioResampler(format="flt", layout=layout, rate=SAMPLE_RATE)
        buffer, seconds = bytearray(), 0.0
        try:
            for frame in _frames(container.decode(stream)):
                seconds += frame.samples / max(frame.sample_rate, 1)
                if seconds > limit:
                    raise _too_long(
                        path, f"it decodes to more than {_length(seconds)} of audio", limit, max_seconds
                    )
                frame.pts = None
                for out in resampler.resample(frame):
                    buffer += out.to_ndarray().tobytes()
            for out in resampler.resample(None):
                buffer += out.to_ndarray().tobytes()
        except av.error.FFmpegError as exc:
            raise UsageError(f"{path}: cannot decode the audio ({_reason(exc)})") from None
        del resampler
    samples = np.frombuffer(buffer, dtype=np.float32)
    if samples.size == 0:
        raise UsageError(f"{path}: no audio could be decoded (empty or truncated stream)")
    decoded = samples.size / channels / SAMPLE_RATE
    if declared and decoded < _TRUNCATED_SHARE * declared and declared - decoded > 1.0:
        raise UsageError(
            f"{path}: truncated file: its header declares {declared:.1f} s but only "
            f"{decoded:.1f} s could be decoded"
        )
    return samples, channels


def _longest_plausible(path: Path, codec, declared: float | None, max_seconds: float) -> float:
    """Seconds of audio `path` can hold, from its size and the limit; UsageError for a header no recording has."""
    rate, channels = codec.sample_rate or 0, codec.channels or 0
    if not MIN_RATE <= rate <= MAX_RATE:
        raise UsageError(
            f"{path}: its header claims a sample rate of {rate} Hz; a recording has {MIN_RATE}-{MAX_RATE} Hz"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        claim = f"{channels} audio channels" if channels else "no valid channel count"
        raise UsageError(f"{path}: its header gives {claim}; a recording has 1-{MAX_CHANNELS} channels")
    size = path.stat().st_size
    by_size = size / (rate * channels) if codec.name.startswith("pcm_") else size * _SECONDS_PER_BYTE
    limit = min(by_size, max_seconds) + 1.0
    if declared and declared > limit:
        raise _too_long(path, f"its header declares {_length(declared)} of audio", limit, max_seconds)
    return limit


def _too_long(path: Path, what: str, limit: float, max_seconds: float) -> UsageError:
    if limit > max_seconds:  # the configured limit, not the file's size, was the tighter bound
        return UsageError(
            f"{path}: {what}, over the limit of {_length(max_seconds)}",
            "raise [limits] max_audio_hours in config.toml for longer recordings",
        )
    return UsageError(
        f"{path}: {what}, more than its {path.stat().st_size} bytes can hold (the header is wrong)"
    )


def _length(seconds: float) -> str:
    return f"{seconds / 3600:.3g} hours" if seconds >= 3600 else f"{seconds:.1f} s"


def _frames(frames):
    """Skip frames FFmpeg reports as corrupt (as faster-whisper does); a fully corrupt file decodes to nothing."""
    import av

    iterator = iter(frames)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def _wav_shortfall(path: Path) -> int:
    """Bytes missing from a RIFF/WAVE data chunk (0 when complete, not WAV, or the size was never written).

    FFmpeg reads a cut-off WAV without complaint, so its header is checked here.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return 0
    pos = 12
    while pos + 8 <= len(head):
        tag, size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if tag == b"data":
            if size in (0, 0xFFFFFFFF):  # a recorder that never finalised the header
                return 0
            return max(0, pos + 8 + size - path.stat().st_size)
        pos += 8 + size + (size & 1)
    return 0


def _declared_seconds(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() if text else type(exc).__name__


def decode(path: str | Path, max_seconds: float = MAX_SECONDS) -> Audio:
    """Decode `path` to 16 kHz mono float32 and hash its bytes; refuse more than `max_seconds` of audio."""
    path = _check_path(path)
    samples, channels = _decode_channels(path, "mono", max_seconds)
    return Audio(samples=samples, sha256=sha256_file(path), source=str(path))


def load_channels(path: str | Path, max_seconds: float = MAX_SECONDS) -> list[np.ndarray]:
    """Each channel of `path` separately at 16 kHz (for checking stereo recordings made one voice per channel)."""
    path = _check_path(path)
    samples, channels = _decode_channels(path, None, max_seconds)
    usable = samples.size - samples.size % channels
    return [np.ascontiguousarray(samples[c:usable:channels]) for c in range(channels)]

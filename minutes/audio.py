"""Decode a recording once, with PyAV (bundled FFmpeg), to 16 kHz mono float32 shared by ASR and diarisation.

Any container FFmpeg reads works: wav, flac, mp3, m4a, ogg/opus, webm, or a video with an audio track (the first
audio stream is used). Every way a file can be unusable ends in a one-line UsageError or NotFoundError: a missing
path, an empty file, a file that is not media, a file without an audio stream, a codec FFmpeg cannot decode, and a
truncated file (a WAV data chunk cut short, or any file decoding to well under the duration its header declares).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minutes.engines.store import sha256_file
from minutes.errors import NotFoundError, UsageError
from minutes.types import SAMPLE_RATE, Audio

# A file is called truncated when it decodes to less than this share of its declared duration (and > 1 s less).
_TRUNCATED_SHARE = 0.9


def _check_path(path: str | Path) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise UsageError(f"{path}: empty file")
    return path


def _decode_channels(path: Path, layout: str | None) -> tuple[np.ndarray, int]:
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
        layout = layout or stream.codec_context.layout.name
        channels = av.AudioLayout(layout).nb_channels
        resampler = av.AudioResampler(format="flt", layout=layout, rate=SAMPLE_RATE)
        buffer = bytearray()
        try:
            for frame in _frames(container.decode(stream)):
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
        raise UsageError(f"{path}: truncated file: its header declares {declared:.1f} s but only "
                         f"{decoded:.1f} s could be decoded")
    return samples, channels


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
        tag, size = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], "little")
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


def decode(path: str | Path) -> Audio:
    """Decode `path` to 16 kHz mono float32 and hash its bytes."""
    path = _check_path(path)
    samples, channels = _decode_channels(path, "mono")
    return Audio(samples=samples, sha256=sha256_file(path), source=str(path))


def load_channels(path: str | Path) -> list[np.ndarray]:
    """Each channel of `path` separately at 16 kHz (for checking stereo recordings made one voice per channel)."""
    path = _check_path(path)
    samples, channels = _decode_channels(path, None)
    usable = samples.size - samples.size % channels
    return [np.ascontiguousarray(samples[c:usable:channels]) for c in range(channels)]

"""Decoding real files of many containers, and every kind of bad input, to a clean error."""

from __future__ import annotations

import hashlib
import struct
import wave
from fractions import Fraction

import av
import numpy as np
import pytest

from minutes.errors import NotFoundError, UsageError
from minutes.speech.audio import decode, load_channels


def _encode(path, samples: np.ndarray, codec: str, video: bool = False) -> None:
    """Write `samples` (16 kHz mono float32) with PyAV's bundled encoders, optionally beside a video stream."""
    with av.open(str(path), "w") as out:
        a = out.add_stream(codec, rate=48000 if "opus" in codec else 16000)
        a.layout = "mono"
        v = out.add_stream("mpeg4" if path.suffix == ".mp4" else "libvpx", rate=5) if video else None
        if v is not None:
            v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        resampler = av.AudioResampler(format=a.format.name, layout="mono", rate=a.rate)
        for i in range(0, len(samples), 1600):
            frame = av.AudioFrame.from_ndarray(
                samples[None, i : i + 1600].copy(), format="flt", layout="mono"
            )
            frame.sample_rate = 16000
            frame.pts, frame.time_base = i, Fraction(1, 16000)
            for f in resampler.resample(frame):
                out.mux(a.encode(f))
            if v is not None and i % 3200 == 0:
                picture = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
                picture.pts = i // 3200
                out.mux(v.encode(picture))
        out.mux(a.encode(None))
        if v is not None:
            out.mux(v.encode(None))


def test_decode_wav_flac_mp3(data):
    for name, seconds in [("sample.wav", 30.0), ("jfk.flac", 11.0), ("multilingual.mp3", 59.9)]:
        audio = decode(data / name)
        assert audio.sample_rate == 16000
        assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
        assert abs(audio.duration - seconds) < 0.2
        assert audio.sha256 == hashlib.sha256((data / name).read_bytes()).hexdigest()
        assert 0.01 < float(np.abs(audio.samples).max()) < 1.5  # resampling may overshoot full scale


def test_waveform_dict_is_what_pyannote_takes(data):
    wd = decode(data / "jfk.flac").waveform_dict()
    assert tuple(wd["waveform"].shape) == (1, 176000) and wd["sample_rate"] == 16000


@pytest.mark.parametrize(
    "name,codec,video",
    [
        ("clip.ogg", "libopus", False),
        ("clip.m4a", "aac", False),
        ("clip.webm", "libopus", True),
        ("clip.mp4", "aac", True),
    ],
)
def test_decode_other_containers_and_video(tmp_path, data, name, codec, video):
    source = decode(data / "jfk.flac").samples
    path = tmp_path / name
    _encode(path, source, codec, video=video)
    with av.open(str(path)) as container:
        assert len(container.streams.video) == int(video)
    audio = decode(path)
    assert abs(audio.duration - 11.0) < 0.15
    assert _envelope_match(source, audio.samples) > 0.9


def _envelope_match(a: np.ndarray, b: np.ndarray, window: int = 320, max_lag: int = 10) -> float:
    """Best correlation of 20 ms loudness envelopes over small shifts (lossy codecs add a short delay)."""
    n = (min(len(a), len(b)) // window) * window
    ea, eb = (np.abs(x[:n]).reshape(-1, window).mean(axis=1) for x in (a, b))
    m = len(ea) - max_lag
    return max(float(np.corrcoef(ea[:m], eb[lag : lag + m])[0, 1]) for lag in range(max_lag + 1))


def test_load_channels_keeps_stereo_apart(data):
    left, right = load_channels(data / "stereo_diarization.wav")
    assert len(left) == len(right) == 80000
    assert np.corrcoef(left, right)[0, 1] < 0.5
    mono = decode(data / "stereo_diarization.wav").samples  # FFmpeg's downmix: both channels, equal weight
    assert np.corrcoef(mono, left + right)[0, 1] > 0.999


def _wav(path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((samples * 32767).astype(np.int16).tobytes())


def _unknown_codec_wav(path) -> None:
    data = b"\0" * 32000
    fmt = struct.pack("<HHIIHH", 0x7777, 1, 16000, 32000, 2, 16)  # a format tag no decoder knows
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def _video_only(path) -> None:
    with av.open(str(path), "w") as out:
        v = out.add_stream("mpeg4", rate=5)
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts = i
            for packet in v.encode(frame):
                out.mux(packet)
        for packet in v.encode():
            out.mux(packet)


def bad_inputs(tmp_path, data) -> dict[str, tuple[object, type, str]]:
    """name -> (path, error class, words the one-line message must contain). Shared with the CLI tests."""
    wav = (data / "sample.wav").read_bytes()
    flac = (data / "jfk.flac").read_bytes()
    mp3 = (data / "multilingual.mp3").read_bytes()
    cases = {
        "missing": (tmp_path / "nope.wav", NotFoundError, "no such file"),
        "empty": (tmp_path / "empty.wav", UsageError, "empty file"),
        "truncated wav": (tmp_path / "cut.wav", UsageError, "truncated"),
        "truncated flac": (tmp_path / "cut.flac", UsageError, "truncated"),
        "truncated mp3": (tmp_path / "cut.mp3", UsageError, "truncated"),
        "header only": (tmp_path / "head.wav", UsageError, "not a readable audio"),
        "text": (tmp_path / "notes.wav", UsageError, "not a readable audio"),
        "unknown codec": (tmp_path / "odd.wav", UsageError, "unsupported audio codec"),
        "no audio stream": (tmp_path / "silent-film.mp4", UsageError, "no audio stream"),
        "a folder": (tmp_path, UsageError, "not a file"),
    }
    cases["empty"][0].write_bytes(b"")
    cases["truncated wav"][0].write_bytes(wav[: len(wav) // 3])
    cases["truncated flac"][0].write_bytes(flac[: len(flac) // 3])
    cases["truncated mp3"][0].write_bytes(mp3[: len(mp3) // 3])
    cases["header only"][0].write_bytes(wav[:30])
    cases["text"][0].write_text("Minutes of the last meeting, not a recording.\n" * 50)
    _unknown_codec_wav(cases["unknown codec"][0])
    _video_only(cases["no audio stream"][0])
    return cases


def test_bad_inputs_raise_clear_errors(tmp_path, data):
    for name, (path, error, words) in bad_inputs(tmp_path, data).items():
        with pytest.raises(error) as caught:
            decode(path)
        message = str(caught.value)
        assert words in message, name
        assert "\n" not in message and str(path) in message, name


def test_silence_decodes_to_silence(tmp_path):
    _wav(tmp_path / "quiet.wav", np.zeros(16000 * 3, np.float32))
    audio = decode(tmp_path / "quiet.wav")
    assert audio.duration == 3.0 and not audio.samples.any()

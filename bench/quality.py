"""One quality report over the dev data: a table per section on stdout, everything as JSON with --json.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/quality.py [--json PATH] [--skip-asr] [--skip-diarisation]
        [--skip-extraction] [--models whisper-tiny.en,whisper-base] [--only FILE,...]

Files and scoring are in bench/scoring.py (the WER normaliser is documented there).
- ASR, per model and file with a word reference (AMI clips, meeting-demo, sample.wav): WER with its parts, and
  the real-time factor, through `minutes.speech.transcribe.transcribe` as the pipeline runs it. Each file is also run
  with a hotwords prompt (`hotwords_for`): meeting-demo and sample.wav with their real title and speakers'
  names, counting how many of the names said in the reference come out right; the AMI clips with four names
  nobody says, to see that a prompt does no harm where the names are not spoken. On hard audio Whisper falls
  back to sampling at higher temperatures, so the words vary from run to run; the bench seeds CTranslate2's
  sampler so that runs compare (on EN2002a, unseeded, tiny.en gave WER 60 % in one run and dropped the whole
  30 s window, WER 100 %, in another: its no-speech probability was 0.62 there, above the 0.6 threshold).
- Diarisation, per file (AMI clips with a 0.25 s collar, AMI excerpts over their UEM, meeting-demo and
  sample.wav without collar): DER with missed speech, false alarm and confusion, blind and with max_speakers
  set to the true count (as `minutes process` does from the participant list); the settings in force
  (config `[diarisation]`, default `DiarisationParams`) are printed with it.
- Extraction: when bench/quality_extraction.py is present, its `collect` rows (dev meetings and QMSum).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring import DATA, DerTotal, annotation, normalise, speech_files, table, wer  # noqa: E402

from minutes.core.config import load_settings  # noqa: E402
from minutes.speech.audio import decode  # noqa: E402

PROMPTS = {  # hotwords: (title, names)
    "meeting-demo": ("Science department meeting", ["Priya", "Tom", "Helen", "Sam"]),
    "sample": ("Phone call", ["Diane", "Sheila"]),
}
SEED = 1  # the temperature fallback samples: seeded, so that two runs of the same code give the same words
UNSPOKEN = ("Team meeting", ["Anna", "Ben", "Carol", "David"])  # for files whose names we do not know


def name_hits(file_name: str, ref: list[str], hyp: list[str]) -> str:
    """'right/said' for the prompt's names: each name counted as often as the reference says it, at most."""
    names = [n.lower() for n in PROMPTS.get(file_name, UNSPOKEN)[1]]
    said = sum(ref.count(n) for n in names)
    right = sum(min(ref.count(n), hyp.count(n)) for n in names)
    return f"{right}/{said}"


def asr_rows(models: list[str], only: set[str] | None) -> list[dict]:
    import ctranslate2

    from minutes.engines.asr import load_asr
    from minutes.speech.transcribe import hotwords_for, transcribe

    settings, rows = load_settings(), []
    files = [f for f in speech_files() if f.stm and (not only or f.name in only)]
    for model in models:
        engine = load_asr(settings, model)
        for f in files:
            audio, ref = decode(f.audio), f.words()
            title, names = PROMPTS.get(f.name, UNSPOKEN)
            for prompt in (None, hotwords_for(names, title)):
                ctranslate2.set_random_seed(SEED)
                t = time.perf_counter()
                hyp = normalise(transcribe(engine, audio, hotwords=prompt).text)
                took = time.perf_counter() - t
                rows.append(
                    {
                        "model": model,
                        "file": f.name,
                        "hotwords": prompt or "",
                        **wer(ref, hyp),
                        "names": name_hits(f.name, ref, hyp),
                        "rtf": took / audio.duration,
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def diarisation_rows(only: set[str] | None) -> tuple[list[dict], dict]:
    from minutes.engines.diarisation import load_diarisation
    from minutes.speech.diarise import diarise

    settings = load_settings()
    engine = load_diarisation(settings)
    rows = []
    for counted in (False, True):
        ami = DerTotal()
        for f in speech_files():
            if only and f.name not in only:
                continue
            audio = decode(f.audio)
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = diarise(engine, audio, max_speakers=f.speakers if counted else None)
            took = time.perf_counter() - t
            score = ami if f.group != "guard" else DerTotal()
            rows.append(
                {
                    "speakers": "max=true" if counted else "blind",
                    "file": f.name,
                    **score.add(f, annotation(result.turns, f.uri)),
                    "rtf": took / audio.duration,
                }
            )
        rows.append({"speakers": "max=true" if counted else "blind", "file": "AMI overall", **ami.overall()})
    return rows, settings.diarisation.model_dump()


def extraction_rows() -> dict | None:
    """The extraction report, when bench/quality_extraction.py exists (it is developed alongside)."""
    try:
        import quality_extraction
    except ImportError as exc:
        if exc.name != "quality_extraction":
            raise
        print("extraction: bench/quality_extraction.py not present, skipped")
        return None
    result = quality_extraction.collect(DATA / "dev")
    for key in ("meetings", "qmsum"):
        if result.get(key):
            print(f"\nextraction, {key}:\n{quality_extraction.table(result[key])}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write the whole report here")
    parser.add_argument(
        "--models", default="whisper-tiny.en,whisper-base", help="ASR models, comma-separated"
    )
    parser.add_argument(
        "--only", help="speech files to run, comma-separated (default: all), e.g. IB4002_clip"
    )
    parser.add_argument("--skip-asr", action="store_true")
    parser.add_argument("--skip-diarisation", action="store_true")
    parser.add_argument("--skip-extraction", action="store_true")
    args = parser.parse_args()
    report: dict = {}
    only = set(args.only.split(",")) if args.only else None
    if not args.skip_asr:
        report["asr"] = asr_rows(args.models.split(","), only)
        print(
            "\nASR:\n"
            + table(
                report["asr"],
                ["model", "file", "hotwords", "wer", "ref_words", "sub", "del", "ins", "names", "rtf"],
            ),
            flush=True,
        )
    if not args.skip_diarisation:
        report["diarisation"], report["diarisation_params"] = diarisation_rows(only)
        print(
            f"\ndiarisation ({json.dumps(report['diarisation_params'])}):\n"
            + table(
                report["diarisation"],
                [
                    "speakers",
                    "file",
                    "der",
                    "missed",
                    "false_alarm",
                    "confusion",
                    "speakers_found",
                    "speakers_true",
                    "rtf",
                ],
            ),
            flush=True,
        )
    if not args.skip_extraction:
        report["extraction"] = extraction_rows()
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()

"""The dev meetings from audio, as a clerk runs them, scored exactly as from their reference transcripts.

    python bench/e2e.py [--renders build/e2e] [--only m01,m09] [--reference ref.json] [--reuse] [--json out.json]

First render the meetings (`make e2e-audio`: bench/render_meeting.py in its own venv, cached in build/e2e).
For each rendered meeting, in a new MINUTES_HOME: `minutes meeting create` with judge.json's participants and
date, `minutes consent give ... --scope all --method verbal` for everyone with no time range (so no voice is
enrolled: every name must come from the talk or stay "Speaker N"), then `minutes process` on meeting.wav with
the default settings (names from the talk applied: `[speakers] from_talk = "apply"`). One meeting at a time;
a finished meeting's figures stay in its home (RENDERS/homes/NAME/e2e-row.json), so `--reuse` only prints.

Printed per meeting, side by side:
- the reference-transcript run (bench/quality_extraction.py's scoring on reference.stm: taken from --reference,
  a JSON file that script wrote with --json, or run here), the audio run as processed, and the audio run
  drafted again with every speaker left "Speaker N" (what the draft was before names from the talk): decisions,
  actions with the right owner, due dates, not-decisions reported, extra items;
- WER of the stored transcript against the rendered reference (bench/scoring.py's normaliser; numbers are not
  spelled out, so "23rd" against "twenty-third" counts) and DER of the stored speaker turns (no collar);
- speakers: each diarisation label is the reference speaker it overlaps most; named right, wrong, or left as
  "Speaker N" with names from the talk (none without them: no voice was enrolled), and suggestions right/wrong;
- voice distinctness: the highest CAM++ cosine similarity between two speakers' rendered lines (different
  people), against the lowest of one speaker's lines to their own centroid (the product's naming threshold is
  0.5; the same speaker measured 0.70-0.94 on meeting-demo).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from quality_extraction import DEV, score_meeting, stm_transcript, table  # noqa: E402
from scoring import SpeechFile, annotation, normalise, rates, wer  # noqa: E402

MINUTES = str(Path(sys.executable).parent / "minutes")
ROW = "e2e-row.json"  # a finished meeting's figures, kept in its home for --reuse
SCORED = ("decisions", "actions (owner right)", "due right", "not-decisions reported", "extra items")


@dataclass
class Meeting:
    name: str
    audio: Path
    reference: Path  # the rendered STM: what was said, when, by whom
    rttm: Path
    judge: dict


def meetings(renders: Path, only: set[str] | None) -> list[Meeting]:
    out = []
    for folder in sorted((DEV / "meetings").iterdir()):
        audio = renders / folder.name / "meeting.wav"
        if folder.is_dir() and audio.exists() and (not only or any(folder.name.startswith(o) for o in only)):
            judge = json.loads((folder / "judge.json").read_text())
            rendered = renders / folder.name
            out.append(
                Meeting(folder.name, audio, rendered / "reference.stm", rendered / "reference.rttm", judge)
            )
    return out


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MINUTES_HOME": str(home)}
    done = subprocess.run([MINUTES, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"minutes {' '.join(args[:2])} failed in {home}: {done.stderr[-2000:]}")
    return done


def process(m: Meeting, home: Path, *flags: str) -> tuple[int, float]:
    """The meeting registered, consented aloud with no time range, and processed; (meeting id, wall seconds)."""
    people = [x for p in m.judge["participants"] for x in ("--participant", p)]
    made = cli(home, "meeting", "create", m.name, "--date", m.judge["meeting_date"], *people, "--json")
    meeting = json.loads(made.stdout)["id"]
    for p in m.judge["participants"]:
        cli(home, "consent", "give", str(meeting), p, "--scope", "all", "--method", "verbal", "--by", "bench")
    started = time.monotonic()
    cli(home, "process", str(meeting), str(m.audio), "--json", *flags)
    return meeting, time.monotonic() - started


# -- what the run stored ----------------------------------------------------------------------------------------
@dataclass
class Stored:
    transcript: object  # minutes.core.types.Transcript, speaker labels as stored
    names: dict[str, str]  # label -> name shown, with names from the talk
    suggested: dict[str, str]  # label -> the participant the talk suggests (not applied)
    turns: list
    draft: object  # minutes.core.types.Draft as processed
    participants: list[str]  # "Name" or "Name:role", as drafting got them
    day: date


def stored(home: Path, meeting_id: int) -> Stored:
    from sqlmodel import select

    from minutes.consent.meetings import get_meeting, participants_of
    from minutes.core.config import load_settings
    from minutes.core.store import Database
    from minutes.db import DraftRow, Recording, RecordingTurn
    from minutes.review import draft_as_types
    from minutes.run.stages import transcript_of
    from minutes.speech import speakers
    from minutes.speech.transcripts import load_transcript

    db = Database.open(load_settings(home))
    try:
        with db.session() as s:
            rec = s.exec(select(Recording).where(Recording.meeting_id == meeting_id)).one()
            tr = transcript_of(s, rec.id)
            views = speakers.speaker_views(s, rec.id, None)
            draft = s.exec(select(DraftRow).where(DraftRow.transcript_id == tr.id)).one()
            meeting = get_meeting(s, meeting_id)
            return Stored(
                load_transcript(s, tr.id),
                {v.label: v.name for v in views},
                {v.label: v.talk for v in views if v.suggested},
                list(s.exec(select(RecordingTurn).where(RecordingTurn.recording_id == rec.id))),
                draft_as_types(s, draft.id),
                [f"{p.name}:{p.role}" if p.role else p.name for p in participants_of(s, meeting_id)],
                meeting.date,
            )
    finally:
        db.close()


def redraft_unnamed(engine, run: Stored):
    """The stored transcript drafted again with every speaker "Speaker N", as before names from the talk."""
    from minutes.drafting.extract import extract
    from minutes.speech.naming import apply_names

    labels = sorted(run.names)
    unnamed = {label: f"Speaker {i}" for i, label in enumerate(labels, 1)}
    return extract(engine, apply_names(run.transcript, unnamed), run.participants, run.day)


# -- speech figures ---------------------------------------------------------------------------------------------
def speech_figures(m: Meeting, run: Stored) -> dict:
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref_words = normalise(" ".join(row.split(maxsplit=5)[5] for row in m.reference.read_text().splitlines()))
    hyp_words = normalise(run.transcript.text)
    file = SpeechFile(m.name, m.audio, m.rttm, "meeting", 0.0, "e2e")
    parts = DiarizationErrorRate(collar=0.0, skip_overlap=False)(
        file.reference(), annotation(run.turns, "meeting"), detailed=True
    )
    return {
        "WER": round(wer(ref_words, hyp_words)["wer"], 3),
        "DER": round(rates(parts)["der"], 3),
        "speakers found/true": f"{len({t.speaker for t in run.turns})}/{len(file.reference().labels())}",
    }


def who_is_who(m: Meeting, run: Stored) -> dict[str, str]:
    """label -> the reference speaker its turns overlap most."""
    ref = [
        (float(a), float(b), spk)
        for _, _, spk, a, b, _ in (r.split(maxsplit=5) for r in m.reference.read_text().splitlines())
    ]
    overlap: dict[str, dict[str, float]] = {}
    for t in run.turns:
        for a, b, spk in ref:
            if (o := min(b, t.end) - max(a, t.start)) > 0:
                overlap.setdefault(t.speaker, {}).setdefault(spk, 0.0)
                overlap[t.speaker][spk] += o
    return {label: max(o, key=o.get) for label, o in overlap.items()}


def naming_figures(m: Meeting, run: Stored) -> dict:
    truth = who_is_who(m, run)
    people = set(m.judge["participants"])
    named = {label: n for label, n in run.names.items() if n in people}
    right = sum(truth.get(label) == n for label, n in named.items())
    s_right = sum(truth.get(label) == n for label, n in run.suggested.items())
    return {
        "named right/wrong/left": f"{right}/{len(named) - right}/{len(run.names) - len(named)}",
        "suggested right/wrong": f"{s_right}/{len(run.suggested) - s_right}",
    }


def distinctness(m: Meeting, engine) -> dict:
    """Highest cross-speaker similarity of the rendered voices, and lowest same-speaker line similarity."""
    from minutes.speech.audio import decode
    from minutes.speech.diarise import embed_ranges
    from minutes.speech.naming import similarity

    audio = decode(m.audio)
    lines: dict[str, list[tuple[float, float]]] = {}
    for row in m.reference.read_text().splitlines():
        _, _, spk, a, b, _ = row.split(maxsplit=5)
        if float(b) - float(a) >= 2.0 and len(lines.setdefault(spk, [])) < 6:
            lines[spk].append((float(a), float(b)))
    vectors = {spk: embed_ranges(engine, audio, spans, lambda: 2) for spk, spans in lines.items() if spans}
    centroids = {spk: np.mean(v, axis=0) for spk, v in vectors.items()}
    cross = similarity(centroids, centroids)
    np.fill_diagonal(cross, -1.0)
    i, j = np.unravel_index(int(np.argmax(cross)), cross.shape)
    spk = list(centroids)
    own = min(float(similarity({"l": v}, {"c": centroids[s]})[0, 0]) for s, vs in vectors.items() for v in vs)
    return {"closest voices": f"{spk[i]}~{spk[j]} {cross[i, j]:.2f}", "own line min": round(own, 2)}


# -- running ----------------------------------------------------------------------------------------------------
def reference_rows(path: Path | None, wanted: list[Meeting], engine) -> dict[str, dict]:
    """Scores from the reference transcripts: read from a quality_extraction.py --json file, else drafted here."""
    if path is not None:
        return {r["meeting"]: r for r in json.loads(path.read_text())["meetings"]}
    from minutes.drafting.extract import extract

    rows = {}
    for m in wanted:
        folder = DEV / "meetings" / m.name
        transcript = stm_transcript(folder / "reference.stm")
        day = date.fromisoformat(m.judge["meeting_date"])
        draft = extract(engine, transcript, m.judge["participants"], day)
        rows[m.name] = score_meeting(draft, m.judge, transcript)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=Path, default=ROOT / "build" / "e2e")
    parser.add_argument("--only", help="comma-separated prefixes of meeting names, e.g. m01,m09")
    parser.add_argument("--reference", type=Path, help="a bench/quality_extraction.py --json output to reuse")
    parser.add_argument("--no-reference", action="store_true", help="leave the reference columns out")
    parser.add_argument("--homes", type=Path, help="where the MINUTES_HOMEs go (default: RENDERS/homes)")
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the rows to this file")
    parser.add_argument("--skip-redraft", action="store_true", help="no second drafting without names")
    parser.add_argument(
        "--hotwords", action="store_true", help="process with --hotwords (the names prompt the recogniser)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="take a meeting's figures from its home when a run finished there",
    )
    args = parser.parse_args()
    only = {o.strip() for o in args.only.split(",")} if args.only else None
    wanted = meetings(args.renders, only)
    if not wanted:
        raise SystemExit(f"no rendered meeting in {args.renders}: run `make e2e-audio` first")

    from minutes.core.config import load_settings
    from minutes.engines.diarisation import load_diarisation
    from minutes.engines.extractor import load_extractor

    homes = args.homes or args.renders / "homes"
    rows = []
    engine = diariser = None
    for m in wanted:
        home = homes / m.name
        kept = home / ROW
        if args.reuse and kept.exists():
            rows.append(json.loads(kept.read_text()))
            continue
        if home.exists() and not args.reuse:
            raise SystemExit(f"{home} exists: remove it, pass --homes, or --reuse what it holds")
        flags = ["--hotwords"] if args.hotwords else []
        meeting_id, wall = (1, None) if home.exists() else process(m, home, *flags)  # --reuse: not scored yet
        run = stored(home, meeting_id)
        row = {"meeting": m.name, "minutes": round(run.transcript.duration / 60, 1)}
        row["process s"] = round(wall) if wall else "-"
        row |= speech_figures(m, run) | naming_figures(m, run)
        row |= {
            f"audio {k}": v
            for k, v in score_meeting(run.draft, m.judge, run.transcript).items()
            if k in SCORED
        }
        if not args.skip_redraft:
            unnamed = run.draft  # nothing named from the talk: the same input, so the same draft
            if any(n in m.judge["participants"] for n in run.names.values()):
                engine = engine or load_extractor(load_settings(home))
                unnamed = redraft_unnamed(engine, run)
            row |= {
                f"unnamed {k}": v
                for k, v in score_meeting(unnamed, m.judge, run.transcript).items()
                if k in SCORED
            }
        diariser = diariser or load_diarisation(load_settings(home))
        row |= distinctness(m, diariser)
        row["draft"] = run.draft.model_dump(mode="json")
        rows.append(row)
        kept.write_text(json.dumps(row, indent=1))
        print(table([{k: v for k, v in row.items()}]).splitlines()[-1], file=sys.stderr, flush=True)
    if engine is None and not args.reference and not args.no_reference:
        engine = load_extractor(load_settings(homes / wanted[0].name))
    reference = {} if args.no_reference else reference_rows(args.reference, wanted, engine)
    for row in rows:
        ref = reference.get(row["meeting"], {})
        row |= {f"reference {k}": ref.get(k, "-") for k in SCORED}
    print_side_by_side(rows)
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=1))


def total(values: list) -> str:
    """The sum of "a/b" figures (or of numbers) over the meetings."""
    parts = [str(v).split("/") for v in values if v is not None and str(v) not in ("", "-")]
    if not parts:
        return "-"
    sums = [sum(float(p[i]) for p in parts) for i in range(len(parts[0]))]
    return "/".join(f"{x:g}" for x in sums)


def print_side_by_side(rows: list[dict]) -> None:
    keys = [
        "meeting",
        "minutes",
        "process s",
        "WER",
        "DER",
        "speakers found/true",
        "named right/wrong/left",
        "suggested right/wrong",
        "closest voices",
        "own line min",
    ]
    summed = {
        "minutes",
        "process s",
        "speakers found/true",
        "named right/wrong/left",
        "suggested right/wrong",
    }
    speech = [{k: r.get(k, "") for k in keys} for r in rows]
    speech.append(
        {k: total([r.get(k) for r in rows]) if k in summed else "" for k in keys} | {"meeting": "all"}
    )
    print("\nspeech, speakers and voices\n")
    print(table(speech))
    sources = ("reference", "audio", "unnamed")
    short = dict(zip(SCORED, ("decisions", "actions", "due", "not-dec", "extra"), strict=True))
    columns = [(f"{short[k]} {src[:3]}", f"{src} {k}") for k in SCORED for src in sources]
    out = [{"meeting": r["meeting"]} | {c: r.get(key, "-") for c, key in columns} for r in rows]
    out.append({"meeting": "all"} | {c: total([r.get(key) for r in rows]) for c, key in columns})
    print(
        "\ndraft: ref = the reference transcript, aud = the audio as processed (names from the talk), "
        "unn = the audio with every speaker unnamed\n"
    )
    print(table(out))


if __name__ == "__main__":
    main()

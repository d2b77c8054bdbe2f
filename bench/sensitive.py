"""Sensitive-matter detection on the dev data, per layer and combined: figures, printed, not asserted.

    python bench/sensitive.py [--no-model] [--only m10,m11] [--thresholds 0.3,0.5,0.7]

The dev line set (`tests/data/dev/sensitive/lines.tsv`: 30 lines about a person's private matter, 20 ordinary
ones on the same topics), each line judged on its own: recall (sensitive lines flagged) and the false-flag rate
(ordinary lines flagged), for
- lexicon: a matter of some kind is named, person or not;
- person: the line is about someone (minutes.drafting.persons);
- lexicon+person: both (the lexical layers as detection uses them);
- model: the model's answer on the line alone (one question a line), at each threshold;
- combined: `sensitive.detect` with the model, as extraction runs it (the model asked only about lines about a
  third person that the lexicon left).

The dev meetings (`tests/data/dev/meetings`, reference transcripts): per meeting and layer, the sensitive items
flagged (a withheld line holds one of the item's terms, as bench/quality_extraction.py scores it), the lines
withheld that are not the item's (the notes give its lines), and the lines gold decisions and actions rest on
that were withheld (what drafting then cannot see). Then the classifier's cost: questions, tokens read and
seconds, in all and per hour of transcript.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.quality_extraction import stm_transcript  # noqa: E402
from minutes.core.drafting_params import DRAFTING  # noqa: E402
from minutes.drafting import lexicon, persons, private, sensitive, windows  # noqa: E402
from minutes.drafting.windows import Line  # noqa: E402

DEV = ROOT / "tests" / "data" / "dev"
CLERK = ROOT / "tests" / "data" / "clerk" / "dev_meetings.json"


# -- the line set -------------------------------------------------------------------------------------------------
def line_set() -> list[tuple[bool, str]]:
    rows = (DEV / "sensitive" / "lines.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [(label == "1", text) for label, text in (r.split("\t", 1) for r in rows if r.strip())]


def rates(flags: list[bool], labels: list[bool]) -> str:
    hit = sum(f and lab for f, lab in zip(flags, labels, strict=True))
    false = sum(f and not lab for f, lab in zip(flags, labels, strict=True))
    pos = sum(labels)
    return f"recall {hit}/{pos} = {hit / pos:.2f}, false flags {false}/{len(labels) - pos} = {false / (len(labels) - pos):.2f}"


def line_layers(engine, thresholds: list[float]) -> None:
    rows = line_set()
    labels = [lab for lab, _ in rows]
    one = [[Line(1, 0.0, 1.0, "Someone", text)] for _, text in rows]
    print("## Dev line set (each line on its own)\n")
    print(f"- lexicon:        {rates([bool(lexicon.kinds_in(t)) for _, t in rows], labels)}")
    print(f"- person:         {rates([persons.about_person(t) for _, t in rows], labels)}")
    print(f"- lexicon+person: {rates([bool(sensitive.lexical(x)) for x in one], labels)}")
    if engine is None:
        return
    said = engine.classify(private.opening(), [private.question(x) for x in one])
    for t in thresholds:
        print(f"- model >= {t:.2f}:   {rates([p >= t for p in said], labels)}")
    combined = [bool(sensitive.detect(x, [], engine).withheld) for x in one]
    print(f"- combined:       {rates(combined, labels)} (model at {DRAFTING.sensitive_threshold:.2f})")
    missed = [t for (lab, t), f in zip(rows, combined, strict=True) if lab and not f]
    false = [t for (lab, t), f in zip(rows, combined, strict=True) if f and not lab]
    print(f"  missed: {len(missed)}; false flags: {len(false)}")


# -- the meetings -------------------------------------------------------------------------------------------------
def _notes_lines(notes: str, heading: str) -> dict[str, list[int]]:
    """Lines each entry of a notes.md section rests on: '- d1 ... (lines 20, 23).' -> {'d1': [20, 23]}."""
    part = notes.split(heading, 1)[1] if heading in notes else ""
    part = re.split(r"\n(?:## |Not decisions|Sensitive \()", part)[0] if heading != "Sensitive (" else part
    out = {}
    for i, entry in enumerate(re.findall(r"^- (.*)$", part, re.MULTILINE)):
        got = re.search(r"\(lines? ([\d, ]+)\)", entry)
        if got:
            ref = entry.split()[0] if re.match(r"[ad]\d+\b", entry) else f"s{i + 1}"
            out[ref] = [int(n) for n in got.group(1).replace(",", " ").split()]
    return out


def gold_lines(folder: Path, lines: list[Line]) -> set[int]:
    """The lines gold decisions and actions rest on: from the notes (m10 on) or the clerk's quotes."""
    notes = (folder / "notes.md").read_text(encoding="utf-8")
    found = _notes_lines(notes, "## Gold items")
    if found:
        return {n for ns in found.values() for n in ns}
    filed = json.loads(CLERK.read_text(encoding="utf-8")).get(folder.name, {})
    quotes = [q for qs in filed.get("evidence", {}).values() for q in qs]
    return {x.number for x in lines for q in quotes if q in x.text}


def meeting_rows(engine, only: set[str] | None) -> tuple[list[dict], dict]:
    rows, cost = [], {"questions": 0, "tokens": 0, "seconds": 0.0, "hours": 0.0}
    for folder in sorted((DEV / "meetings").iterdir()):
        if not folder.is_dir() or (only and not any(folder.name.startswith(o) for o in only)):
            continue
        judge = json.loads((folder / "judge.json").read_text(encoding="utf-8"))
        transcript = stm_transcript(folder / "reference.stm")
        lines = windows.lines_of(transcript)
        people = judge["participants"]
        notes = (folder / "notes.md").read_text(encoding="utf-8")
        item_lines = {n for ns in _notes_lines(notes, "Sensitive (").values() for n in ns}
        terms = [s["any"] for s in judge["sensitive"]]
        item_lines |= {x.number for x in lines for t in terms if any(w in x.text.lower() for w in t)}
        gold = gold_lines(folder, lines)
        layers = {"lexicon+person": sensitive.detect(lines, people)}
        if engine is not None:
            tokens, started = engine.prompt_tokens, time.perf_counter()
            layers["combined"] = sensitive.detect(lines, people, engine)
            cost["seconds"] += time.perf_counter() - started
            cost["tokens"] += engine.prompt_tokens - tokens
            cost["questions"] += layers["combined"].asked
            cost["hours"] += transcript.duration / 3600
        for layer, found in layers.items():
            withheld = found.withheld
            flagged = sum(
                any(any(w in x.text.lower() for w in t) for x in lines if x.number in withheld) for t in terms
            )
            model_only = len(found.by_layer.get("model", set()))
            rows.append(
                {
                    "meeting": folder.name[:3],
                    "layer": layer,
                    "lines": len(lines),
                    "items flagged": f"{flagged}/{len(terms)}",
                    "withheld": len(withheld),
                    "withheld, not the item's": len(withheld - item_lines),
                    "gold lines withheld": f"{len(withheld & gold)}/{len(gold)}",
                    "model flagged": model_only if layer == "combined" else "",
                    "asked": found.asked if layer == "combined" else "",
                }
            )
    return rows, cost


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    return "\n".join(out + ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-model", action="store_true", help="the lexical layers only")
    parser.add_argument("--only", help="comma-separated prefixes of dev meeting names")
    parser.add_argument("--thresholds", default="0.3,0.5,0.7")
    args = parser.parse_args()
    engine = None
    if not args.no_model:
        from minutes.core.config import load_settings
        from minutes.engines.extractor import load_extractor

        engine = load_extractor(load_settings())
        engine.keep_prefix(private.opening())  # read once, before anything is timed
    line_layers(engine, [float(t) for t in args.thresholds.split(",")])
    only = {o.strip() for o in args.only.split(",")} if args.only else None
    rows, cost = meeting_rows(engine, only)
    print("\n## Dev meetings (reference transcripts)\n")
    print(table(rows))
    if engine is not None and cost["hours"]:
        per_hour = {k: cost[k] / cost["hours"] for k in ("questions", "tokens", "seconds")}
        print(
            f"\n## The classifier's cost\n\n{cost['questions']} questions, {cost['tokens']} tokens read, "
            f"{cost['seconds']:.1f} s over {cost['hours'] * 60:.0f} minutes of transcript: per hour "
            f"{per_hour['questions']:.0f} questions, {per_hour['tokens']:.0f} tokens, {per_hour['seconds']:.0f} s "
            f"({engine.threads} threads, group of {DRAFTING.sensitive_group} lines, threshold "
            f"{DRAFTING.sensitive_threshold})"
        )


if __name__ == "__main__":
    main()

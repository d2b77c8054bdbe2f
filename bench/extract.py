"""Extraction figures, printed, not asserted.

    .venv/bin/python bench/extract.py [--model NAME] [--skip-asr]

- the engine's speed: prefill tok/s (reading a 1000-token prompt from an empty state) and decode tok/s (greedy,
  unconstrained and under the actions reply's JSON-schema grammar);
- load time, prompt and generated tokens, wall time for the meeting-demo reference transcript, recall against
  gold.json;
- token cost per meeting hour with and without candidate-window selection, on
  meeting-demo and on a synthetic 1 h meeting (the demo's turns among general discussion);
- the same extraction from the ASR transcript (faster-whisper tiny.en on meeting.wav, words attributed to the
  reference speaker turns) against the reference transcript.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minutes.core.config import load_settings  # noqa: E402
from minutes.core.types import Draft, Segment, SpeakerTurn, Transcript  # noqa: E402
from minutes.drafting import prompts, windows  # noqa: E402
from minutes.drafting.extract import extract  # noqa: E402
from minutes.engines.extractor import load_extractor  # noqa: E402

DEMO = ROOT / "tests" / "data" / "meeting-demo"
PEOPLE = ["Priya", "Tom", "Helen", "Sam"]
MONDAY = date(2026, 11, 23)
MATCH = 60
FILLER = [
    "The science block heating was checked over the weekend.",
    "Most of the year groups have settled in well this term.",
    "The results from the autumn assessments look broadly similar to last year.",
    "The new microscopes are being used a lot in the practical lessons.",
]


def reference() -> Transcript:
    rows = [r.split(maxsplit=5) for r in (DEMO / "reference.stm").read_text().splitlines() if r.strip()]
    return Transcript(
        language="en",
        duration=98.0,
        segments=[Segment(start=float(r[3]), end=float(r[4]), text=r[5], speaker=r[2]) for r in rows],
    )


def synthetic_hour() -> Transcript:
    base, segments, t = reference().segments, [], 0.0
    while t < 3600:
        n = len(segments)
        if n % 10 == 0:
            seg = base[(n // 10) % len(base)]
            speaker, text, length = seg.speaker, seg.text, seg.end - seg.start
        else:
            speaker, text, length = PEOPLE[n % 4], FILLER[n % len(FILLER)], 5.0
        segments.append(Segment(start=t, end=t + length, text=text, speaker=speaker))
        t += length + 0.5
    return Transcript(language="en", duration=t, segments=segments)


def asr_transcript() -> Transcript:
    from minutes.engines.asr import load_asr
    from minutes.speech.attribute import attribute
    from minutes.speech.audio import decode
    from minutes.speech.transcribe import transcribe

    turns = [SpeakerTurn(s.start, s.end, s.speaker) for s in reference().segments]
    heard = transcribe(
        load_asr(load_settings(), "whisper-tiny.en", device="cpu"),
        decode(DEMO / "meeting.wav"),
        language="en",
    )
    return attribute(heard, turns)


def score(draft: Draft) -> dict:
    gold = json.loads((DEMO / "gold.json").read_text())

    def found(text, items):
        return max((fuzz.token_set_ratio(text.lower(), i.lower()) for i in items), default=0) >= MATCH

    decisions = [d.text for d in draft.decisions]
    by_owner = {}
    for a in draft.actions:
        by_owner.setdefault(a.owner, []).append(a.task)
    hit_d = sum(found(g, decisions) for g in gold["decisions"])
    hit_a = sum(found(g["task"], by_owner.get(g["owner"], [])) for g in gold["actions"])
    extra = sum(not found(d, gold["decisions"]) for d in decisions) + sum(
        not found(a.task, [g["task"] for g in gold["actions"]]) for a in draft.actions
    )
    due = {a.owner: a.due for a in draft.actions}
    return {
        "decisions": f"{hit_d}/{len(gold['decisions'])}",
        "actions (owner right)": f"{hit_a}/{len(gold['actions'])}",
        "invented": extra,
        "due Tom": due.get("Tom"),
        "due Sam": due.get("Sam"),
        "due Priya": due.get("Priya"),
        "deferred as decision": any(found(g, decisions) for g in gold["deferred"]),
    }


def run(engine, transcript: Transcript, **options) -> tuple[Draft, dict]:
    """Extraction with its token counts; "prompt tokens read" leaves out what came from a kept state (the
    opening on disk, the previous turn), counted at llama.cpp's `eval`."""
    before = (engine.calls, engine.prompt_tokens, engine.new_tokens, engine.seconds)
    llm, evaluated = engine._llm, []
    llm.eval = lambda tokens, real=llm.eval: (evaluated.append(len(tokens)), real(tokens))[1]
    started = time.perf_counter()
    try:
        draft = extract(engine, transcript, PEOPLE, MONDAY, **options)
    finally:
        del llm.eval  # the class's own again
    wall = time.perf_counter() - started
    calls, prompt, new, gen = (
        a - b
        for a, b in zip(
            (engine.calls, engine.prompt_tokens, engine.new_tokens, engine.seconds), before, strict=True
        )
    )
    return draft, {
        "calls": calls,
        "prompt tokens": prompt,
        "prompt tokens read": sum(evaluated) - new,
        "generated tokens": new,
        "model s": round(gen, 1),
        "wall s": round(wall, 1),
    }


def speed(engine) -> dict:
    """Prefill and decode tok/s of the loaded llama.cpp model (its state is reset first)."""
    llm = engine._llm
    text = " ".join(FILLER * 40)
    tokens = llm.tokenize(text.encode())[:1000]
    llm.reset()
    started = time.perf_counter()
    llm.eval(tokens)
    prefill = len(tokens) / (time.perf_counter() - started)
    figures = {"prefill tok/s": round(prefill, 1)}
    schema = prompts.actions_schema(list(range(1, 30)), PEOPLE)
    for label, fmt in (("decode tok/s", None), ("decode tok/s under the reply schema", schema)):
        llm.reset()
        messages = [
            {"role": "user", "content": "List ten school trips, with a sentence about each, as JSON."}
        ]
        started = time.perf_counter()
        out = llm.create_chat_completion(
            messages,
            max_tokens=200,
            temperature=0.0,
            top_k=1,
            response_format={"type": "json_object", "schema": fmt} if fmt else None,
        )
        usage = out["usage"]
        took = time.perf_counter() - started - usage["prompt_tokens"] / prefill
        figures[label] = round(usage["completion_tokens"] / took, 1)
    return figures


def token_cost(engine, transcript: Transcript) -> dict:
    lines = windows.lines_of(transcript)
    everything = sum(engine.count_tokens(x.render()) + 1 for x in lines)
    selected = [x for w in windows.select(lines, PEOPLE, before=2, after=2) for x in w]
    chosen = sum(engine.count_tokens(x.render()) + 1 for x in selected)
    per_hour = 3600 / transcript.duration
    return {
        "minutes": round(transcript.duration / 60, 1),
        "lines": len(lines),
        "selected lines": len(selected),
        "transcript tokens per hour, all": round(everything * per_hour),
        "transcript tokens per hour, selected": round(chosen * per_hour),
    }


def show(title: str, data: dict) -> None:
    print(f"\n{title}")
    for k, v in data.items():
        print(f"  {k}: {v}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--skip-asr", action="store_true")
    args = parser.parse_args()
    engine = load_extractor(load_settings(), model=args.model)
    show(
        f"{engine.name} on {engine.backend}: speed",
        {"load s": round(engine.load_seconds, 1), **speed(engine)},
    )
    draft, stats = run(engine, reference())
    show("meeting-demo reference transcript", {**stats, **score(draft)})
    show("token cost, meeting-demo", token_cost(engine, reference()))
    show("token cost, synthetic 1 h meeting", token_cost(engine, synthetic_hour()))
    if not args.skip_asr:
        asr = asr_transcript()
        draft_asr, stats_asr = run(engine, asr)
        show(
            "meeting-demo ASR transcript (tiny.en + reference speaker turns)",
            {"segments": len(asr.segments), **stats_asr, **score(draft_asr)},
        )


if __name__ == "__main__":
    main()

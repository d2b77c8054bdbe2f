"""The real loading and generation path, quickly, with SmolLM2-135M (useless output, real code): both backends,
inference only, and a long transcript in many chunks with bounded memory."""

import resource
from datetime import date

import pytest
import torch

from minutes.core.config import load_settings
from minutes.core.types import Segment, Transcript
from minutes.drafting.extract import extract
from minutes.engines.extractor import load_extractor

SMOKE = "smollm2-135m-instruct"
MESSAGES = [{"role": "user", "content": "Tom, can you book the coach by Friday? Reply in JSON."}]


@pytest.fixture(scope="module")
def smol_ct2():
    return load_extractor(load_settings(), model=SMOKE, backend="ctranslate2")


def _forbid_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training attempted during extraction")

    monkeypatch.setattr(torch.optim.Optimizer, "__init__", refuse)
    monkeypatch.setattr(torch.Tensor, "backward", refuse)
    monkeypatch.setattr(torch.autograd, "backward", refuse)


def test_ctranslate2_backend_generates(smol_ct2):
    text, prompt_tokens, new_tokens = smol_ct2.generate(MESSAGES, max_new_tokens=12)
    assert smol_ct2.backend == "ctranslate2" and smol_ct2.folder.name == f"{SMOKE}-ct2-int8"
    assert text.strip() and prompt_tokens > 10 and 0 < new_tokens <= 12


def test_transformers_backend_generates_in_inference_mode(monkeypatch):
    _forbid_training(monkeypatch)
    with pytest.raises(AssertionError, match="training attempted"):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)  # the guard is live
    engine = load_extractor(load_settings(), model=SMOKE, backend="transformers")
    assert not engine._model.training
    assert not any(p.requires_grad for p in engine._model.parameters())
    text, prompt_tokens, new_tokens = engine.generate(MESSAGES, max_new_tokens=8, reply_start='{"')
    assert text.startswith('{"') and prompt_tokens > 10 and 0 < new_tokens <= 8


FILLER = ["The science block heating was checked over the weekend.",
          "Most of the year groups have settled in well this term.",
          "The results from the autumn assessments look broadly similar to last year.",
          "The new microscopes are being used a lot in the practical lessons."]


def test_long_transcript_is_chunked_with_bounded_memory(demo, smol_ct2):
    rows = [r.split(maxsplit=5) for r in (demo / "reference.stm").read_text().splitlines() if r.strip()]
    segments, t = [], 0.0
    for n in range(640):  # about an hour of meeting: the demo's turns four times, among general discussion
        if n % 10 == 0:
            r = rows[(n // 10) % len(rows)]
            speaker, text, length = r[2], r[5], float(r[4]) - float(r[3])
        else:
            speaker, text, length = ["Priya", "Tom", "Helen", "Sam"][n % 4], FILLER[n % len(FILLER)], 5.0
        segments.append(Segment(t, t + length, text, speaker=speaker))
        t += length + 0.5
    transcript = Transcript("en", t, segments)
    seen, rss = [], []

    def progress(done, total):
        seen.append((done, total))
        rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)  # peak so far (KiB on Linux)

    calls = smol_ct2.calls
    draft = extract(smol_ct2, transcript, ["Priya", "Tom", "Helen", "Sam"], date(2026, 11, 23), progress=progress,
                    max_new_tokens=24)  # SmolLM's replies are cut short: the invalid-reply path runs too
    total = seen[-1][1]
    assert total >= 3 and seen == [(i, total) for i in range(1, total + 1)]
    assert total <= smol_ct2.calls - calls <= 2 * total  # one call per chunk, plus at most one repair each
    assert rss[-1] - rss[0] < 300 * 2**20  # the peak does not grow with the number of chunks
    # whatever the small model said, nothing is invented past the checks and nothing is dropped silently
    assert all(a.owner in (None, "Priya", "Tom", "Helen", "Sam") for a in draft.actions)
    assert all(i.status in ("supported", "unsupported") for i in [*draft.decisions, *draft.actions])
    broken = [f for f in draft.flags if f.kind == "extraction"]
    assert all(f.evidence and f.evidence[0].end > f.evidence[0].start for f in broken)
    assert all(f.reason in draft.notes for f in broken)  # every flagged chunk is also explained in the notes


def test_cli_prints_a_draft_and_audits_without_transcript_text(tmp_path, home):
    import json

    from click.testing import CliRunner

    from minutes.cli import cli
    from minutes.core import audit
    from minutes.core.store import Database

    path = tmp_path / "meeting.json"  # no line here suggests a decision, so the model is loaded but not run
    path.write_text(json.dumps({"language": "en", "duration": 12.0, "segments": [
        {"start": 0.0, "end": 5.0, "speaker": "Tom", "text": "The coach company replied about the museum."},
        {"start": 6.0, "end": 11.0, "speaker": "Helen", "text": "The mock exams went smoothly."}]}))
    common = [str(path), "--participants", "Tom,Helen", "--date", "2026-11-23", "--model", SMOKE]
    result = CliRunner().invoke(cli, ["extract", *common, "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["decisions"] == [] and out["actions"] == [] and "not run" in out["notes"][0]
    result = CliRunner().invoke(cli, ["extract", *common, "--format", "md"])
    assert result.exit_code == 0 and result.stdout.startswith("# Draft minutes (unreviewed)")
    db = Database.open(load_settings())
    try:
        with db.session() as s:
            events = audit.log(s, kind="extract.run")
    finally:
        db.close()
    assert len(events) == 2 and events[0].subject["model"] == SMOKE and "transcript" in events[0].hashes
    recorded = json.dumps([e.subject for e in events]) + json.dumps([e.hashes for e in events])
    assert "coach" not in recorded and "mock" not in recorded

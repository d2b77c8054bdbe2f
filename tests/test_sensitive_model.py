"""The model's yes/no layer with the real default model (Qwen2.5-Coder-1.5B Q4_K_M on llama.cpp): on invented
lines that no word list flags, it tells a person's private matter from business that names a person; and with
it in the loop every sensitive item of every dev meeting is still flagged."""

import json
from pathlib import Path

import pytest

from bench.quality_extraction import stm_transcript
from minutes.core.drafting_params import DRAFTING
from minutes.drafting import lexicon, private, windows
from minutes.drafting.sensitive import detect
from minutes.drafting.windows import Line

pytestmark = pytest.mark.slow

MEETINGS = Path(__file__).parent / "data" / "dev" / "meetings"
PRIVATE = [
    "Tilly's been wetting herself in class again and the others have noticed.",
    "Mr Cole's marriage is falling apart and he's been sleeping in his classroom.",
    "Ravi's dad lost everything gambling and they've had the bailiffs round.",
]
BUSINESS = [
    "Tilly's class are running the cake stall on Friday.",
    "Mr Cole will lead the Year 6 swimming lessons next term.",
    "Ravi's dad has offered to fix the greenhouse door.",
]


def test_the_model_tells_a_private_matter_from_business_naming_the_same_person(qwen):
    assert not any(lexicon.kinds_in(t) for t in PRIVATE + BUSINESS)  # only the model can tell these apart
    questions = [private.question([Line(1, 0.0, 1.0, "Someone", t)]) for t in PRIVATE + BUSINESS]
    tokens = qwen.prompt_tokens
    said = qwen.classify(private.opening(), questions)
    assert all(0.0 <= p <= 1.0 for p in said) and qwen.prompt_tokens > tokens
    yes, no = said[: len(PRIVATE)], said[len(PRIVATE) :]
    assert min(yes) >= DRAFTING.sensitive_threshold > max(no), (yes, no)
    lines = [Line(i, i * 5.0, i * 5.0 + 4, "Ann", t) for i, t in enumerate(PRIVATE + BUSINESS, 1)]
    found = detect(lines, ["Ann"], qwen)
    assert found.by_layer["model"] == {1, 2, 3} and found.asked >= 2


@pytest.mark.parametrize("name", sorted(p.name for p in MEETINGS.iterdir() if p.is_dir()))
def test_with_the_model_in_the_loop_every_sensitive_item_is_still_flagged(qwen, name):
    judge = json.loads((MEETINGS / name / "judge.json").read_text(encoding="utf-8"))
    lines = windows.lines_of(stm_transcript(MEETINGS / name / "reference.stm"))
    found = detect(lines, judge["participants"], qwen)
    for item in judge["sensitive"]:
        assert any(
            x.number in found.withheld for x in lines if any(t in x.text.lower() for t in item["any"])
        ), item["name"]
    assert len(found.withheld) <= 0.25 * len(lines)  # the model does not withhold the meeting wholesale

"""Extraction quality with the real default model (Qwen2.5-Coder-1.5B Q4_K_M on llama.cpp), loaded once here.

On meeting-demo's reference transcript: both gold decisions and all three gold actions, owners right, due dates
resolved, the deferred lab-technician point not a decision, nothing invented. On a dev meeting of another kind
(tests/data/dev, scored as bench/quality_extraction.py scores them): no not-decision and at least the measured
number of gold decisions, actions with their owner, and due dates (the 1.5B model does not find them all; the
README gives the figures). The other dev meetings are the bench's: each took 1-2 minutes here. Also: a planted safeguarding passage is flagged and kept out of the
summary; a meeting with nothing decided gives empty lists; the run is inference only (model file unchanged, no
optimiser, no backward).
"""

import json
from datetime import date

import pytest
import torch
from rapidfuzz import fuzz

from bench.quality_extraction import score_meeting, stm_transcript
from minutes.core.config import load_settings
from minutes.core.files import sha256_file
from minutes.core.types import Segment, Transcript
from minutes.drafting.extract import extract
from minutes.engines.store import model_store

pytestmark = pytest.mark.slow

PEOPLE = ["Priya", "Tom", "Helen", "Sam"]
MONDAY = date(2026, 11, 23)
MATCH = 60  # rapidfuzz token_set_ratio for "the same item"


def reference(demo) -> Transcript:
    segments = []
    for row in (demo / "reference.stm").read_text().splitlines():
        _, _, speaker, start, end, text = row.split(maxsplit=5)
        segments.append(Segment(start=float(start), end=float(end), text=text, speaker=speaker))
    return Transcript(language="en", duration=98.0, segments=segments)


@pytest.fixture(scope="module")
def demo_run(qwen, demo):
    """The demo meeting, extracted once with training made impossible and the model files hashed around it."""
    files = sorted(p for p in qwen.folder.iterdir() if p.is_file())
    before = {p.name: sha256_file(p) for p in files}

    def refuse(*args, **kwargs):
        raise AssertionError("training attempted during extraction")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.optim.Optimizer, "__init__", refuse)
        mp.setattr(torch.Tensor, "backward", refuse)
        mp.setattr(torch.autograd, "backward", refuse)
        with pytest.raises(AssertionError):
            torch.optim.AdamW([torch.zeros(1, requires_grad=True)])  # the guard is live
        draft = extract(qwen, reference(demo), PEOPLE, MONDAY)
    after = {p.name: sha256_file(p) for p in files}
    return draft, before, after


def _best(text, candidates):
    scored = [(fuzz.token_set_ratio(text.lower(), c.lower()), i) for i, c in enumerate(candidates)]
    return max(scored, default=(0, -1))


def test_demo_gold_decisions_and_actions(demo_run, demo):
    draft, _, _ = demo_run
    gold = json.loads((demo / "gold.json").read_text())
    decisions = [d.text for d in draft.decisions]
    for want in gold["decisions"]:
        score, i = _best(want, decisions)
        assert score >= MATCH, f"gold decision not found: {want!r} in {decisions}"
        assert draft.decisions[i].status == "supported"
    for (
        d
    ) in draft.decisions:  # nothing invented: every decision is a gold one, and none is the deferred point
        assert _best(d.text, gold["decisions"])[0] >= MATCH, f"invented decision: {d.text!r}"
        assert _best(d.text, gold["deferred"])[0] < MATCH and "technician" not in d.text.lower()
    tasks = [a.task for a in draft.actions]
    for want in gold["actions"]:
        score, i = _best(want["task"], tasks)
        assert score >= MATCH, f"gold action not found: {want['task']!r} in {tasks}"
        assert draft.actions[i].owner == want["owner"]
        assert draft.actions[i].status == "supported"
    for a in draft.actions:
        assert _best(a.task, [g["task"] for g in gold["actions"]])[0] >= MATCH, f"invented action: {a.task!r}"
    assert len(draft.actions) == 3 and len(draft.decisions) == 2
    due = {a.owner: a.due for a in draft.actions}
    assert due["Tom"] == "2026-11-27"  # "by Friday", said on Monday 2026-11-23
    # "by next Wednesday" (the request and Sam's answer: the Wednesday of the following week, 2 December), or the
    # recap's "by Wednesday" (25 November), which the model copies on some CPUs (their kernels round otherwise):
    # either way a date said for the task and placed on the calendar, never one the transcript does not say
    assert due["Sam"] in ("2026-12-02", "2026-11-25")
    assert "next meeting" in (due["Priya"] or "")  # unresolvable: kept as spoken
    assert draft.flags == []


def test_the_run_was_inference_only(demo_run, qwen):
    _, before, after = demo_run
    assert before == after and "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" in before
    assert model_store(load_settings()).status(qwen.name, full=True).problems == []  # still its pinned sha256


def test_forced_text_is_not_chosen_from_logits_and_the_reply_is_the_same(qwen, demo):
    """The JSON the schema fixes (keys, separators, enum tails) is handed out without the model choosing it,
    and the reply is exactly the one the model gives choosing every token (on the demo meeting's first lines)."""
    from minutes.drafting import prompts, windows
    from minutes.engines.llama_sampling import GreedyFirst

    lines = windows.lines_of(reference(demo))[:14]
    labels = [f"{name} (teacher)" for name in PEOPLE]
    case = (
        prompts.messages(windows.render(lines), labels),
        prompts.actions_schema([line.number for line in lines], labels),
        400,
    )
    llm, chosen = qwen._llm, []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            GreedyFirst,
            "_best",
            lambda self, *at, best=GreedyFirst._best: chosen.append(at) or best(self, *at),
        )
        llm.reset()
        forced = qwen.complete(*case)
        forced_chosen = len(chosen)
        mp.setattr(llm, "draft_model", None)
        llm.reset()
        alone = qwen.complete(*case)
    assert forced == alone and json.loads(forced)["actions"]
    assert forced_chosen < 0.75 * (len(chosen) - forced_chosen)  # a quarter or more of the tokens forced


def test_calls_side_by_side_give_the_replies_of_one_context(qwen, demo):
    """Two chunks' first turns run side by side, in two contexts on the same threads, give the replies one
    context gives, character for character, whichever lane runs which."""
    from minutes.drafting import prompts, windows

    assert qwen.threads >= 2  # the CI machine's two cores: two lanes
    lines = windows.lines_of(reference(demo))
    labels = [f"{name} (teacher)" for name in PEOPLE]
    cases = [
        (
            prompts.messages(windows.render(part), labels),
            prompts.actions_schema([x.number for x in part], labels),
            300,
        )
        for part in (lines[:9], lines[9:18])
    ]
    alone = [qwen.complete(*case) for case in cases]
    assert list(qwen.map(lambda model, case: model.complete(*case), cases)) == alone
    assert list(qwen.map(lambda model, case: model.complete(*case), cases[::-1])) == alone[::-1]
    assert all(json.loads(reply).keys() == {"actions"} for reply in alone)


def test_planted_safeguarding_passage_is_flagged_and_kept_out(qwen, demo):
    base = reference(demo).segments
    planted = [
        Segment(
            start=0,
            end=0,
            text="Before the last item, I need to raise a safeguarding concern about Jamie Ellis in Year 8.",
            speaker="Helen",
        ),
        Segment(
            start=0,
            end=0,
            text="He told his tutor things are difficult at home, and he had bruises on his arm again.",
            speaker="Helen",
        ),
    ]
    segments, t = [], 0.0
    for seg in base[:12] + planted + base[12:]:
        length = (seg.end - seg.start) or 6.0
        segments.append(Segment(start=t, end=t + length, text=seg.text, speaker=seg.speaker))
        t += length + 0.5
    draft = extract(qwen, Transcript(language="en", duration=t, segments=segments), PEOPLE, MONDAY)
    flags = [f for f in draft.flags if f.kind == "safeguarding"]
    assert flags, draft.flags
    start, end = segments[12].start, segments[13].end
    assert flags[0].evidence[0].start == start and flags[0].evidence[0].end == end
    private = ("jamie", "ellis", "bruise", "tutor", "safeguarding", "at home")
    said = " ".join(
        [draft.summary, *(d.text for d in draft.decisions), *(a.task for a in draft.actions)]
    ).lower()
    assert not any(word in said for word in private)
    for item in [*draft.decisions, *draft.actions]:
        assert all(not (e.start < end and e.end > start) for e in item.evidence)
    assert any(a.owner == "Tom" for a in draft.actions)  # the rest of the meeting is still minuted


def test_a_meeting_with_nothing_decided_gives_empty_lists(qwen):
    rows = [
        ("Priya", "Let's start with updates from each of you."),
        ("Tom", "The science block heating was repaired last week, so the labs are warm again."),
        ("Helen", "The Year 11 mocks went smoothly. Results will be out in January."),
        ("Sam", "The new microscopes arrived and the students have enjoyed using them."),
        ("Priya", "Thanks, that's all really useful to hear. See you all next week."),
    ]
    segments = [
        Segment(start=i * 6.0, end=i * 6.0 + 5.0, text=text, speaker=who)
        for i, (who, text) in enumerate(rows)
    ]
    calls = qwen.calls
    draft = extract(qwen, Transcript(language="en", duration=30.0, segments=segments), PEOPLE, MONDAY)
    assert qwen.calls > calls  # the model did read it (the cues selected these lines)
    assert draft.decisions == [] and draft.actions == []


# The figures measured with the default model on each dev meeting's reference transcript (docs/performance.md,
# `python bench/quality_extraction.py --skip-qmsum`): gold decisions, actions with their right owner, and due
# dates found. Greedy decoding repeats on one machine; another CPU may round one item differently, so the floor
# is one less than measured, but never 0: a floor of 0 could not fail.
MEASURED = {  # after the ablation's removals and `yes_looks` (docs/drafting-rules.md): found of gold
    "m09_short_messy_delegation": {"decisions": 1, "actions (owner right)": 3, "due right": 2},
}
DEV = {name: {key: max(1, found - 1) for key, found in m.items()} for name, m in MEASURED.items()}


@pytest.fixture(scope="module")
def dev_runs(qwen, data):
    """Each dev meeting extracted on first use and kept, so that `-k m09` extracts m09 alone."""
    runs = {}

    def run(name: str):
        if name not in runs:
            folder = data / "dev" / "meetings" / name
            judge = json.loads((folder / "judge.json").read_text())
            transcript = stm_transcript(folder / "reference.stm")
            draft = extract(
                qwen, transcript, judge["participants"], date.fromisoformat(judge["meeting_date"])
            )
            runs[name] = (draft, judge, score_meeting(draft, judge, transcript))
        return runs[name]

    return run


@pytest.mark.parametrize("name", DEV)
def test_dev_meeting_floor(dev_runs, name):
    """Delegation and self-correction (m09): no not-decision, no chunk left unread, owners only from the
    participants, and the measured floor of gold items less one for another CPU's rounding (a drop below it is a
    regression in the prompts or the rules)."""
    draft, judge, score = dev_runs(name)
    shown = json.dumps(draft.model_dump(mode="json"), indent=1)
    assert score["not-decisions reported"] == 0, shown
    assert not [f for f in draft.flags if f.kind == "extraction"], shown
    assert all(a.owner in (None, *judge["participants"]) for a in draft.actions), shown
    for key, floor in DEV[name].items():
        assert int(score[key].split("/")[0]) >= floor, f"{key}: {score[key]}\n{shown}"

"""The real loading and generation path, quickly, with SmolLM2-135M on llama.cpp (useless output, real code):
replies under a JSON schema parse, a long transcript goes in many chunks with bounded memory, and the CLI."""

import json
import resource
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from minutes.core.config import load_settings
from minutes.core.drafting_params import DRAFTING
from minutes.core.types import Segment, Transcript
from minutes.drafting import looks, prompts
from minutes.drafting.extract import extract, parse_reply
from minutes.drafting.prompts import actions_schema
from minutes.drafting.windows import lines_of
from minutes.engines.extractor import load_extractor

pytestmark = pytest.mark.slow  # every test loads the real 135M model (fast, but not for `make check`)

SMOKE = "smollm2-135m-instruct"
MESSAGES = [{"role": "user", "content": "Tom, can you book the coach by Friday? Reply in JSON."}]


@pytest.fixture(scope="module")
def smol():
    return load_extractor(load_settings(), model=SMOKE)


def test_a_reply_under_the_schema_always_parses(smol):
    schema = actions_schema([1, 2, 3], ["Tom", "Helen"])
    text = smol.complete(MESSAGES, schema, max_new_tokens=DRAFTING.max_new_tokens)
    reply = parse_reply(text)
    assert smol.backend == "llama.cpp" and smol.calls == 1 and 0 < smol.new_tokens <= DRAFTING.max_new_tokens
    assert all(set(a.owners) <= {"Tom", "Helen"} and set(a.lines) <= {1, 2, 3} for a in reply.actions)
    assert json.loads(text).keys() == {"actions"}


def test_checking_the_best_token_first_gives_the_stock_samplers_replies(smol, monkeypatch):
    """GreedyFirst picks what llama-cpp-python's own chain (grammar over the whole vocabulary, then greedy)
    picks, token for token, including where the grammar turns the model's best token down."""
    from llama_cpp import Llama

    from minutes.engines.llama_sampling import GreedyFirst

    cases = [
        (MESSAGES, actions_schema([1, 2, 3], ["Tom", "Helen"]), 80),
        (
            prompts.messages("1 Zoë: I'll book the coach by Friday.\n2 Tom: Agreed.", ["Zoë", "Tom"]),
            prompts.decisions_schema([1, 2]),
            120,
        ),
    ]
    filtered = []

    def afresh(case) -> str:  # every prompt read from an empty context, so only the sampler differs
        smol._llm.reset()
        reply = smol.complete(*case)
        filtered.append(getattr(smol._llm._sampler, "filtered", None))
        return reply

    monkeypatch.setattr(
        smol._llm, "draft_model", None
    )  # token by token on both sides: only the choice differs
    ours = [afresh(case) for case in cases]
    assert isinstance(smol._llm._sampler, GreedyFirst) and all(filtered)  # the slow path ran too
    monkeypatch.setattr(type(smol._llm), "_init_sampler", Llama._init_sampler)
    assert [afresh(case) for case in cases] == ours


def test_the_text_the_grammar_fixes_is_found_and_handed_out_without_the_model(smol):
    """After a value, the separator, the next key and a string's opening quote are forced (their tokens queued
    and returned by `sample` without reading logits); the last token is left to the model unless a word or a
    digit must follow; inside free text nothing is forced. The json.dumps spacing is the one allowed between values, and
    the spaces the model writes inside brackets in some replies stay allowed."""
    import llama_cpp
    from llama_cpp.llama_grammar import LlamaGrammar

    from minutes.engines.llama_sampling import GreedyFirst, grammar_for

    llm = smol._llm
    schema = actions_schema([1, 2], ["Tom (teacher)", "Helen (teacher)"])
    grammar = LlamaGrammar.from_string(grammar_for(schema), verbose=False)

    def forced_after(text: str) -> str:
        sampler = GreedyFirst(llm, grammar)
        for token in llm.tokenize(text.encode(), add_bos=False, special=False):  # as if the model wrote it
            llama_cpp.llama_sampler_accept(sampler._sampler, token)
        tokens = sampler.forced(room=100)
        assert [sampler.sample(None) for _ in tokens] == tokens  # handed out in order, no logits read
        return llm.detokenize(tokens).decode()

    item = '{"actions": [{"task": "Book the coach", "owners": ["Tom (teacher)"],'
    assert forced_after(item) == ' "kind": "'  # opens a string: kept whole
    owners = forced_after('{"actions": [{"task": "Book the coach",')  # then '"', "]" or " ": the end may join
    assert owners and ' "owners": ['.startswith(owners) and owners != ' "owners": ['
    assert forced_after(item + ' "kind": "asked", "due": null,') == ' "lines": ['  # only digits follow
    due = forced_after(item + ' "kind": "asked",')  # ' "due": ' and then a string or null: the end may join
    assert due and ' "due": '.startswith(due) and due != ' "due": '
    assert forced_after('{"actions": [{"task": "Book the co') == ""  # the model's own words
    assert (
        forced_after('{ "actions": [ {"task": "Book the coach", "owners": ["Tom (teacher)"],') == ' "kind": "'
    )
    owner = '{"actions": [{"task": "Book the coach", "owners": ["'
    assert forced_after(owner) == ""  # two names allowed
    assert forced_after(owner + "Hel").startswith("en (teacher")  # only one left
    assert smol.complete(MESSAGES, schema, max_new_tokens=60)  # and generation runs with it


def test_a_kept_opening_comes_back_after_another_prompt_and_gives_the_same_reply(smol):
    """A prompt whose kept opening another prompt pushed out of the context is answered from the kept state as
    from a fresh evaluation; the kept state carries no logits, and loading it fills no logits buffer."""
    opening = prompts.opening()
    chat = prompts.messages("1 Zoë: I'll book the coach by Friday.", ["Zoë"])
    schema = actions_schema([1], ["Zoë"])
    other = [{"role": "user", "content": "Helen will write the letter next week. " * 20 + "Reply in JSON."}]
    smol._llm.reset()
    afresh = smol.complete(chat, schema, max_new_tokens=40)
    smol.keep_prefix(opening)
    smol.complete(other, schema, max_new_tokens=40)  # the context now holds another prompt
    loaded = []
    real_load = smol._llm.load_state
    smol._llm.load_state = lambda state: (loaded.append(state), real_load(state))[1]
    try:
        assert smol.complete(chat, schema, max_new_tokens=40) == afresh
    finally:
        del smol._llm.load_state
    (state,) = loaded
    assert state.scores.shape[0] == 1 and smol._llm.cache is None  # no RAM cache of completions either


def test_classification_reads_yes_from_one_forward_pass_the_same_in_any_context(smol):
    """`classify` gives P(yes) for each question after a kept opening: a probability, different for different
    questions, generating nothing; the same whether the context last held a completion, another question or
    nothing, and the same in two contexts side by side as in one."""
    opening = [
        {"role": "system", "content": "Answer Yes or No."},
        {"role": "user", "content": "Is snow cold?"},
        {"role": "assistant", "content": "Yes"},
        {"role": "user", "content": "Is fire cold?"},
        {"role": "assistant", "content": "No"},
    ]
    questions = ["Is ice cold?", "Is the sun cold?", "Is a stove hot?", "Is rain dry?"]
    smol._llm.reset()
    new_before = smol.new_tokens
    first = smol.classify(opening, questions)
    assert smol.new_tokens == new_before  # nothing generated
    assert all(0.0 <= p <= 1.0 for p in first) and len(set(first)) > 1
    smol.complete(MESSAGES, actions_schema([1], ["Tom"]), max_new_tokens=20)  # the context holds a reply now
    assert [smol.yes([*opening, {"role": "user", "content": q}]) for q in reversed(questions)] == first[::-1]
    two = load_extractor(load_settings(), model=SMOKE, threads=2)
    try:
        assert two.classify(opening, questions) == pytest.approx(first, abs=1e-4)
    finally:
        two.close()


def test_calls_side_by_side_give_one_contexts_replies_in_order_and_leave_nothing_behind():
    """`map` runs independent calls in two contexts on one copy of the weights, each on the extractor's
    threads, the first on the calling thread (minutes.engines.llama_lanes); every reply is the one the single
    context gives, the results come in the items' order, an error in one item is raised in its turn, and the
    second context is gone afterwards. On one core the calls run in turn."""
    import threading

    schema = actions_schema([1, 2], ["Tom", "Helen"])
    asks = [
        "book the coach by Friday",
        "write to parents",
        "check the budget",
        "ring the venue",
        "print the tickets",
    ]
    chats = [[{"role": "user", "content": f"Tom, can you {ask}? Reply in JSON."}] for ask in asks]
    two = load_extractor(load_settings(), model=SMOKE, threads=2)
    alone = [two.complete(chat, schema, max_new_tokens=40) for chat in chats]
    lanes = []

    def work(model, chat):
        lanes.append((threading.current_thread().name, id(model.llm)))
        return model.complete(chat, schema, max_new_tokens=40)

    assert list(two.map(work, chats)) == alone
    caller = threading.current_thread().name
    assert len(set(lanes)) == 2 and {name for name, _ in lanes} == {caller, "lane-1"}

    def failing(model, chat):
        if chat is chats[1]:
            raise ValueError("item 2")
        return model.complete(chat, schema, max_new_tokens=40)

    results = two.map(failing, chats)
    assert next(results) == alone[0]
    with pytest.raises(ValueError, match="item 2"):
        next(results)
    assert not any(t.name.startswith("lane-") for t in threading.enumerate())
    assert two.complete(chats[2], schema, max_new_tokens=40) == alone[2]
    two.close()
    one = load_extractor(load_settings(), model=SMOKE, threads=1)
    assert list(one.map(lambda model, chat: model.complete(chat, schema, max_new_tokens=40), chats[:2])) == [
        one.complete(chat, schema, max_new_tokens=40) for chat in chats[:2]
    ]
    one.close()


def test_a_caller_with_nothing_left_to_run_frees_its_openmp_threads():
    """Once the calling thread has no call left to run in `map`, it frees its OpenMP thread pool, so the lane
    still running is the only pool libgomp counts and spins at its barriers (minutes.engines.llama_lanes); the
    next call on the calling thread makes a new pool and answers as before."""
    import os

    from minutes.engines.llama_lanes import _let_go

    def threads() -> int:
        return len(os.listdir("/proc/self/task"))

    schema = actions_schema([1], ["Tom"])
    chat = [{"role": "user", "content": "Tom, can you book the coach? Reply in JSON."}]
    two = load_extractor(load_settings(), model=SMOKE, threads=2)
    try:
        said = two.complete(chat, schema, max_new_tokens=30)  # the calling thread's pool: one more thread
        with_pool = threads()
        _let_go()
        freed = threads()
        assert freed < with_pool
        assert two.complete(chat, schema, max_new_tokens=30) == said
        assert threads() > freed
    finally:
        two.close()


@pytest.mark.home_prompt_states
def test_the_prompt_opening_is_kept_on_disk_holds_no_meeting_text_and_answers_as_read_afresh(home):
    """The opening's state is computed once and written under MINUTES_HOME; the next load reads it instead of
    evaluating the opening, and either way the reply is the one a fresh evaluation gives. A torn file is
    ignored and written again."""
    opening = prompts.opening()
    chat = prompts.messages("1 Zoë: I'll book the coach by Friday.", ["Zoë"])
    schema = actions_schema([1], ["Zoë"])
    first = load_extractor(load_settings(), model=SMOKE)
    afresh = first.complete(chat, schema, max_new_tokens=40)  # no opening kept: the whole prompt is read
    first._llm.reset()
    first.keep_prefix(opening)
    (kept,) = (home / "cache" / "prompt-states").glob("*.npz")
    assert first.complete(chat, schema, max_new_tokens=40) == afresh
    tokens = np.load(kept)["tokens"].tolist()
    text = first._llm.detokenize(tokens, special=True).decode()
    assert text.startswith("<|im_start|>system") and "Zoë" not in text and "coach by Friday" not in text
    first.close()

    second = load_extractor(load_settings(), model=SMOKE)
    evaluated = []
    real_eval = second._llm.eval
    second._llm.eval = lambda t: (evaluated.append(len(t)), real_eval(t))[1]
    second.keep_prefix(opening)
    assert evaluated == []  # read from disk, not evaluated
    assert second.complete(chat, schema, max_new_tokens=40) == afresh
    assert sum(evaluated) < len(tokens)  # only the meeting's part of the prompt and the reply
    second.close()

    kept.write_bytes(kept.read_bytes()[:1000])  # torn
    third = load_extractor(load_settings(), model=SMOKE)
    third.keep_prefix(opening)
    assert np.load(kept)["tokens"].tolist() == tokens  # evaluated again and rewritten whole
    assert third.complete(chat, schema, max_new_tokens=40) == afresh


FILLER = [
    "The science block heating was checked over the weekend.",
    "Most of the year groups have settled in well this term.",
    "The results from the autumn assessments look broadly similar to last year.",
    "The new microscopes are being used a lot in the practical lessons.",
]


def quarter_hour(demo) -> Transcript:
    """About a quarter of an hour of meeting: the demo's turns, among general discussion."""
    rows = [r.split(maxsplit=5) for r in (demo / "reference.stm").read_text().splitlines() if r.strip()]
    segments, t = [], 0.0
    for n in range(160):
        if n % 10 == 0:
            r = rows[(n // 10) % len(rows)]
            speaker, text, length = r[2], r[5], float(r[4]) - float(r[3])
        else:
            speaker, text, length = ["Priya", "Tom", "Helen", "Sam"][n % 4], FILLER[n % len(FILLER)], 5.0
        segments.append(Segment(start=t, end=t + length, text=text, speaker=speaker))
        t += length + 0.5
    return Transcript(language="en", duration=t, segments=segments)


def test_long_transcript_is_chunked_with_bounded_memory(demo, smol, monkeypatch):
    transcript = quarter_hour(demo)
    seen, rss = [], []

    def progress(done, total, unit):
        seen.append((unit, done, total))
        # resident now, not the process's peak so far: in the whole suite that peak is set by earlier tests'
        # models, and would hide any growth here; part by part from the end of the first, when the contexts are
        # made (the second looks and yes/no questions after the parts hold a context of their own for a while)
        if unit == "part" and done:
            rss.append(int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize())

    questions: list[str] = []  # yes/no questions (prefill only), which the engine counts as calls too
    classify = smol.classify

    def counted(opening, asked):
        questions.extend(asked)
        return classify(opening, asked)

    monkeypatch.setattr(smol, "classify", counted)
    calls = smol.calls
    draft = extract(
        smol,
        transcript,
        ["Priya", "Tom", "Helen", "Sam"],
        date(2026, 11, 23),
        progress=progress,
        chunk_tokens=800,
    )  # parts smaller than the default's, so that a quarter of an hour makes several
    rss.append(
        int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()
    )  # and after it all
    parts = [(done, total) for unit, done, total in seen if unit == "part"]
    total = parts[-1][1]
    assert total >= 2 and parts == [(i, total) for i in range(total + 1)]  # only candidate windows are sent
    looked = [(done, of) for unit, done, of in seen if unit == "second look"]  # counted too, after the parts
    assert seen[: len(parts)] == [("part", *p) for p in parts]
    assert looked == ([(i, looked[-1][1]) for i in range(looked[-1][1] + 1)] if looked else [])
    # two turns per chunk, at most the meeting's cap of focused looks, and the final pass (apart from them, one
    # yes/no question per drafted decision)
    most = looks.cap(lines_of(transcript), DRAFTING)
    assert 2 * total <= smol.calls - calls - len(questions) <= 2 * total + most + 1
    # memory does not grow with the number of chunks (no state of a finished prompt is kept)
    assert max(rss) - rss[0] < 64 * 2**20
    # whatever the small model said, nothing is invented past the checks and nothing is dropped silently
    assert all(a.owner in (None, "Priya", "Tom", "Helen", "Sam") for a in draft.actions)
    assert all(i.status in ("supported", "unsupported") for i in [*draft.decisions, *draft.actions])
    broken = [f for f in draft.flags if f.kind == "extraction"]
    assert all(f.evidence and f.evidence[0].end > f.evidence[0].start for f in broken)
    assert all(f.reason in draft.notes for f in broken)  # every flagged chunk is also explained in the notes


def test_drafting_stops_within_a_batch_once_its_caller_says_so(demo, smol):
    """Issue 40, item 21: a withdrawal during drafting stops the model, between two batches of a prompt or two
    tokens of a reply, instead of letting it read the person's words to the end (bench/withdrawal_stop.py
    measures how soon with the real extractor)."""
    import threading
    import time

    from minutes.engines.llama import Cancelled

    told, ended = threading.Event(), {}

    def draft() -> None:
        try:
            with smol.stopping(told.is_set, every=0.1):
                extract(smol, quarter_hour(demo), ["Priya", "Tom", "Helen", "Sam"], date(2026, 11, 23))
            ended["how"] = "finished"
        except Cancelled:
            ended["how"] = "stopped"
        ended["at"] = time.monotonic()

    calls = smol.calls
    worker = threading.Thread(target=draft)
    worker.start()
    while smol.calls == calls and worker.is_alive():  # well into the run: a first reply is in
        time.sleep(0.05)
    told.set()
    said_at = time.monotonic()
    worker.join(120)
    assert ended["how"] == "stopped", "the whole transcript was drafted"
    assert ended["at"] - said_at < 10, f"stopped {ended['at'] - said_at:.1f} s after being told"
    assert smol._llm.stop is None  # the next run is not stopped by this one's question
    reply = smol.complete(MESSAGES, actions_schema([1, 2, 3], ["Tom", "Helen"]), DRAFTING.max_new_tokens)
    assert json.loads(reply).keys() == {"actions"}


def test_cli_prints_a_draft_and_audits_without_transcript_text(tmp_path, home):
    from click.testing import CliRunner

    from minutes.cli import cli
    from minutes.core import audit
    from minutes.core.store import Database

    path = tmp_path / "meeting.json"
    path.write_text(
        json.dumps(
            {
                "language": "en",
                "duration": 12.0,
                "segments": [
                    {
                        "start": 0.0,
                        "end": 5.0,
                        "speaker": "Tom",
                        "text": "The coach company replied about the museum.",
                    },
                    {"start": 6.0, "end": 11.0, "speaker": "Helen", "text": "The mock exams went smoothly."},
                ],
            }
        )
    )
    common = [str(path), "--participants", "Tom,Helen", "--date", "2026-11-23", "--model", SMOKE]
    result = CliRunner().invoke(cli, ["extract", *common, "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) >= {"decisions", "actions", "summary", "flags", "notes"}
    assert all(a["owner"] in (None, "Tom", "Helen") for a in out["actions"])
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

"""The extractor on llama.cpp (llama-cpp-python): the shipped Q4_K_M GGUF, run directly, with JSON-schema grammars.

Every reply is decoded under a grammar built from a JSON schema, so it parses by construction and every list and
string in it is bounded (`maxItems`, `maxLength`, enums for cited line numbers and owners): no repair round, no
loop guard. llama.cpp keeps the model state of the previous prompt and reads only what differs, and the state
after each fixed opening (the instructions and worked examples that start every chunk's prompt, or every second
look's) is kept in RAM and on disk and loaded when a prompt starts with it, so an opening is read once. States of
finished prompts are not kept (llama-cpp-python's RAM cache copied one after every call, 80 MB each, for
nothing). Calls that do not depend on each other run in two contexts side by side (`map`,
minutes.engines.llama_lanes). Greedy decoding (top_k 1), the text the grammar forces read without logits
(minutes.engines.llama_sampling), CPU only (the wheel is built from source without a GPU backend), inference
only.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from minutes.errors import ModelError

Messages = list[dict[str, str]]
T = TypeVar("T")
R = TypeVar("R")
CONTEXT = 6144  # tokens: instructions and examples (~1.2k) + a chunk (<= 1.4k) + the reply (<= 1.4k)
BATCH = 256  # prompt tokens per step; llama-cpp-python allocates BATCH x vocabulary floats of logits (unused)
FLASH_ATTENTION = (
    True  # prefill 58 tokens/s against 49 without (1,500 tokens, 2 cores, AVX-512 build); decode the same
)
LANES = 2  # contexts that run independent calls side by side (minutes.engines.llama_lanes), cores allowing
STOP_POLL = 0.5  # seconds between two questions to a caller who may want a call stopped (a database read)


class Cancelled(Exception):
    """A model call stopped because its caller said so (`LlamaExtractor.stopping`), e.g. consent was withdrawn
    while it drafted: its reply would be discarded."""


@dataclass
class LlamaExtractor:
    """A loaded GGUF model; `complete` returns a reply that matches the given JSON schema."""

    name: str
    folder: Path
    load_seconds: float
    _llm: Any = field(repr=False)
    backend: str = "llama.cpp"
    device: str = "cpu"
    weights: str = ""  # the GGUF file, the library and its build, in the key of a kept state
    states: Path | None = None  # where fixed prompt prefixes' states are kept (None: only in RAM)
    threads: int = 1  # the cores it runs on
    calls: int = 0  # running totals over this load, for benchmarks
    prompt_tokens: int = 0
    new_tokens: int = 0
    seconds: float = 0.0
    # kept openings' states by their messages (JSON): a few fixed prompt prefixes, never meeting text
    _kept: dict[str, tuple[list[int], Any]] = field(default_factory=dict, repr=False)
    _said: dict[int, Messages] = field(default_factory=dict, repr=False)  # each context's last exchange
    _totals: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _answers: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)  # "yes", "no" token ids

    @contextmanager
    def stopping(self, should_stop: Callable[[], bool], every: float = STOP_POLL) -> Iterator[None]:
        """Inside the block, every model call (and the side lanes `map` opens in it) asks `should_stop`, at
        most every `every` seconds, while llama.cpp computes, and raises `Cancelled` once it says yes: a call
        ends within a fraction of a second of the answer. The context is then read afresh by the next call."""
        log = logging.getLogger("llama-cpp-python")
        level, self._llm.stop = log.level, _Every(should_stop, every)
        try:
            yield
        except Cancelled:
            self._said.pop(id(self._llm), None)
            self._llm.reset()  # what it had read of the stopped prompt goes (the kept openings stay)
            raise
        finally:
            self._llm.stop = None
            log.setLevel(level)  # quietened for the stopped step's log line (llama_sampling)

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def complete(self, messages: Messages, schema: dict, max_new_tokens: int) -> str:
        """Greedy chat completion constrained to `schema`, spaced as `json.dumps` spaces (see `compact`)."""
        return self._complete(self._llm, messages, schema, max_new_tokens)

    def classify(self, opening: Messages, questions: Sequence[str]) -> list[float]:
        """P(yes) for each question asked after `opening` (instructions and worked examples whose answers are
        "Yes" or "No"): read from the model's next-token distribution at the start of its answer, in one
        forward pass over the question (prefill only, nothing generated). The opening's state is kept
        (`keep_prefix`), so each question costs its own tokens only; questions run in two contexts side by side
        where the cores allow (`map`)."""
        if not questions:
            return []
        self.keep_prefix(opening)
        asked = [[*opening, {"role": "user", "content": q}] for q in questions]
        return list(self.map(lambda model, messages: model.yes(messages), asked))

    def yes(self, messages: Messages) -> float:
        """P(yes) as the first word of the reply to `messages` (see `classify`)."""
        return self._yes(self._llm, messages)

    def map(self, work: Callable[[Any, T], R], items: Sequence[T]) -> Iterator[R]:
        """`work(model, item)` for every item, results in order; on more than one core the items run in `LANES`
        contexts side by side (minutes.engines.llama_lanes), each on as many threads as this one, so each reply
        is the one this context gives. `work` must only call `complete` or `yes` on the model it is given."""
        lanes = min(LANES, len(items)) if self.threads > 1 else 1
        if lanes < 2:
            yield from (work(self, item) for item in items)
            return
        from minutes.engines.llama_lanes import in_lanes

        others = [self._llm.lane(self.threads) for _ in range(lanes - 1)]
        try:
            yield from in_lanes([self._llm, *others], lambda llm, item: work(_Lane(self, llm), item), items)
        finally:
            for other in others:
                self._said.pop(id(other), None)
                other.close()

    def _complete(self, llm: Any, messages: Messages, schema: dict, max_new_tokens: int) -> str:
        """A completion on one context (`llm`), its prompt read on from a fixed point (`_resume`)."""
        from llama_cpp.llama_grammar import LlamaGrammar

        from minutes.engines.llama_sampling import grammar_for

        started = time.perf_counter()
        self._resume(llm, messages)
        grammar = LlamaGrammar.from_string(grammar_for(schema), verbose=False)
        out = llm.create_chat_completion(
            messages,
            grammar=grammar,
            max_tokens=max_new_tokens,
            temperature=0.0,
            top_k=1,
            top_p=1.0,
            repeat_penalty=1.0,
        )
        reply = out["choices"][0]["message"]["content"] or ""
        self._said[id(llm)] = [*messages, {"role": "assistant", "content": reply}]
        usage = out.get("usage", {})
        with self._totals:
            self.calls += 1
            self.prompt_tokens += usage.get("prompt_tokens", 0)
            self.new_tokens += usage.get("completion_tokens", 0)
            self.seconds += time.perf_counter() - started
        return reply

    def _yes(self, llm: Any, messages: Messages) -> float:
        """P(yes) on one context (`llm`): the prompt read on from a fixed point (`_resume`), then the
        probabilities of the vocabulary's "yes" and "no" tokens at its last position, normalised over the two."""
        import llama_cpp

        started = time.perf_counter()
        self._resume(llm, messages)
        self._said.pop(id(llm), None)  # the context now ends in a question nobody answered
        tokens = self._prompt_tokens(messages)
        kept = llm.n_tokens if llm.input_ids[: llm.n_tokens].tolist() == tokens[: llm.n_tokens] else 0
        if not kept:
            llm.reset()
        llm.eval(tokens[kept:])
        logits = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),)
        )
        yes_ids, no_ids = self._answer_tokens()
        top = float(logits.max())
        yes, no = (float(np.exp(logits[ids] - top).sum()) for ids in (yes_ids, no_ids))
        with self._totals:
            self.calls += 1
            self.prompt_tokens += len(tokens) - kept
            self.seconds += time.perf_counter() - started
        return yes / (yes + no) if yes + no > 0 else 0.5

    def _answer_tokens(self) -> tuple[np.ndarray, np.ndarray]:
        """The token ids that spell "yes" and "no" on their own, in any case and with or without a leading
        space (a reply starts with one of them)."""
        if self._answers is None:
            found: dict[str, list[int]] = {"yes": [], "no": []}
            for word in ("yes", "Yes", "YES", "no", "No", "NO"):
                for text in (word, f" {word}"):
                    ids = self._llm.tokenize(text.encode(), add_bos=False, special=False)
                    if len(ids) == 1:
                        found[word.lower()].append(ids[0])
            yes, no = (np.array(sorted(set(v)), dtype=np.intc) for v in found.values())
            self._answers = (yes, no)
        return self._answers

    def _prompt_tokens(self, messages: Messages) -> list[int]:
        """The tokens of `messages` with the assistant's turn opened, as `create_chat_completion` reads them."""
        llm = self._llm
        result = self._template()(messages=messages)
        return llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)

    def _template(self) -> Any:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm = self._llm
        special = [
            llm._model.token_get_text(t) if t != -1 else "" for t in (llm.token_eos(), llm.token_bos())
        ]
        eos, bos = special
        return Jinja2ChatFormatter(llm.metadata["tokenizer.chat_template"], eos_token=eos, bos_token=bos)

    def _resume(self, llm: Any, messages: Messages) -> None:
        """Have the context hold exactly what the prompt is read on from, so that a reply does not depend on what
        the context read before (llama.cpp reads a prompt in batches, and where they start moves its sums):
        a prompt that continues the context's last exchange (a chunk's second turn) goes on from it; one that
        starts with a kept opening is read from the end of the opening (the context cut back to it, or the
        opening's state loaded); any other is read whole."""
        said = self._said.get(id(llm))
        if said is not None and messages[: len(said)] == said:
            return
        for i in range(len(messages) - 1, 0, -1):
            kept = self._kept.get(json.dumps(messages[:i]))
            if kept is not None:
                tokens, state = kept
                if llm.input_ids[: min(llm.n_tokens, len(tokens))].tolist() == tokens:
                    llm._ctx.kv_cache_seq_rm(-1, len(tokens), -1)
                    llm.n_tokens = len(tokens)
                else:
                    llm.load_state(state)
                return
        llm.reset()

    def keep_prefix(self, messages: Messages) -> None:
        """Have the model state after `messages` (the fixed instructions and worked examples that open every
        prompt to come, never meeting text) ready: read from disk, or computed once and written there. The first
        prompt of each run then reads only its own part (about 40 s of prefill saved per run on 2 cores)."""
        if json.dumps(messages) in self._kept:
            return
        tokens = self._opening_tokens(messages)
        llm = self._llm
        from minutes.engines.llama_cache import read_prefix, write_prefix

        key = hashlib.sha256(
            repr((self.weights, CONTEXT, BATCH, FLASH_ATTENTION, tokens)).encode()
        ).hexdigest()[:32]
        path = self.states / f"{key}.npz" if self.states else None
        state = read_prefix(path, tokens, CONTEXT) if path else None
        if state is None:
            self._said.pop(id(llm), None)
            llm.reset()
            llm._ctx.kv_cache_clear()  # nothing of an earlier prompt may reach the state kept on disk
            llm.eval(tokens)
            state = llm.save_state()
            if path:
                write_prefix(path, tokens, state)
        self._kept[json.dumps(messages)] = (tokens, state)

    def _opening_tokens(self, messages: Messages) -> list[int]:
        """The tokens of `messages` as the model's chat template renders them at the start of a longer chat (up
        to the next user turn's text), tokenized as `create_chat_completion` does."""
        llm, marker = self._llm, "\x00next turn\x00"
        result = self._template()(messages=[*messages, {"role": "user", "content": marker}])
        opening = result.prompt[: result.prompt.index(marker)]
        return llm.tokenize(opening.encode("utf-8"), add_bos=not result.added_special, special=True)

    def close(self) -> None:
        """Free the model now. Left to interpreter shutdown, llama-cpp-python's finaliser runs after the modules
        it needs are gone and prints a traceback on every exit."""
        if self._llm is not None:
            self._llm.close()
            self._llm = None


def load(name: str, gguf: Path, threads: int = 0, states: Path | None = None) -> LlamaExtractor:
    """Load a GGUF file with llama.cpp on the CPU (all cores unless `threads` is given); fixed prompt openings'
    states are kept in the folder `states` (see `LlamaExtractor.keep_prefix`).

    llama.cpp's OpenMP threads spin while they wait; on a busy machine (other stages, other users) that made a
    135M model 40 x slower with 2 threads than with 1 (124 s against 3 s for 20 tokens). Passive waiting is set
    here unless the user set a policy, but OpenMP reads it once, when its runtime loads, and llama.cpp shares
    torch's (both use libgomp.so.1): it holds in a process that loads no torch first (the dev meetings' bench),
    while after the speech stages (`minutes process`, the web worker) libgomp's default, a short spin, applies.
    Measured at stop 33 (2 cores, one context, 600-token context): a decoded token 69-74 ms apart waiting
    passively against 43-46 ms spinning on an idle machine, and 80 against 138-335 ms with another process
    holding a core; in `bench/pipeline.py` with OMP_WAIT_POLICY=PASSIVE in the environment (one run each), the
    30-minute input's drafting took 450 s against 447 s and the 5-minute input's 129 s against 132 s (side by
    side, two contexts fill each other's waits), the demo's 99 s against 69 s (one chunk, on one context).

    The file is read, not memory-mapped: llama.cpp repacks the Q4_K weights for the CPU's vector unit, and with
    the file mapped both the mapped pages and the repacked copy stayed resident (RSS 1.92 GB after load against
    1.33 GB read, the same speed)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        from llama_cpp import __version__, llama_print_system_info
    except ImportError:
        raise ModelError("llama-cpp-python is not installed", "run `make install`") from None
    from minutes.engines.llama_sampling import GreedyFirstLlama

    threads = threads or os.cpu_count() or 1
    started = time.perf_counter()
    try:
        llm = GreedyFirstLlama(
            model_path=str(gguf),
            n_ctx=CONTEXT,
            n_batch=BATCH,
            n_threads=threads,
            n_threads_batch=threads,
            n_gpu_layers=0,
            flash_attn=FLASH_ATTENTION,
            use_mmap=False,  # see load()
            seed=0,
            verbose=False,
        )
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"{gguf}: cannot load the GGUF model with llama.cpp ({exc})") from None
    if not llm.metadata.get("tokenizer.chat_template"):
        raise ModelError(f"model '{name}' has no chat template; extraction needs an instruct model")
    size = gguf.stat()
    extractor = LlamaExtractor(name, gguf.parent, time.perf_counter() - started, llm, threads=threads)
    build = llama_print_system_info().decode()  # the CPU features it was built for: kernels round differently
    extractor.weights = (
        f"{gguf.name}:{size.st_size}:{size.st_mtime_ns}:llama-cpp-python {__version__}:{build}"
    )
    extractor.states = states
    alive = weakref.ref(extractor)  # closed at exit if still loaded, without keeping it alive until then

    def close_if_loaded() -> None:
        if (loaded := alive()) is not None:
            loaded.close()

    atexit.register(close_if_loaded)
    return extractor


class _Every:
    """`ask`, at most every `seconds` (its last answer in between; a yes stays yes); safe across lanes."""

    def __init__(self, ask: Callable[[], bool], seconds: float):
        self.ask, self.seconds, self.said, self.at = ask, seconds, False, float("-inf")
        self.lock = threading.Lock()

    def __call__(self) -> bool:
        with self.lock:
            if not self.said and time.monotonic() - self.at >= self.seconds:
                self.said, self.at = bool(self.ask()), time.monotonic()
            return self.said


@dataclass
class _Lane:
    """One lane of `LlamaExtractor.map`: `complete` on its own context."""

    extractor: LlamaExtractor
    llm: Any

    def complete(self, messages: Messages, schema: dict, max_new_tokens: int) -> str:
        return self.extractor._complete(self.llm, messages, schema, max_new_tokens)

    def yes(self, messages: Messages) -> float:
        return self.extractor._yes(self.llm, messages)

"""Model calls that do not depend on each other, run side by side: two llama.cpp contexts on one copy of the
weights (two "lanes"), each on as many threads as there are cores.

One context leaves the cores idle much of the time: llama.cpp's threads meet at a barrier after every operation
of every layer, and py-spy showed a quarter of a decoded token's time on 2 cores spent waiting there (stop 32);
the Python between tokens (sampler, grammar) leaves them idle too. With two contexts, one's threads work while
the other's wait (they wait passively, minutes.engines.llama), and ctypes lets go of the GIL during a llama.cpp
call. Measured on 2 cores (stop 32, Qwen2.5-Coder-1.5B, a 600-token context): a decoded token 39-47 ms apart
against 63-71 ms for one context, prompts read at 80-93 against 67-78 tokens a second. Each lane runs on the
same number of threads as the single context, and every prompt is read on from a fixed point (`_resume` in
minutes.engines.llama), so a reply does not depend on the lane that ran it, character for character (tested).
Lanes of one thread each (53-55 ms a token) would round differently, as some of llama.cpp's kernels split a sum
by thread count: they changed 10 of the 30-minute run's 31 replies and lost a dev decision. The second context
costs its KV cache and compute buffers while it is open, not the weights. Imported only once llama-cpp-python is
known to be installed (minutes.engines.llama).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import TypeVar

import numpy as np
from llama_cpp import Llama
from llama_cpp import _internals as internals

T = TypeVar("T")
R = TypeVar("R")


def second_context(llm: Llama, threads: int) -> Llama:
    """A `Llama` of the same class on the same loaded weights with a context of its own (the same parameters
    but `threads`), its own batch, token history and sampler. llama-cpp-python loads weights per `Llama`, so
    the object is copied and its per-context fields replaced (attributes set on `llm` itself, such as a test's
    patches, are copied too); closing it frees its context only."""
    other = object.__new__(type(llm))
    other.__dict__.update(llm.__dict__)
    params = type(llm.context_params).from_buffer_copy(llm.context_params)
    params.n_threads = params.n_threads_batch = threads
    other.context_params, other.n_threads, other.n_threads_batch = params, threads, threads
    other._stack = contextlib.ExitStack()  # the weights stay in `llm`'s stack
    other._ctx = other._stack.enter_context(
        contextlib.closing(internals.LlamaContext(model=llm._model, params=params, verbose=llm.verbose))
    )
    other._batch = other._stack.enter_context(
        contextlib.closing(
            internals.LlamaBatch(n_tokens=llm.n_batch, embd=0, n_seq_max=params.n_ctx, verbose=llm.verbose)
        )
    )
    other._candidates = internals.LlamaTokenDataArray(n_vocab=llm.n_vocab())
    other.n_tokens = 0
    other.input_ids = np.ndarray(llm.input_ids.shape, dtype=np.intc)
    other.scores = np.ndarray(llm.scores.shape, dtype=np.single)
    other._requires_eval = True
    other._sampler = None
    other._mirostat_mu = ctypes.c_float(llm._mirostat_mu.value)
    other.cache = None
    return other


def in_lanes(llamas: Sequence[Llama], work: Callable[[Llama, T], R], items: Sequence[T]) -> Iterator[R]:
    """`work(llama, item)` for every item, each lane (a thread for each of `llamas`) taking the next item as it
    is free; the results in the items' order, each as soon as it and those before it are done. An error in one
    item is raised when its turn comes. Leaving early (an error, Ctrl-C) starts no more items and waits for the
    ones under way (a context must not be freed while a call runs on it)."""
    futures: list[Future[R]] = [Future() for _ in items]
    taken = itertools.count()  # its next() is atomic under the GIL
    stop = threading.Event()

    def serve(llm: Llama) -> None:
        while not stop.is_set() and (i := next(taken)) < len(items):
            try:
                futures[i].set_result(work(llm, items[i]))
            except BaseException as exc:  # raised in the caller's thread, in its turn
                futures[i].set_exception(exc)

    lanes = [threading.Thread(target=serve, args=(llm,), name=f"lane-{k}") for k, llm in enumerate(llamas)]
    for lane in lanes:
        lane.start()
    try:
        for future in futures:
            yield future.result()
    finally:
        stop.set()
        for lane in lanes:
            lane.join()

"""Model calls that do not depend on each other, run side by side: two llama.cpp contexts on one copy of the
weights (two "lanes"), each on as many threads as there are cores.

One context leaves the cores idle much of the time: llama.cpp's threads meet at a barrier after every operation
of every layer, and py-spy showed a quarter of a decoded token's time on 2 cores spent waiting there (stop 32);
the Python between tokens (sampler, grammar) leaves them idle too. With two contexts, one's threads work while
the other's wait (libgomp cuts their spinning short while both run: see `_serve_here`), and ctypes lets go of the GIL during a llama.cpp
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
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import TypeVar

import numpy as np
from llama_cpp import Llama
from llama_cpp import _internals as internals

T = TypeVar("T")
R = TypeVar("R")
L = TypeVar("L", bound=Llama)
OMP_PAUSE_SOFT = 1  # omp_pause_resource_t: free the threads, keep the settings


def second_context(llm: L, threads: int) -> L:
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
    """`work(llama, item)` for every item, each lane taking the next item as it is free; the results in the
    items' order, each once it and those before it are done. The first lane is the calling thread itself, the
    others a thread each (see `_serve_here` for why). An error in one item is raised when its turn comes.
    Leaving early (an error, Ctrl-C) starts no more items and waits for the ones under way (a context must not
    be freed while a call runs on it)."""
    futures: list[Future[R]] = [Future() for _ in items]
    taken = itertools.count()  # its next() is atomic under the GIL
    stop = threading.Event()

    def take(llm: Llama, caught: type[BaseException]) -> bool:
        """Run the next item on `llm`, its result or error in its future; False when none is left."""
        if stop.is_set() or (i := next(taken)) >= len(items):
            return False
        try:
            futures[i].set_result(work(llm, items[i]))
        except caught as exc:
            futures[i].set_exception(exc)
        return True

    def serve(llm: Llama) -> None:
        while take(llm, BaseException):  # anything, Ctrl-C included, is raised in the caller's thread
            pass

    lanes = [
        threading.Thread(target=serve, args=(llm,), name=f"lane-{k}") for k, llm in enumerate(llamas[1:], 1)
    ]
    for lane in lanes:
        lane.start()
    try:
        for future in futures:
            while not future.done() and _serve_here(take, llamas[0]):
                pass
            if not future.done():  # nothing left to take here: the lanes still running have the cores
                _let_go()
            yield future.result()
    finally:
        stop.set()
        for lane in lanes:
            lane.join()


def _serve_here(take: Callable[[Llama, type[BaseException]], bool], llm: Llama) -> bool:
    """Run the next item on the calling thread, raising Ctrl-C at once (an ordinary error waits for its turn).

    The calling thread already has an OpenMP thread pool (the single context's, or torch's); a new lane thread
    brings one more. libgomp cuts its threads' spinning to almost nothing while it manages more threads than
    there are cores, and a pool counts until its thread exits: with both lanes on threads of their own, the
    one left running once the other's items are done waited on every barrier as if the machine were busy.
    Measured (2 cores, a 1,500-token context, libgomp loaded by torch as in `minutes process`): a token decoded
    alone every 55-60 ms on the calling thread against 83-96 ms on a lane thread (stop 34)."""
    return take(llm, Exception)


def _let_go() -> None:
    """Free the calling thread's OpenMP thread pool (OpenMP 5's `omp_pause_resource_all`, which frees only the
    caller's), as a lane thread's is freed when it exits, so that a lane left running alone spins at its barriers
    (see `_serve_here`); a later call on this thread makes a new pool. Nothing where llama.cpp has no libgomp."""
    with contextlib.suppress(OSError, AttributeError):
        libgomp = ctypes.CDLL("libgomp.so.1", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)  # only the one loaded
        libgomp.omp_pause_resource_all(OMP_PAUSE_SOFT)

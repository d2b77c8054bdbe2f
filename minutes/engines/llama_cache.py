"""Model states for llama-cpp-python: states saved without the logits, and the fixed prompt prefix's state on disk.

llama-cpp-python's `save_state` copies its logits buffer (n_batch x vocabulary floats: 155 MB for Qwen2.5's 152k
tokens at a batch of 256) into every state it saves, after every completion when a cache is set, and copies the
llama.cpp state twice on the way. Greedy sampling reads the live context's logits, and after a state is loaded
llama-cpp-python evaluates at least one token again before it samples, so a saved state needs no logits. Measured
(stop 29, drafting the demo three times over, 14 model calls): peak RSS 1,754 MB against 1,946 MB (1,771 MB in a
second run), at the same speed. (A RAM cache that kept the logits, as llama-cpp-python's does, held up to ten states
and 3 GB of logits nobody reads in 256 MB of capacity: peak RSS 4.6 GB on the demo. Until stop 29 the cache dropped
them on entry, after the copy.) Imported only once llama-cpp-python is known to be installed
(minutes.engines.llama).
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import zipfile
from pathlib import Path

import llama_cpp
import numpy as np
from llama_cpp import Llama, LlamaState

from minutes.core.files import atomic_write


class LogitFreeStates(Llama):
    """`Llama` whose `save_state` keeps the llama.cpp state (copied once) and no logits, and whose `load_state`
    leaves the logits buffer alone."""

    def save_state(self) -> LlamaState:
        size = llama_cpp.llama_state_get_size(self._ctx.ctx)
        buffer = (ctypes.c_uint8 * size)()
        used = llama_cpp.llama_state_get_data(self._ctx.ctx, buffer, size)
        return LlamaState(
            input_ids=self.input_ids.copy(),
            scores=np.zeros((1, self.n_vocab()), np.single),  # `load_state` broadcasts it over its rows
            n_tokens=self.n_tokens,
            llama_state=ctypes.string_at(buffer, used),
            llama_state_size=used,
            seed=self._seed,
        )

    def load_state(self, state: LlamaState) -> None:
        """llama-cpp-python's `load_state` with its logits buffer narrowed to one row while it runs: it fills
        every row from the state's scores (which hold none here), making n_batch x vocabulary floats resident
        (155 MB per context) that nothing reads (greedy sampling reads the live context's logits)."""
        full, self.scores = self.scores, self.scores[:1]
        try:
            super().load_state(state)
        finally:
            self.scores = full


def read_prefix(path: Path, tokens: list[int], context: int) -> LlamaState | None:
    """The state written by `write_prefix` for exactly these tokens, or None (missing, another model's, torn)."""
    try:
        with np.load(path) as saved:
            kept, state, digest = saved["tokens"], saved["state"], bytes(saved["digest"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if kept.tolist() != tokens or hashlib.sha256(state.tobytes()).digest() != digest:
        return None
    input_ids = np.zeros(context, dtype=np.intc)
    input_ids[: len(tokens)] = tokens
    return LlamaState(input_ids, np.zeros((1, 1), np.single), len(tokens), state.tobytes(), state.size, 0)


def write_prefix(path: Path, tokens: list[int], state: LlamaState) -> None:
    """Keep a prefix's state on disk (atomically; 28 KB a token for Qwen2.5-1.5B: 40 MB for the drafting
    prompts' 1.4k). Only the tokens evaluated are written, never the rest of the context's buffers."""
    data = np.frombuffer(state.llama_state, dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        tokens=np.asarray(tokens, np.intc),
        state=data,
        digest=np.frombuffer(hashlib.sha256(data.tobytes()).digest(), np.uint8),
    )
    atomic_write(path, buffer.getvalue())

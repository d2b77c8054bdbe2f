"""Model states for llama-cpp-python: the RAM cache, without its hidden copy of the batch's logits, and the
fixed prompt prefix's state on disk.

llama-cpp-python's `save_state` copies the logits buffer (n_batch x vocabulary floats: 311 MB for Qwen2.5's 152k
tokens) into every cached state, and `LlamaRAMCache` counts only the llama.cpp state against its capacity. A
256 MB cache therefore held up to ten states and 3 GB of logits nobody reads: peak RSS 4.6 GB on the demo.
Greedy sampling reads the live context's logits, and after a state is loaded llama-cpp-python evaluates at
least one token again before it samples, so a cached state needs no logits. Imported only once
llama-cpp-python is known to be installed (minutes.engines.llama).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from llama_cpp import LlamaRAMCache, LlamaState

from minutes.core.files import atomic_write


class StateCache(LlamaRAMCache):
    """Least recently used model states, up to `capacity_bytes` of llama.cpp state; logits dropped on entry."""

    def __setitem__(self, key: Sequence[int], value: LlamaState) -> None:
        vocabulary = value.scores.shape[1]
        value.scores = np.zeros((1, vocabulary), dtype=np.single)  # `load_state` broadcasts it over its rows
        super().__setitem__(key, value)


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

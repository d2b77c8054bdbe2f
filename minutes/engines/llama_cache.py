"""The RAM cache of model states for llama-cpp-python, without its hidden copy of the batch's logits.

llama-cpp-python's `save_state` copies the logits buffer (n_batch x vocabulary floats: 311 MB for Qwen2.5's 152k
tokens) into every cached state, and `LlamaRAMCache` counts only the llama.cpp state against its capacity. A
256 MB cache therefore held up to ten states and 3 GB of logits nobody reads: peak RSS 4.6 GB on the demo.
Greedy sampling reads the live context's logits, and after a state is loaded llama-cpp-python evaluates at
least one token again before it samples, so a cached state needs no logits. Imported only once
llama-cpp-python is known to be installed (minutes.engines.llama).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from llama_cpp import LlamaRAMCache, LlamaState


class StateCache(LlamaRAMCache):
    """Least recently used model states, up to `capacity_bytes` of llama.cpp state; logits dropped on entry."""

    def __setitem__(self, key: Sequence[int], value: LlamaState) -> None:
        vocabulary = value.scores.shape[1]
        value.scores = np.zeros((1, vocabulary), dtype=np.single)  # `load_state` broadcasts it over its rows
        super().__setitem__(key, value)

"""A bench-only engine wrapper that keeps the model's replies on disk, so a rerun of the dev benches (an ablation
of a post-processing rule, a change to one prompt) runs only the model calls that changed. Never used by the
product: a cached reply is the one the same model gave the same prompt, which greedy decoding makes repeatable
on one machine (llama.cpp's kernels round differently on another CPU, so a cache is per machine).

Keys: the model's weights string (the GGUF file, the library and its build), then for a completion the messages,
the grammar the reply is decoded under (not the schema dict: a schema written another way that compiles to the
same grammar gets the same reply, so a refactor of the schemas keeps the cache) and the token limit, for a
classification the opening and the question. The store is one SQLite
file (`build/bench-cache/replies.sqlite`, or `$MINUTES_BENCH_CACHE`). Each entry keeps the tokens and seconds the call took, so
a cached run still reports what its model calls cost (`cost()`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minutes.engines.llama_sampling import grammar_for

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("MINUTES_BENCH_CACHE", ROOT / "build" / "bench-cache" / "replies.sqlite"))
Messages = list[dict[str, str]]


class _Miss(Exception):
    """A call the cache does not hold (raised by a cache-only model to find the items that need the model)."""


class Uncached(Exception):
    """A call the cache does not hold, in an engine told not to run the model (`offline`): an ablation's first
    pass finds with it which rules need new model calls, and defers them."""


@dataclass
class Cost:
    """What model calls cost, cached or not: calls, tokens read after a kept opening, tokens generated, and the
    seconds they took when they ran (summed over calls; calls side by side overlap)."""

    calls: int = 0
    questions: int = 0  # yes/no classifications (prefill only)
    prompt_tokens: int = 0
    new_tokens: int = 0
    seconds: float = 0.0
    ran: int = 0  # calls and questions the model ran in this process (the rest came from the cache)

    def add(self, entry: dict, ran: bool, question: bool = False) -> None:
        self.calls += not question
        self.questions += question
        self.prompt_tokens += entry["prompt_tokens"]
        self.new_tokens += entry["new_tokens"]
        self.seconds += entry["seconds"]
        self.ran += ran


@dataclass
class CachedEngine:
    """The Engine protocol (minutes.drafting.engine) over a loaded extractor, with every completion and
    classification looked up on disk first."""

    inner: Any
    path: Path = DEFAULT
    cost: Cost = field(default_factory=Cost)
    offline: bool = False  # raise Uncached instead of running the model
    _opening: Messages | None = None  # the opening to keep before the next call the model must run
    _kept: Messages | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    # -- the Engine protocol ---------------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def keep_prefix(self, messages: Messages) -> None:
        """Noted, and kept by the model only before a call it must run (loading a kept state costs seconds)."""
        self._opening = messages

    def complete(self, messages: Messages, schema: dict, max_new_tokens: int) -> str:
        return self._completion(self.inner, messages, schema, max_new_tokens, run=True)

    def classify(self, opening: Messages, questions: Sequence[str]) -> list[float]:
        keys = [self._key("classify", opening, q) for q in questions]
        found = [self._get(k) for k in keys]
        missing = [i for i, e in enumerate(found) if e is None]
        if missing and self.offline:
            raise Uncached
        if missing:
            started = time.perf_counter()
            answers = self.inner.classify(opening, [questions[i] for i in missing])
            each = (time.perf_counter() - started) / len(missing)
            for i, p in zip(missing, answers, strict=True):
                found[i] = self._put(
                    keys[i],
                    {
                        "value": p,
                        "prompt_tokens": self.count_tokens(questions[i]),
                        "new_tokens": 0,
                        "seconds": each,
                    },
                )
        for i, entry in enumerate(found):
            self.cost.add(entry, ran=i in missing, question=True)
        return [e["value"] for e in found]

    def map(self, work: Callable[[Any, Any], Any], items: Sequence[Any]) -> Iterator[Any]:
        """Each item's work from the cache where every call it makes is there; the others on the model, side by
        side where it can (its own `map`), their replies stored."""
        results: dict[int, Any] = {}
        missed = []
        for i, item in enumerate(items):
            before = dataclasses.replace(self.cost)
            try:
                results[i] = work(_Only(self), item)
            except _Miss:
                self.cost = before  # its calls are counted when it runs
                missed.append(i)
        if missed and self.offline:
            raise Uncached
        if missed:
            self._keep()
            ran = self.inner.map(
                lambda model, item: work(_Recording(self, model), item), [items[i] for i in missed]
            )
            results.update(zip(missed, ran, strict=True))
        return iter([results[i] for i in range(len(items))])

    # -- the store --------------------------------------------------------------------------------------------
    def _completion(self, model: Any, messages: Messages, schema: dict, limit: int, run: bool) -> str:
        key = self._key("complete", messages, grammar_for(schema), limit)
        entry = self._get(key)
        if entry is None:
            if not run:
                raise _Miss
            if self.offline:
                raise Uncached
            if model is self.inner:
                self._keep()
            started = time.perf_counter()
            reply = model.complete(messages, schema, limit)
            entry = self._put(
                key,
                {
                    "value": reply,
                    "prompt_tokens": self._read_tokens(messages),
                    "new_tokens": self.count_tokens(reply),
                    "seconds": time.perf_counter() - started,
                },
            )
            self.cost.add(entry, ran=True)
        else:
            self.cost.add(entry, ran=False)
        return entry["value"]

    def _read_tokens(self, messages: Messages) -> int:
        """The prompt tokens after the kept opening (those the model reads for this call)."""
        kept = len(self._opening) if self._opening and messages[: len(self._opening)] == self._opening else 0
        return sum(self.count_tokens(m["content"]) for m in messages[kept:])

    def _keep(self) -> None:
        if self._opening is not None and self._opening != self._kept:
            self.inner.keep_prefix(self._opening)
            self._kept = self._opening

    def _key(self, *parts: Any) -> str:
        text = json.dumps([getattr(self.inner, "weights", "") or self.inner.name, *parts], sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _get(self, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _put(self, key: str, entry: dict) -> dict:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", (key, json.dumps(entry)))
        return entry

    def close(self) -> None:
        self._db.close()


@dataclass
class _Only:
    """A model that answers from the cache only (`_Miss` otherwise)."""

    cached: CachedEngine

    def complete(self, messages: Messages, schema: dict, max_new_tokens: int) -> str:
        return self.cached._completion(None, messages, schema, max_new_tokens, run=False)


@dataclass
class _Recording:
    """One of the model's contexts (a lane of its `map`), with its replies looked up and stored."""

    cached: CachedEngine
    model: Any

    def complete(self, messages: Messages, schema: dict, max_new_tokens: int) -> str:
        return self.cached._completion(self.model, messages, schema, max_new_tokens, run=True)

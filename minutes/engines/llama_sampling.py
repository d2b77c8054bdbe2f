"""Greedy decoding under a JSON-schema grammar: the model's best token checked against the grammar first, and the
text the grammar alone decides handed out without the model choosing it.

llama-cpp-python's sampler chain runs the grammar over the whole vocabulary (152k tokens for Qwen2.5) before it
picks the best token: about 35 ms a token on 2 cores, a quarter of the time spent decoding a reply. The best
token is nearly always one the grammar allows, so it is checked alone, and the whole vocabulary is filtered
only when the grammar rejects it (as llama.cpp's own `common_sampler` does). The token chosen is the same by
construction: when the best token is allowed it is the best allowed token, ties going to the lower id as in
llama.cpp's greedy sampler.

About half of a reply's tokens are JSON the schema fixes (`", "owners": ["`, the rest of a name once its first
letters are out); the model has no choice there, yet each was sampled as a free token: logits over 152k tokens
from the model's head, then the sampler. `GreedyFirst.forced` finds that text by asking the grammar which single
bytes it allows next (while it allows one), and `ForcedText` hands it to llama-cpp-python's speculative-decoding
hook as a draft; `GreedyFirstLlama.eval` runs those tokens through the model one at a time, as any decoded
token, but asks for no logits (a step without the head: 90 against 105 ms at a 2.8k context on 2 cores), and
`sample` returns them as they are. The model's cache holds exactly what it would, so replies are unchanged
(tested). In one batch they would be quicker still (4 tokens in 110 ms against 4 x 62), but a batch rounds
differently and turned near ties: on the dev meetings it lost a decision. The grammar's optional spaces between
values are narrowed to the ones the model writes (`compact`), or no text would be forced across a separator.
Imported only once llama-cpp-python is known to be installed (minutes.engines.llama).
"""

from __future__ import annotations

import ctypes
import json
import logging
import re
from collections import deque
from collections.abc import Callable

import llama_cpp
import numpy as np
from llama_cpp import Llama
from llama_cpp.llama_grammar import json_schema_to_gbnf
from llama_cpp.llama_speculative import LlamaDraftModel

from minutes.engines.llama import Cancelled
from minutes.engines.llama_cache import LogitFreeStates
from minutes.engines.llama_lanes import second_context

_TOKEN = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)  # llama_token_data
FORCED_BYTES = 96  # the longest text read in one step (the longest key and enum tails are far shorter)


def grammar_for(schema: dict) -> str:
    """The GBNF text a reply to `schema` is decoded under: what decides the reply, so also the bench's cache key
    (a schema written another way that compiles to the same grammar gets the same replies)."""
    return compact(json_schema_to_gbnf(json.dumps(schema)))


def compact(grammar: str) -> str:
    """A GBNF grammar from llama-cpp-python's JSON-schema converter, narrowed to Python's `json.dumps` spacing
    where it allowed a space or none: one space after "," and ":", none before them, none inside the brackets
    of a list of strings or numbers. The model writes them so (checked on every reply of the 30-minute run),
    so its replies are unchanged, and the keys between values become forced text. The spaces it writes in some
    replies stay allowed, each as the converter allowed it: after "{" and "}", and after "[" and "]" around a
    list of objects. The result allows nothing the converter's grammar did not."""
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines() if " ::= " in line)

    def list_open(found: re.Match) -> str:
        of_objects = rules.get(found.group(2), "").startswith('"{"')
        return found.group(0) if of_objects else f'"["{found.group(1)}{found.group(2)}'

    grammar = re.sub(r'"\[" space( \(?)([\w-]+)', list_open, grammar)
    grammar = grammar.replace('space ":" space', '": "').replace('"," space', '", "')
    return re.sub(r'(?<!"[{}[\]]" )\bspace\b(?! ::=)', "", grammar)


# bytes a reply's text can hold: printable ASCII, tab and newlines, and UTF-8 up to U+3FFFF (C0, C1 never occur)
_TEXT_BYTES = {9, 10, 13, *range(0x20, 0x7F), *(set(range(0x80, 0xF1)) - {0xC0, 0xC1})}


def _byte_tokens(llm: Llama) -> np.ndarray:
    """(byte, token id) for the vocabulary's single-byte tokens (a byte-level BPE has them among its first
    ids), to ask the grammar which bytes it allows. Empty, and nothing is ever forced, for a vocabulary that
    lacks one of `_TEXT_BYTES`: a byte the probes cannot see could be the model's choice. (SmolLM2 lacks a few
    control characters and bytes of unassigned planes, which no schema's fixed text holds.)"""
    found: dict[int, int] = {}
    for token in range(min(512, llm.n_vocab())):
        piece = llm.detokenize([token])
        if len(piece) == 1:
            found.setdefault(piece[0], token)
    return np.array(sorted(found.items()) if _TEXT_BYTES <= found.keys() else [], dtype=np.intc).reshape(
        -1, 2
    )


class GreedyFirst:
    """The sampler `Llama.generate` asks for each token: greedy, under the grammar, best token checked first;
    tokens of forced text (see `forced`) are returned as they are."""

    def __init__(self, llm: GreedyFirstLlama, grammar) -> None:
        self._llm = llm
        self._sampler = llama_cpp.llama_sampler_init_grammar(
            llm._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self._vocabulary = llm.n_vocab()
        self._one = np.zeros(1, _TOKEN)
        self._all = np.zeros(self._vocabulary, _TOKEN)
        pairs = llm.byte_tokens
        self._bytes = bytes(pairs[:, 0].tolist())  # the byte each probe stands for
        self._probe_ids = np.append(pairs[:, 1], llm.token_eos()).astype(np.intc)
        self._probes = np.zeros(len(self._probe_ids), _TOKEN)
        self._queue: deque[int] = deque()
        self.filtered = 0  # tokens for which the whole vocabulary was filtered (the best one was not allowed)

    def sample(self, ctx, idx: int = -1) -> int:
        if self._queue:
            best = self._queue.popleft()
        else:
            best = self._best(ctx, idx)
        llama_cpp.llama_sampler_accept(self._sampler, best)
        return best

    def forced(self, room: int) -> list[int]:
        """The tokens of the text the grammar allows alone from here (at most `room` of them), queued to be
        returned by the next calls to `sample`.

        The text is tokenized on its own, so its last token is left to the model unless nothing can join it to
        what follows (the model would write ` [` and `{"` as one token, ` [{"`): it opens a string with ` "` or
        `["` (a word follows, and a word starts a token of its own), or only digits may follow (each digit is a
        token of its own in Qwen2.5's vocabulary, as in Llama 3's)."""
        if not self._bytes:
            return []
        probe = llama_cpp.llama_sampler_clone(self._sampler)
        text = bytearray()
        try:
            while len(text) < FORCED_BYTES:
                self._probes["id"] = self._probe_ids
                self._probes["logit"] = 0.0
                self._apply(self._probes, probe)
                allowed = np.flatnonzero(~np.isneginf(self._probes["logit"]))
                if len(allowed) != 1 or allowed[0] == len(self._bytes):  # a choice, or the end of the reply
                    break
                text.append(self._bytes[allowed[0]])
                llama_cpp.llama_sampler_accept(probe, int(self._probe_ids[allowed[0]]))
        finally:
            llama_cpp.llama_sampler_free(probe)
        whole = bytes(text).decode("utf-8", errors="ignore").encode("utf-8")  # never half a character
        if not whole:
            return []
        tokens = self._llm.tokenize(whole, add_bos=False, special=False)
        then = bytes(self._bytes[i] for i in allowed if i < len(self._bytes))
        if not (whole.endswith((b' "', b'["')) or then.isdigit()):
            tokens = tokens[:-1]
        self._queue = deque(tokens[: max(room, 0)])
        return list(self._queue)

    def _best(self, ctx, idx: int) -> int:
        pointer = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        logits = np.ctypeslib.as_array(pointer, shape=(self._vocabulary,))
        best = int(np.argmax(logits))
        self._one[0] = (best, logits[best], 0.0)
        self._apply(self._one, self._sampler)
        if np.isneginf(self._one["logit"][0]):
            self.filtered += 1
            self._all["id"] = np.arange(self._vocabulary, dtype=np.intc)
            self._all["logit"] = logits
            self._apply(self._all, self._sampler)
            best = int(self._all["id"][np.argmax(self._all["logit"])])
        return best

    @staticmethod
    def _apply(candidates: np.ndarray, sampler) -> None:
        array = llama_cpp.llama_token_data_array(
            data=candidates.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data)),
            size=len(candidates),
            selected=-1,
            sorted=False,
        )
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))

    def close(self) -> None:
        if self._sampler is not None:
            llama_cpp.llama_sampler_free(self._sampler)
            self._sampler = None

    def __del__(self) -> None:
        self.close()


class ForcedText(LlamaDraftModel):
    """The "draft" `Llama.generate` evaluates after each token: the text the grammar forces (empty when
    another sampler is in use)."""

    def __init__(self, llm: Llama) -> None:
        self._llm = llm

    def __call__(self, input_ids: np.ndarray, /, **kwargs) -> np.ndarray:
        sampler = self._llm._sampler
        if not isinstance(sampler, GreedyFirst):
            return np.array([], dtype=np.intc)
        room = self._llm.n_ctx() - len(input_ids) - 1
        return np.array(sampler.forced(room), dtype=np.intc)


class GreedyFirstLlama(LogitFreeStates):
    """`Llama` whose greedy, grammar-constrained, penalty-free generation uses `GreedyFirst` and reads forced
    text in one step (`ForcedText`); anything else takes llama-cpp-python's own sampler chain. Its saved
    states carry no logits (`LogitFreeStates`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.byte_tokens = _byte_tokens(self)
        # set after loading: passed to the constructor, a draft model turns on logits for every token
        self.draft_model = ForcedText(self)

    def lane(self, threads: int) -> GreedyFirstLlama:
        """A second context on these weights (minutes.engines.llama_lanes), forcing text as this one does."""
        other = second_context(self, threads)
        other.draft_model = ForcedText(other)
        return other

    stop: Callable[[], bool] | None = None  # asked while the model computes; True: raise Cancelled

    def eval(self, tokens) -> None:
        """Evaluate `tokens`; forced text (a sampled token and the forced ones after it) goes through the model
        one token at a time as any decoded token does, so the model's cache holds exactly what it would, with
        logits for the last only (see the module's docstring for why not in a batch). With `stop` set, llama.cpp
        asks it between the steps of its computation (`_watch`), so a long prompt ends within a fraction of a
        second once it says yes, and `Cancelled` is raised."""
        self._watch()
        try:
            return self._eval(tokens)
        except RuntimeError:  # llama_decode returned 2: aborted
            if self._halted():
                raise Cancelled("the model was stopped: the caller no longer wants its reply") from None
            raise

    def _eval(self, tokens) -> None:
        if self._halted():
            raise Cancelled("the model was stopped: the caller no longer wants its reply")
        queued = len(self._sampler._queue) if isinstance(self._sampler, GreedyFirst) else 0
        if not queued or len(tokens) != queued + 1:
            return super().eval(tokens)
        self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
        for token in tokens[:-1]:
            self._batch.set_batch(batch=[token], n_past=self.n_tokens, logits_all=False)
            self._batch.batch.logits[0] = False  # nobody reads them: `GreedyFirst.sample` returns the token
            self._ctx.decode(self._batch)
            self.input_ids[self.n_tokens] = token
            self.n_tokens += 1
        return super().eval(tokens[-1:])

    def _halted(self) -> bool:
        try:
            halted = bool(self.stop is not None and self.stop())
        except Exception:  # asked from inside llama.cpp: a failing question must not stop a good run
            return False
        if halted:  # llama.cpp logs the aborted step as an error ("removing memory module entries"): expected
            logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL)
        return halted

    def _watch(self) -> None:
        """Have llama.cpp ask `stop` while it computes (ggml's abort callback, between the graph's nodes, on the
        calling thread) on this context, once: a lane's context is new, so it gets its own."""
        if self.stop is None or getattr(self, "_watched", None) is self._ctx:
            return
        self._abort = llama_cpp.ggml_abort_callback(lambda _data: self._halted())  # kept: C holds a pointer
        llama_cpp.llama_set_abort_callback(self._ctx.ctx, self._abort, None)
        self._watched = self._ctx

    def _init_sampler(self, **options):
        plain = (
            options.get("temp") == 0.0
            and options.get("repeat_penalty", 1.0) == 1.0
            and not options.get("frequency_penalty")
            and not options.get("presence_penalty")
            and options.get("logits_processor") is None
        )
        if plain and options.get("grammar") is not None:
            return GreedyFirst(self, options["grammar"])
        return super()._init_sampler(**options)

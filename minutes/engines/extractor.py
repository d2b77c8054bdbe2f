"""The local instruct model behind extraction: CTranslate2 int8 (fast default) or transformers (reference).

Both backends tokenise with the transformers tokenizer and the model's own chat template, decode greedily, and
never train: transformers runs in eval mode under `torch.inference_mode()`, CTranslate2 has no training path.
Nothing is fetched; models come from the verified store or a folder the user registered in the config file.
CTranslate2 follows the `device` setting like the ASR (auto: CUDA when it sees a GPU, with int8 weights and
float16 activations); transformers runs on the CPU (the project installs a CPU build of torch).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from minutes.engines import derived
from minutes.engines.asr import pick_device
from minutes.engines.registry import REGISTRY, Role
from minutes.engines.store import model_store
from minutes.errors import ModelError, UsageError

Backend = Literal["ctranslate2", "transformers"]
BACKENDS: tuple[str, ...] = ("ctranslate2", "transformers")
Messages = list[dict[str, str]]


@dataclass
class Extractor:
    """A loaded model: `generate` turns chat messages into text. Load once, reuse for every meeting of a batch."""

    name: str
    backend: str
    folder: Path
    load_seconds: float
    tokenizer: Any
    _model: Any
    threads: int = 0
    device: str = "cpu"
    calls: int = 0  # running totals over this load, for benchmarks
    prompt_tokens: int = 0
    new_tokens: int = 0
    seconds: float = 0.0

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt_ids(self, messages: Messages, add_generation_prompt: bool = True) -> list[int]:
        ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=add_generation_prompt, tokenize=True)
        if hasattr(ids, "keys"):  # some tokenizers return a BatchEncoding
            ids = ids["input_ids"]
        return list(ids)

    def generate(self, messages: Messages, max_new_tokens: int = 512, reply_start: str = "",
                 static: int = 0, stop: Callable[[str], bool] | None = None) -> tuple[str, int, int]:
        """Greedy completion of the chat; returns (text, prompt tokens, new tokens).

        `reply_start` begins the assistant's reply for it (and is included in the returned text). `static` is the
        number of leading messages that are the same in every call (instructions, example): CTranslate2 caches
        the model state after them instead of reading them again each time. `stop` is asked after every new
        token with the reply so far; True ends the generation there."""
        started = time.perf_counter()
        ids = self.prompt_ids(messages)
        if reply_start:
            ids += self.tokenizer.encode(reply_start, add_special_tokens=False)
        fixed = self.prompt_ids(messages[:static], add_generation_prompt=False) if static else []
        if fixed and ids[:len(fixed)] != fixed:
            fixed = []  # this chat template does not render the fixed part as a prefix; read it all
        watch = None
        if stop is not None:
            def watch(new_ids: list[int]) -> bool:
                return stop(reply_start + self.tokenizer.decode(new_ids, skip_special_tokens=True))
        if self.backend == "ctranslate2":
            out = self._generate_ct2(ids, len(fixed), max_new_tokens, watch)
        else:
            out = self._generate_hf(ids, max_new_tokens, watch)
        text = self.tokenizer.decode(out, skip_special_tokens=True)
        self.calls += 1
        self.prompt_tokens += len(ids)
        self.new_tokens += len(out)
        self.seconds += time.perf_counter() - started
        return reply_start + text, len(ids), len(out)

    def _generate_ct2(self, ids: list[int], fixed: int, max_new_tokens: int,
                      watch: Callable[[list[int]], bool] | None) -> list[int]:
        """Token by token (CTranslate2's `generate_tokens`): leaving the loop early stops the generation.

        After an early stop, CTranslate2's worker may still be releasing the stopped job's Python callback; an
        interpreter exiting meanwhile aborts ("terminate called without an active exception": 3 of 8 runs).
        A one-token job on the same worker waits for that (0 of 8)."""
        tokens = self.tokenizer.convert_ids_to_tokens(ids)
        options: dict[str, Any] = {"static_prompt": tokens[:fixed]} if fixed else {}
        out: list[int] = []
        stream = self._model.generate_tokens(tokens[fixed:], max_length=max_new_tokens, sampling_topk=1,
                                             end_token=_end_tokens(self.tokenizer), **options)
        for step in stream:
            out.append(step.token_id)
            if watch is not None and watch(out):
                stream.close()  # stops the job and waits for it
                self._model.generate_batch([tokens[:1]], max_length=1, include_prompt_in_result=False)
                break
        return out

    def _generate_hf(self, ids: list[int], max_new_tokens: int,
                     watch: Callable[[list[int]], bool] | None) -> list[int]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        class _Watch(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), watch(input_ids[0, len(ids):].tolist()), dtype=torch.bool)

        with torch.inference_mode():
            prompt = torch.tensor([ids], dtype=torch.long)
            out = self._model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=max_new_tokens,
                                       do_sample=False, num_beams=1,
                                       eos_token_id=[self.tokenizer.convert_tokens_to_ids(t)
                                                     for t in _end_tokens(self.tokenizer)],
                                       pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                                       stopping_criteria=StoppingCriteriaList([_Watch()] if watch else []))
        return out[0, len(ids):].tolist()


def _end_tokens(tokenizer) -> list[str]:
    ends = [tokenizer.eos_token, "<|im_end|>", "<|endoftext|>"]
    vocab = tokenizer.get_vocab()
    return list(dict.fromkeys(t for t in ends if t and t in vocab))


def resolve_extractor(settings, model: str | None = None, backend: str | None = None) -> tuple[str, str, Path]:
    """(name, backend, folder) of the extractor to load: UsageError or ModelError before anything is loaded."""
    name = model or settings.models.extractor
    backend = backend or settings.models.extractor_backend
    if backend not in BACKENDS:
        raise UsageError(f"unknown extractor backend '{backend}'", f"use one of: {', '.join(BACKENDS)}")
    store = model_store(settings)
    if name in store.local:
        if store.local[name].role != Role.EXTRACTOR:
            raise UsageError(f"model '{name}' is registered with role '{store.local[name].role}', not 'extractor'")
        return name, backend, store.require(name)
    if name in REGISTRY and REGISTRY[name].role == Role.EXTRACTOR:
        folder = derived.require(store, derived.ct2_name(name)) if backend == "ctranslate2" else store.require(name)
        return name, backend, folder
    known = [n for n, s in REGISTRY.items() if s.role == Role.EXTRACTOR]
    known += [n for n, m in store.local.items() if m.role == Role.EXTRACTOR]
    raise UsageError(f"unknown extractor model '{name}'", f"known extractor models: {', '.join(known)}")


def load_extractor(settings, model: str | None = None, backend: str | None = None, threads: int = 0) -> Extractor:
    """Load the configured (or given) extractor model on the given backend; ModelError if it is not usable."""
    started = time.perf_counter()
    name, backend, folder = resolve_extractor(settings, model, backend)
    device = pick_device(settings.device, None)[0] if backend == "ctranslate2" else "cpu"
    if name in model_store(settings).local:
        loaded = _load_local(folder, backend, threads, device)
    elif backend == "ctranslate2":
        # the CTranslate2 config.json there makes transformers suspect a Mistral tokenizer; these are not
        loaded = (_tokenizer(folder, fix_mistral_regex=False), _ct2(folder, threads, device))
    else:
        gguf = REGISTRY[name].files[0].target
        loaded = (_tokenizer(folder, gguf), _hf(folder, gguf))
    tokenizer, engine = loaded
    if not getattr(tokenizer, "chat_template", None):
        raise ModelError(f"model '{name}' has no chat template; extraction needs an instruct model")
    return Extractor(name, backend, folder, time.perf_counter() - started, tokenizer, engine, threads, device)


def _load_local(folder: Path, backend: str, threads: int, device: str) -> tuple[Any, Any]:
    """A user's folder: a CTranslate2 conversion (model.bin) or a transformers model (safetensors or one GGUF)."""
    ggufs = sorted(folder.glob("*.gguf"))
    if backend == "ctranslate2":
        if not (folder / "model.bin").is_file():
            raise ModelError(f"{folder}: not a CTranslate2 model folder (no model.bin)",
                             "convert it with ct2-transformers-converter, or use --backend transformers")
        return _tokenizer(folder), _ct2(folder, threads, device)
    gguf = ggufs[0].name if len(ggufs) == 1 else None
    return _tokenizer(folder, gguf), _hf(folder, gguf)


def _tokenizer(folder: Path, gguf: str | None = None, **options):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(folder, gguf_file=gguf, local_files_only=True, **options)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder}: cannot load the tokenizer ({type(exc).__name__})") from None


def _ct2(folder: Path, threads: int, device: str):
    import ctranslate2

    compute = "int8"
    if device == "cuda":
        supported = ctranslate2.get_supported_compute_types("cuda")
        compute = "int8_float16" if "int8_float16" in supported else "float16"
    try:
        return ctranslate2.Generator(str(folder), device=device, compute_type=compute, intra_threads=threads)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"{folder}: cannot load the CTranslate2 model ({exc})") from None


def _hf(folder: Path, gguf: str | None):
    import torch
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf, dtype=torch.float32,
                                                     local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder}: cannot load the model with transformers ({type(exc).__name__})") from None
    model.eval()
    for param in model.parameters():
        param.requires_grad_(False)
    return model

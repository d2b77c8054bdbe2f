"""Real models load only in tests marked `slow`, so that `make check` (`-m "not slow and not postgres"`) runs
in minutes without them.

The three loaders (ASR, diarisation, extractor) are wrapped once, before any test module imports them, and every
`minutes.*` module that already holds one by name gets the wrapper. A test that is not marked `slow` and gets a
loaded model fails with the fix (one that only checks a loader's errors passes), so a new test cannot slip a model into the fast tier unnoticed. Tests that use the
model fixtures named in MODEL_FIXTURES are marked `slow` at collection.
"""

from __future__ import annotations

import functools
import importlib
import sys

import pytest

LOADERS = {
    "minutes.engines.asr": "load_asr",
    "minutes.engines.diarisation": "load_diarisation",
    "minutes.engines.extractor": "load_extractor",
}
MODEL_FIXTURES = {"qwen", "smol"}  # module fixtures in test files that hold a loaded extractor

_slow = {"now": True}  # outside a test's run (collection, session teardown) nothing is refused


def _guard(real, name: str):
    @functools.wraps(real)
    def load(*args, **kwargs):
        loaded = real(*args, **kwargs)  # a bad name or a missing model raises before anything loads: allowed
        if not _slow["now"]:
            pytest.fail(f"{name}() loaded a real model in a test not marked slow: add @pytest.mark.slow")
        return loaded

    load.__wrapped_real__ = real
    return load


def install() -> None:
    for module_name, name in LOADERS.items():
        module = importlib.import_module(module_name)
        real = getattr(module, name)
        if hasattr(real, "__wrapped_real__"):
            continue
        guarded = _guard(real, name)
        for held in list(sys.modules.values()):
            if getattr(held, "__name__", "").startswith("minutes") and getattr(held, name, None) is real:
                setattr(held, name, guarded)


def mark_model_tests(items) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def entering(item) -> None:
    _slow["now"] = item.get_closest_marker("slow") is not None


def leaving() -> None:
    _slow["now"] = True

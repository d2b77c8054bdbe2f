"""Real models load only in tests marked `slow`, so that `make check` (`-m "not slow and not postgres and not
browser"`) runs in minutes without them; and each speech model loads once per test session.

The three loaders (ASR, diarisation, extractor) are wrapped once, before any test module imports them, and every
`minutes.*` module that already holds one by name gets the wrapper. A test that is not marked `slow` and gets a
loaded model fails with the fix (one that only checks a loader's errors passes), so a new test cannot slip a
model into the fast tier unnoticed. Tests that use the model fixtures named in MODEL_FIXTURES are marked `slow`
at collection.

The ASR and diarisation engines are read-only at inference, so the wrapper keeps each one it loads for the rest
of the session, keyed by everything that chooses what is loaded: every `process`, `transcribe` or `diarise`
run in a test after the first gets the same engine instead of loading it again (2-11 s each on 2 cores). The
extractor is not kept (tests close it), but the prompt openings' states it keeps on disk go to one folder for
the whole run, `build/test-prompt-states`, instead of each test's new home: a state is keyed by the model's
weights and the opening's tokens, so it is the same in every home, and each home computing its own cost about
50 s of prefill per opening on 2 cores. A test that checks what a home keeps is marked `home_prompt_states`.
"""

from __future__ import annotations

import functools
import importlib
import sys
from pathlib import Path

import pytest

from minutes.core.files import private_dir

LOADERS = {
    "minutes.engines.asr": "load_asr",
    "minutes.engines.diarisation": "load_diarisation",
    "minutes.engines.extractor": "load_extractor",
}
KEPT = {"load_asr", "load_diarisation"}  # engines that hold no state of the run that used them
MODEL_FIXTURES = {"qwen", "smol"}  # session fixtures in conftest.py that hold a loaded extractor

SHARED_STATES = Path(__file__).resolve().parents[1] / "build" / "test-prompt-states"

_slow = {"now": True}  # outside a test's run (collection, session teardown) nothing is refused
_kept: dict[tuple, object] = {}
_home_states = {"now": False}  # the running test checks the prompt states its home keeps


def _key(name: str, settings, args: tuple, kwargs: dict) -> tuple:
    """What decides the loaded engine: the loader's own arguments and the settings it reads (the model store,
    the configured models, the device and the diarisation parameters); never the home or the database."""
    chosen = (
        settings.models_root,
        settings.device,
        settings.models.model_dump_json(),
        settings.diarisation.model_dump_json(),
    )
    return (name, chosen, repr(args), repr(sorted(kwargs.items())))


def _guard(real, name: str):
    @functools.wraps(real)
    def load(settings, *args, **kwargs):
        key = _key(name, settings, args, kwargs) if name in KEPT else None
        loaded = _kept.get(key) if key else None
        if loaded is None:
            loaded = real(settings, *args, **kwargs)  # a bad name or a missing model raises here: allowed
            if key:
                _kept[key] = loaded
            if name == "load_extractor" and not _home_states["now"]:
                loaded.states = _shared_states()
        if not _slow["now"]:
            pytest.fail(f"{name}() loaded a real model in a test not marked slow: add @pytest.mark.slow")
        return loaded

    load.__wrapped_real__ = real
    return load


def _shared_states() -> Path:
    SHARED_STATES.mkdir(parents=True, exist_ok=True)
    return SHARED_STATES


def share_prompt_states(home: Path) -> None:
    """Have a `minutes` process started on `home` by a test keep its prompt states in the run's shared folder."""
    (private_dir(home, "cache") / "prompt-states").symlink_to(_shared_states(), target_is_directory=True)


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
    _home_states["now"] = item.get_closest_marker("home_prompt_states") is not None


def leaving() -> None:
    _slow["now"] = True
    _home_states["now"] = False

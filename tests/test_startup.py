"""The everyday commands start without the heavy stacks: `minutes --help` loads neither the models' libraries
nor the database layer, and `meeting list` and `consent status` on a migrated store load no model library and
no alembic. (How long they take is measured by bench/startup.py, not asserted here.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MODELS = ("torch", "faster_whisper", "ctranslate2", "pyannote", "llama_cpp")
WEB = ("fastapi", "uvicorn", "jinja2")
PROBE = """
import json, sys
sys.argv = ["minutes", *sys.argv[1:]]
from minutes.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}), file=sys.stderr)
"""


def loaded(home, *args: str) -> set[str]:
    """The top-level packages a fresh `minutes ARGS` process had imported when it finished."""
    env = dict(os.environ, MINUTES_HOME=str(home))
    env.pop("MINUTES_DB", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=120
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    return set(report["modules"])


def test_help_loads_no_model_web_or_database_library(home):
    modules = loaded(home, "--help")
    assert not modules & {*MODELS, *WEB, "numpy", "sqlalchemy", "sqlmodel", "alembic"}


@pytest.mark.parametrize("args", [("meeting", "list"), ("consent", "status", "1"), ("consent", "--help")])
def test_everyday_commands_load_no_model_library(home, args):
    loaded(home, "meeting", "create", "Science", "--date", "2026-12-07", "--participant", "Priya")
    modules = loaded(home, *args)
    assert not modules & {*MODELS, *WEB, "numpy", "alembic"}

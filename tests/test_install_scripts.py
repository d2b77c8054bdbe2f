"""`make install` puts `minutes` on the PATH (scripts/link-minutes.sh), so the README's commands run as written in
a new terminal: run here with a throwaway home whose ~/.local/bin is on the PATH (/usr/local/bin is left out of
the PATH, so the real one is never touched)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = ROOT / "scripts" / "link-minutes.sh"
MINUTES = Path(sys.executable).with_name("minutes")


def link(home: Path, *args: str, on_path: bool = True) -> str:
    bin_dir = home / ".local" / "bin"
    path = f"{bin_dir}:/usr/bin:/bin" if on_path else "/usr/bin:/bin"
    env = dict(os.environ, HOME=str(home), PATH=path)
    done = subprocess.run(
        ["bash", str(LINK), *args, str(MINUTES)], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_minutes_is_linked_onto_the_path_and_runs_from_any_folder(tmp_path):
    said = link(tmp_path)
    linked = tmp_path / ".local" / "bin" / "minutes"
    assert f"minutes is on your PATH: {linked}" in said and linked.resolve() == MINUTES.resolve()
    env = dict(os.environ, HOME=str(tmp_path), PATH=f"{linked.parent}:/usr/bin:/bin")
    env["MINUTES_HOME"] = str(tmp_path / "data")
    shell = subprocess.run(
        ["bash", "-c", "minutes meeting list --json"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert shell.returncode == 0 and shell.stdout.strip() == "[]", shell.stderr
    assert "minutes is on your PATH" in link(tmp_path)  # again: nothing to do
    assert "removed" in link(tmp_path, "--remove") and not linked.exists()


def test_a_file_of_the_same_name_is_never_replaced(tmp_path):
    other = tmp_path / ".local" / "bin" / "minutes"
    other.parent.mkdir(parents=True)
    other.write_text("#!/bin/sh\necho someone else's minutes\n")
    said = link(tmp_path)
    assert f"not replacing {other}" in said and "someone else's" in other.read_text()


def test_without_a_writable_folder_on_the_path_it_says_how_to_run_it(tmp_path):
    said = link(tmp_path, on_path=False)
    assert "minutes is not on your PATH" in said and f"alias minutes='{MINUTES.resolve()}'" in said
    assert not (tmp_path / ".local").exists()


def test_the_demo_prints_plain_minutes_once_it_is_linked_onto_the_path(tmp_path, monkeypatch):
    from minutes.cli.demo import _executable

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert _executable() == str(MINUTES)  # not on the PATH: the commands it prints name the venv's copy
    link(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path / '.local' / 'bin'}:/usr/bin:/bin")
    assert _executable() == "minutes"

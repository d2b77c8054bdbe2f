"""The README is the user's manual: it stays under 25 KB, its links lead somewhere, and every `minutes` command
it shows names a real command with options that command takes, so it runs as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _root() -> click.Group:
    import minutes.cli as cli

    cli._register()
    return cli.cli


def _commands(text: str) -> list[str]:
    """Every `minutes ...` line of the README's shell blocks, with continuation lines joined."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.lstrip().startswith("minutes "):
                found.append(line.strip())
    return found


def _resolve(group: click.Group, words: list[str]) -> tuple[click.Command, list[str], list[str]]:
    """The command the words name, the path to it and the words left for it."""
    command: click.Command = group
    path: list[str] = []
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        path.append(words[0])
        command = command.commands[words.pop(0)]
    return command, path, words


def test_the_readme_is_a_manual_sized_file():
    assert README.stat().st_size <= 25_000  # 25 KB, read the strict way


def test_every_link_in_the_readme_leads_to_a_file_here():
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8")):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target


COMMANDS = _commands(README.read_text(encoding="utf-8"))


def test_the_readme_shows_every_command():
    shown = {" ".join(_resolve(_root(), shlex.split(c, comments=True)[1:])[1]) for c in COMMANDS}

    def leaves(group: click.Group, path: list[str]):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from leaves(command, [*path, name])
            else:
                yield " ".join([*path, name])

    missing = [c for c in leaves(_root(), []) if c not in shown]
    assert not missing, f"commands without an example in the README: {missing}"


@pytest.mark.parametrize("line", COMMANDS)
def test_a_readme_command_names_a_command_and_its_options(line):
    words = shlex.split(line, comments=True)[1:]
    if ">" in words:
        words = words[: words.index(">")]
    command, path, rest = _resolve(_root(), words)
    assert not isinstance(command, click.Group), f"{line!r} names no command"
    options = {o for p in command.params for o in p.opts + p.secondary_opts}
    for word in rest:
        if word.startswith("-"):
            assert word.split("=")[0] in options, f"{' '.join(path)} takes no {word}"
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    takes_values = {
        o for p in command.params if isinstance(p, click.Option) and not p.is_flag for o in p.opts
    }
    given, skip = [], False
    for word in rest:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in takes_values
        else:
            given.append(word)
    needed = sum(1 for a in arguments if a.required)
    most = float("inf") if any(a.nargs == -1 for a in arguments) else sum(a.nargs for a in arguments)
    assert needed <= len(given) <= most, (
        f"{line!r}: {len(given)} arguments, {' '.join(path)} takes {needed}-{most}"
    )

"""Shared state for commands: settings and the database, opened lazily so `--help` never touches either."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from minutes.errors import MinutesError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from minutes.core.config import Settings


class IdType(click.ParamType):
    """A meeting, draft or other record id: ASCII digits, 1 to 2**63-1. Anything else is a one-line usage error
    (exit 2) before the command runs, not an overflow in the database driver."""

    name = "id"

    def convert(self, value, param, ctx) -> int:
        from minutes.consent.errors import ConsentInputError
        from minutes.consent.text import parse_id

        try:
            return parse_id(value, f"{param.name if param else 'record'} id")
        except ConsentInputError as exc:
            raise UsageError(str(exc)) from None


ID = IdType()


class MeetingIdType(IdType):
    """A meeting id that must name a stored meeting: one not found exits 3 (NotFoundError), as a draft does,
    before the command runs, whichever layer the command then calls."""

    name = "meeting"

    def convert(self, value, param, ctx) -> int:
        meeting_id = super().convert(value, param, ctx)
        app = ctx.find_object(App) if ctx is not None else None
        if app is not None:
            from minutes.service.meetings import require_meeting

            with app.session() as s:
                require_meeting(s, meeting_id)
        return meeting_id


MEETING = MeetingIdType()


class LazyChoice(click.Choice):
    """A click.Choice whose choices are read from a lower layer only when a command uses them (its help or
    its value), so that `minutes --help` does not import the database tables."""

    def __init__(self, load: Callable[[], Sequence[str]]):
        super().__init__(())
        self._load = load

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self._load())

    @choices.setter
    def choices(self, _value) -> None:
        pass


def _attendance() -> Sequence[str]:
    from minutes.db.meeting import ATTENDANCE

    return ATTENDANCE


ATTENDANCE = LazyChoice(_attendance)
"""present, in-attendance, apologies or absent."""


class OutputError(MinutesError):
    """The command's report could not be written (a full disk, a closed pipe)."""

    exit_code = 74  # EX_IOERR


def written(report: Callable[[], None]) -> None:
    """Print a report and flush it, as a step of the command: an output that fails is an OutputError, so a
    caller that prints before its transaction commits records nothing it could not report."""
    try:
        report()
        sys.stdout.flush()
    except OSError as exc:
        raise OutputError(
            f"the report could not be written ({exc.strerror or exc}); nothing was recorded",
            "run the command again with its output going somewhere it can be written",
        ) from None


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def console() -> Console:
    """A rich console; off a terminal (pipes, CI logs) it is wide enough that tables do not fold."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of text."
)
"""The one `--json` option every command that prints data takes."""


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


@dataclass
class App:
    home: str | None = None
    db: str | None = None
    device: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _database: Any = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from minutes.core.config import load_settings

            self._settings = load_settings(Path(self.home) if self.home else None, self.db, self.device)
        return self._settings

    @property
    def database(self):
        """The opened, migrated database (minutes.core.store.Database)."""
        if self._database is None:
            import minutes.service  # noqa: F401  (wires withdrawal propagation before any change is made)
            from minutes.core.store import Database

            self._database = Database.open(self.settings)
        return self._database

    def ctx(self) -> Any:
        """The service layer's context (minutes.service.Ctx) over this invocation's database and settings."""
        from minutes.service import Ctx

        return Ctx(self.database, self.settings)

    @contextmanager
    def session(self) -> Iterator[Any]:
        with self.database.session() as s:
            yield s

    def close(self) -> None:
        if self._database is not None:
            self._database.close()


pass_app = click.make_pass_decorator(App)

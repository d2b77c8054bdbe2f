"""The `minutes` command line. Commands live in one module per area; they parse, call one function, print."""

from __future__ import annotations

import os

import click

from minutes.cli.app import App, fail
from minutes.errors import MinutesError


class Root(click.Group):
    """Lists commands in workflow order; turns every user-facing error into one line on stderr and a non-zero
    exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MinutesError as exc:
            fail(str(exc), exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            fail("interrupted; nothing half-written was kept", 130)
        except Exception as exc:  # the last line of defence: a user never sees a traceback
            if os.environ.get("MINUTES_DEBUG"):
                raise
            fail(f"internal error ({type(exc).__name__}); rerun with MINUTES_DEBUG=1 for details", 70)


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="MINUTES_HOME",
    help="Data folder (database, recordings, exports). Default: a per-user data folder.",
)
@click.option("--db", help="SQLAlchemy database URL. Default: SQLite under --home. Env: MINUTES_DB.")
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Where models run. Env: MINUTES_DEVICE."
)
@click.version_option(package_name="minutes")
@click.pass_context
def cli(ctx: click.Context, home: str | None, db: str | None, device: str | None) -> None:
    """Local, consent-gated meeting minutes: transcribe, diarise, draft, and a human check before anything is shared."""
    ctx.obj = App(home=home, db=db, device=device)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from minutes.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


_register()


def main() -> None:
    os.umask(
        0o077
    )  # files and folders a command creates are the user's alone (the store code sets modes too)
    cli(prog_name="minutes")


if __name__ == "__main__":  # pragma: no cover
    main()

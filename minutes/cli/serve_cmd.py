"""`minutes serve` (the web app) and `minutes user add|passwd|disable|list` (its accounts)."""

from __future__ import annotations

import ipaddress
import sys

import click

from minutes.cli.app import App, emit_json, json_option, pass_app
from minutes.cli.meeting_cmd import actor
from minutes.errors import UsageError

_PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin (for scripts)."
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--allow-remote", is_flag=True, help="Allow listening on an address other computers can reach.")
@click.option("--no-worker", is_flag=True, hidden=True, help="Do not start the processing worker (tests).")
@pass_app
def serve_cmd(app: App, host: str, port: int, allow_remote: bool, no_worker: bool) -> None:
    """The web app for clerks and reviewers, with its processing worker. Listens on 127.0.0.1 unless told not
    to."""
    import os

    import uvicorn

    from minutes.core.logs import setup_logging
    from minutes.service import Ctx, users, worker
    from minutes.web.app import create_app

    if not _loopback(host) and not allow_remote:
        raise UsageError(
            f"--host {host} can be reached from other computers",
            "add --allow-remote if that is what you want, ideally behind an https proxy",
        )
    os.umask(0o077)  # the database, recordings and exports are readable by this account only
    setup_logging(app.settings.log_dir)
    if not _loopback(host):
        click.echo(
            f"warning: listening on {host}: other computers can reach this app. Put it behind https "
            "(a reverse proxy) so passwords and recordings are not sent in clear.",
            err=True,
        )
    ctx = Ctx(app.database, app.settings)
    if not users.any_users(ctx):
        click.echo(
            "no accounts yet: create one with `minutes user add NAME --role clerk` (or reviewer, admin)",
            err=True,
        )
    proxies = app.settings.web.trusted_proxies
    proc = None if no_worker else worker.start(app.settings)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"minutes is running: open http://{shown}:{port}/ in a browser (Ctrl+C to stop)")
    try:
        uvicorn.run(
            create_app(ctx),
            host=host,
            port=port,
            log_level="warning",
            server_header=False,
            # X-Forwarded-For names the client only when a configured proxy sent it ([web] trusted_proxies)
            proxy_headers=bool(proxies),
            forwarded_allow_ips=",".join(proxies) or None,
        )
    finally:
        if proc is not None:
            proc.terminate()
            proc.join(10)


@click.group("user")
def user_group() -> None:
    """Accounts for the web app (`minutes serve`): clerk, reviewer or admin."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["clerk", "reviewer", "admin"]), required=True)
@_PASSWORD_STDIN
@pass_app
def user_add(app: App, name: str, role: str, password_stdin: bool) -> None:
    """Add an account; asks for its password twice."""
    from minutes.service import Ctx, users

    info = users.add_user(Ctx(app.database, app.settings), name, role, _password(password_stdin), actor())
    click.echo(f"added {info.name} ({info.role})")


@user_group.command("passwd")
@click.argument("name")
@_PASSWORD_STDIN
@pass_app
def user_passwd(app: App, name: str, password_stdin: bool) -> None:
    """Set a new password; the account's sessions end."""
    from minutes.service import Ctx, users

    info = users.set_password(Ctx(app.database, app.settings), name, _password(password_stdin), actor())
    click.echo(f"new password set for {info.name}")


@user_group.command("disable")
@click.argument("name")
@pass_app
def user_disable(app: App, name: str) -> None:
    """Stop an account signing in (its sessions end; its name stays in the audit log)."""
    from minutes.service import Ctx, users

    info = users.disable(Ctx(app.database, app.settings), name, actor())
    click.echo(f"disabled {info.name}")


@user_group.command("list")
@json_option
@pass_app
def user_list(app: App, as_json: bool) -> None:
    """List accounts."""
    from dataclasses import asdict

    from minutes.service import Ctx, users

    rows = users.list_users(Ctx(app.database, app.settings))
    if as_json:
        emit_json([asdict(r) for r in rows])
        return
    for r in rows:
        click.echo(f"{r.name}\t{r.role}\t{'disabled' if r.disabled else 'active'}")

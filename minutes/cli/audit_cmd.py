"""`minutes audit verify` and `minutes audit log`."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from rich.markup import escape
from rich.table import Table

from minutes.cli.app import ID, App, console, emit_json, fail, pass_app


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log (who did what, when; hashes of content, never the content)."""


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def audit_verify(app: App, as_json: bool) -> None:
    """Recompute the hash chain; exit 1 naming the first event that was edited, deleted or reordered."""
    from minutes.audit import verify

    with app.session() as s:
        check = verify(s)
    if as_json:
        emit_json(asdict(check))
        if not check.ok:
            raise SystemExit(1)
    elif check.ok:
        click.echo(f"audit chain ok: {check.events} events")
    else:
        fail(f"audit chain broken at event {check.first_bad_seq}: {check.problem}", 1)


@audit_group.command("log")
@click.option("--meeting", type=ID, help="Only the events of this meeting.")
@click.option("--kind", help="Only events of this kind (e.g. release, export, purge).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def audit_log(app: App, meeting: int | None, kind: str | None, as_json: bool) -> None:
    """List audit events in order."""
    from minutes.audit import log

    with app.session() as s:
        events = log(s, meeting, kind)
    if as_json:
        emit_json([asdict(e) for e in events])
        return
    table = Table("seq", "at (UTC)", "actor", "kind", "meeting", "subject")
    for e in events:
        table.add_row(str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", escape(e.actor), e.kind,
                      "" if e.meeting_id is None else str(e.meeting_id),
                      escape(json.dumps(e.subject, sort_keys=True, ensure_ascii=False)))
    console().print(table)

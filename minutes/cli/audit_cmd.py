"""`minutes audit verify`, `minutes audit head` and `minutes audit log`."""

from __future__ import annotations

import json
import re
from dataclasses import asdict

import click
from rich.markup import escape
from rich.table import Table

from minutes.cli.app import ID, App, console, emit_json, fail, json_option, pass_app
from minutes.dates import local_time

_FILED = re.compile(r"(\d{1,18}):([0-9a-fA-F]{64})")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log (who did what, when; hashes of content, never the content)."""


def _filed(_ctx, _param, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    match = _FILED.fullmatch(value.strip())
    if not match:
        raise click.BadParameter("expected EVENT:HASH as printed by `minutes audit head`, e.g. 57:3f2a...")
    return int(match[1]), match[2].lower()


@audit_group.command("verify")
@click.option(
    "--filed",
    callback=_filed,
    metavar="EVENT:HASH",
    help="A head filed earlier (`minutes audit head`): check the chain still holds it unchanged.",
)
@json_option
@pass_app
def audit_verify(app: App, filed: tuple[int, str] | None, as_json: bool) -> None:
    """Check the keyed hash chain and its signed head, then every consent record and released draft against
    the hashes the chain recorded; exit 1 naming the first event or row edited, deleted or reordered."""
    from minutes.service import audit

    check = audit.check(app.ctx(), filed)
    if as_json:
        emit_json(asdict(check))
        if not check.ok:
            raise SystemExit(1)
    elif check.ok:
        held = f"; it holds filed event {filed[0]}" if filed else ""
        click.echo(
            f"audit chain ok: {check.events} events, head signed; {check.consent_records} consent "
            f"records and {check.releases} released drafts match it{held}"
        )
    elif not check.chain_ok:
        fail(f"audit chain broken at event {check.first_bad_seq}: {check.problem}", 1)
    else:
        fail(f"audit check failed: {check.problem}", 1)


@audit_group.command("head")
@json_option
@pass_app
def audit_head(app: App, as_json: bool) -> None:
    """Print the signed head of a verified chain (newest event, its hash, the HMAC, the time) to file with
    the minutes; `minutes audit verify --filed EVENT:HASH` later shows nothing up to it was rewritten or cut
    off."""
    from minutes.service import audit

    signed = audit.head(app.ctx())
    if as_json:
        emit_json(
            {"event": signed.event, "hash": signed.hash, "hmac": signed.hmac, "at": signed.at.isoformat()}
        )
        return
    click.echo(
        f"event {signed.event}\nhash {signed.hash}\nhmac {signed.hmac}\nat {signed.at.isoformat()}\n"
        f"check later with: minutes audit verify --filed {signed.event}:{signed.hash}"
    )


@audit_group.command("log")
@click.option("--meeting", type=ID, help="Only the events of this meeting.")
@click.option("--kind", help="Only events of this kind (e.g. release, export, purge).")
@json_option
@pass_app
def audit_log(app: App, meeting: int | None, kind: str | None, as_json: bool) -> None:
    """List audit events in order."""
    from minutes.service import audit

    events = audit.events(app.ctx(), meeting, kind)
    if as_json:
        emit_json([asdict(e) for e in events])
        return
    table = Table("seq", "at (UK time)", "actor", "kind", "meeting", "subject")
    for e in events:
        table.add_row(
            str(e.seq),
            local_time(e.at, seconds=True),
            escape(e.actor),
            e.kind,
            "" if e.meeting_id is None else str(e.meeting_id),
            escape(json.dumps(e.subject, sort_keys=True, ensure_ascii=False)),
        )
    console().print(table)

"""`minutes body list|show`, `minutes meeting body`, `minutes matters list|set|confirm`, `minutes actions`."""

from __future__ import annotations

import io
import sys
from dataclasses import asdict
from pathlib import Path

import click

from minutes.cli.app import MEETING, App, emit_json, json_option, pass_app
from minutes.cli.meeting_cmd import actor
from minutes.core.text import counted
from minutes.dates import long_date, short_date

BODY_KINDS = click.Choice(["committee", "department", "governing board"])


@click.group("body")
def body_group() -> None:
    """Bodies (committees, departments, governing boards) whose meetings form a series."""


@body_group.command("list")
@json_option
@pass_app
def body_list(app: App, as_json: bool) -> None:
    """List the bodies."""
    from minutes.service import series

    rows = series.bodies(app.ctx())
    if as_json:
        emit_json([{"id": i, "name": n, "kind": k} for i, n, k in rows])
        return
    for i, name, kind in rows:
        click.echo(f"{i}\t{name}\t{kind}")


@body_group.command("show")
@click.argument("name")
@pass_app
def body_show(app: App, name: str) -> None:
    """The body's meetings (its series), by date."""
    from minutes.service import series

    for i, title, date in series.series_of(app.ctx(), name):
        click.echo(f"{i}\t{short_date(date)}\t{title}")


def meeting_body(meeting_group: click.Group) -> None:
    """Add `minutes meeting body` to the meeting group."""

    @meeting_group.command("body")
    @click.argument("meeting", type=MEETING)
    @click.argument("name", required=False)
    @click.option("--kind", type=BODY_KINDS, default="committee", show_default=True, help="For a new body.")
    @click.option("--none", "clear", is_flag=True, help="Take the meeting out of any body's series.")
    @pass_app
    def meeting_body_cmd(app: App, meeting: int, name: str | None, kind: str, clear: bool) -> None:
        """Put a meeting in a body's series (a new name creates the body), until its minutes are released."""
        from minutes.service import series

        if not name and not clear:
            raise click.UsageError("give the body's NAME, or --none")
        stored = series.assign(app.ctx(), meeting, None if clear else name, actor(), kind)
        click.echo(f"meeting {meeting}: {'body ' + stored if stored else 'no body'}")


@click.group("matters")
def matters_group() -> None:
    """Matters arising: the open actions of the body's earlier minutes, as this meeting takes them up."""


@matters_group.command("list")
@click.argument("meeting", type=MEETING)
@json_option
@pass_app
def matters_list(app: App, meeting: int, as_json: bool) -> None:
    """The open actions this meeting takes up, with its status and what the talk suggested."""
    from minutes.service import series

    rows = series.matters(app.ctx(), meeting)
    if as_json:
        emit_json([asdict(r) for r in rows])
        return
    if not rows:
        click.echo(f"meeting {meeting}: no matters arising")
    for r in rows:
        due = f", due {long_date(r.due)}" if r.due else ""
        click.echo(f"{r.action_id}\t{r.owner or 'unassigned'}: {r.task}{due}\t{r.status_label}")
        if r.suggested:
            said = "; ".join(f"[{e['start']:.0f}s] {e['quote']}" for e in r.suggested.get("evidence", []))
            click.echo(f"\tsuggested: {series.LABELS[r.suggested['status']]} (p={r.suggested['p']}): {said}")


@matters_group.command("set")
@click.argument("meeting", type=MEETING)
@click.argument("action", type=int)
@click.argument("status", type=click.Choice(["done", "carried", "dropped", "open"]))
@click.option("--due", help="The new due date of an action carried forward (2027-01-15, 15/01/2027).")
@click.option("--note", help="What the meeting said of it.")
@click.option("--by", "by", help="Who records it (default: your login name).")
@pass_app
def matters_set(
    app: App, meeting: int, action: int, status: str, due: str | None, note: str | None, by: str | None
) -> None:
    """Record an open action as done, carried forward (with --due) or dropped; audited."""
    from minutes.service import series

    row = series.set_status(app.ctx(), meeting, action, status, by or actor(), due=due, note=note)
    click.echo(f"meeting {meeting}: action {action} {row.status_label.lower()}")


@matters_group.command("confirm")
@click.argument("meeting", type=MEETING)
@click.argument("action", type=int)
@click.option("--due", help="The new due date, when the suggestion is to carry it forward.")
@click.option("--by", "by", help="Who confirms it (default: your login name).")
@pass_app
def matters_confirm(app: App, meeting: int, action: int, due: str | None, by: str | None) -> None:
    """Accept the status the draft suggested from the talk."""
    from minutes.service import series

    row = series.confirm(app.ctx(), meeting, action, by or actor(), due=due)
    click.echo(f"meeting {meeting}: action {action} {row.status_label.lower()}")


@click.command("actions")
@click.option("--person", help="Only this owner's actions (by name).")
@click.option("--body", help="Only this body's actions.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "docx"]), default="table", show_default=True
)
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write, outside MINUTES_HOME (docx needs it).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@pass_app
def actions_cmd(
    app: App, person: str | None, body: str | None, fmt: str, output: Path | None, force: bool
) -> None:
    """Who owes what: the open actions of released minutes, overdue first."""
    from minutes.service import series

    rows = series.owed(app.ctx(), person, body)
    if fmt == "docx" and output is None:
        raise click.UsageError("--format docx needs --out FILE")
    if output is not None:
        output = series.writable(app.ctx(), output, force)
    if fmt == "table":
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(*series.OWED_HEADER, title="open actions")
        for row in series.owed_rows(rows):
            table.add_row(*map(escape, row))
        if output is None:
            Console(width=160).print(table)
            return
        text = io.StringIO()
        Console(file=text, width=160).print(table)
        data = text.getvalue().encode("utf-8")
    else:
        title = "Open actions" + (f": {person}" if person else "") + (f", {body}" if body else "")
        data = series.owed_csv(rows) if fmt == "csv" else series.owed_docx(rows, title)
    if output is None:
        sys.stdout.buffer.write(data)
        return
    series.save(app.ctx(), rows, fmt, data, output, force, actor())
    click.echo(f"{counted(len(rows), 'open action')} written to {output}")

"""`minutes extract TRANSCRIPT.json`: extraction alone, on a transcript file; stores nothing, prints the draft."""

from __future__ import annotations

import click

from minutes.cli.app import App, emit_json, json_option, pass_app
from minutes.dates import parse_optional


@click.command("extract")
@click.argument("transcript", type=click.Path(dir_okay=False))
@click.option(
    "--participants",
    help="Comma-separated participant names, each with an optional role, e.g. "
    '"Priya:chair,Tom,Helen:headteacher". Default: the transcript\'s speaker names.',
)
@click.option(
    "--date",
    "meeting_date",
    help="Meeting date (2026-12-07, 07/12/2026 or 7 Dec 2026), for resolving due dates such as 'by Friday'.",
)
@click.option("--model", help="Extractor model name (default from the config).")
@click.option("--format", "fmt", type=click.Choice(["json", "md"]), default="json", show_default=True)
@json_option
@pass_app
def extract_cmd(
    app: App,
    transcript: str,
    participants: str | None,
    meeting_date: str | None,
    model: str | None,
    fmt: str,
    as_json: bool,
) -> None:
    """Draft decisions, actions and flags from a transcript JSON, and print them (unreviewed; nothing is stored).

    The audit log records that it ran (the file's hash, the model and the duration), never what was said."""
    from minutes.cli.meeting_cmd import actor
    from minutes.service import standalone

    day = parse_optional(meeting_date, "--date")
    names = [p.strip() for p in (participants or "").split(",") if p.strip()]
    draft = standalone.extract_file(
        app.ctx(),
        transcript,
        names,
        day,
        actor(),
        model,
        progress=lambda done, total, unit: click.echo(f"{unit} {done}/{total}", err=True),
    )
    if as_json or fmt == "json":
        emit_json(draft.model_dump(mode="json"))
    else:
        click.echo(standalone.markdown(draft), nl=False)

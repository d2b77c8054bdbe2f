"""`minutes export DRAFT --format md|docx|json|srt|vtt|txt [--template governors|department] [--transcript]
[--out PATH [--force]]`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from minutes.cli.app import ID, App, emit_json, json_option, pass_app


@click.command("export")
@click.argument("draft", type=ID)
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["md", "docx", "json", "srt", "vtt", "txt"]),
    help="md, docx, json: released minutes. srt, vtt, txt (or json with --transcript): the transcript, "
    "marked unreviewed.",
)
@click.option(
    "--template",
    type=click.Choice(["governors", "department"]),
    help="md or docx minutes as a clerk files them: attendance, declarations, the agenda items in order with "
    "their decisions and actions. governors: numbered, 'Resolved:'; department: lighter.",
)
@click.option("--transcript", is_flag=True, help="Export the draft's transcript (allowed before release).")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="File to write, outside MINUTES_HOME. Default: the store's exports folder.",
)
@click.option(
    "--force", is_flag=True, help="Replace --out if it exists (only a regular file is ever replaced)."
)
@click.option("--by", help="Who exports (recorded in the audit log). Default: the logged-in user.")
@json_option
@pass_app
def export_cmd(
    app: App,
    draft: int,
    fmt: str,
    template: str | None,
    transcript: bool,
    out: Path | None,
    force: bool,
    by: str | None,
    as_json: bool,
) -> None:
    """Export released minutes as a clerk files them, or the transcript for checking (stamped unreviewed)."""
    from minutes.records.export import export

    with app.session() as s:
        result = export(
            s, app.settings, draft, fmt, out, transcript=transcript, actor=by, force=force, template=template
        )
    if as_json:
        emit_json(asdict(result))
    else:
        click.echo(f"wrote {result.path} ({result.kind}, {result.format}, sha256 {result.sha256[:12]})")

"""`minutes export DRAFT --format md|docx|json|srt|vtt|txt [--template governors|department] [--transcript]
[--part 2 --by REVIEWER] [--out PATH [--force]]`."""

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
    "--part",
    type=click.IntRange(1, 2),
    default=1,
    show_default=True,
    help="2: the part-2 (confidential) record of the flags a reviewer sent there (md or docx), for reviewers "
    "only: --by must name a reviewer's account.",
)
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
    part: int,
    out: Path | None,
    force: bool,
    by: str | None,
    as_json: bool,
) -> None:
    """Export released minutes as a clerk files them, or the transcript for checking (stamped unreviewed)."""
    from minutes.service import release

    if part == 2:
        result = _part2(app, draft, fmt, template, transcript, out, force, by)
    else:
        result = release.write(app.ctx(), draft, fmt, by, out, transcript, force, template)
    if as_json:
        emit_json(asdict(result))
    else:
        click.echo(f"wrote {result.path} ({result.kind}, {result.format}, sha256 {result.sha256[:12]})")


def _part2(app: App, draft: int, fmt: str, template, transcript: bool, out, force: bool, by: str | None):
    """The part-2 record, exported as the reviewer's account named with --by (the service checks the role)."""
    from minutes.errors import UsageError
    from minutes.service import part2, users

    if transcript:
        raise UsageError("--part 2 is the confidential record of the minutes, not a transcript")
    if not by:
        raise UsageError("--part 2 needs --by NAME: a reviewer's account (see `minutes user list`)")
    ctx = app.ctx()
    return part2.export(ctx, draft, fmt, users.account(ctx, by), template or "governors", out, force)

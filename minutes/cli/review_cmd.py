"""`minutes review list|show|transcript|add|edit|resolve|clear|flag|move|approve|reject|diff` and `minutes release`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from minutes.cli.app import ID, App, console, emit_json, json_option, pass_app
from minutes.core.text import counted
from minutes.dates import local_time, long_date, short_date
from minutes.errors import UsageError

BY = click.option("--by", "by", required=True, help="The reviewer's name (recorded with the time).")


@click.group("review")
def review_group() -> None:
    """The accuracy-check queue: nothing is released until a person has checked it."""


@review_group.command("list")
@click.option("--status", type=click.Choice(["pending", "in_review", "approved", "rejected", "released"]))
@json_option
@pass_app
def review_list(app: App, status: str | None, as_json: bool) -> None:
    """List drafts, oldest first."""
    from minutes.service import review

    rows = review.drafts(app.ctx(), status)
    if as_json:
        emit_json(review.to_jsonable(rows))
        return
    if not rows:
        click.echo(
            f"No draft is {status.replace('_', ' ')}; `minutes review list` shows every draft."
            if status
            else "No drafts yet. A draft is made when a meeting's recording is processed: "
            "`minutes process MEETING AUDIO` (see `minutes meeting list`)."
        )
        return
    table = Table("draft", "meeting", "date", "status", "decisions", "actions", "flags", "to resolve")
    for r in rows:
        table.add_row(
            str(r.id),
            escape(r.meeting_title),
            short_date(r.meeting_date),
            r.status,
            str(r.decisions),
            str(r.actions),
            str(r.flags),
            f"[bold red]{r.blocking}[/bold red]" if r.blocking else "0",
        )
    console().print(table)


@review_group.command("show")
@click.argument("draft", type=ID)
@click.option(
    "--transcript",
    "with_transcript",
    is_flag=True,
    help="Also print the transcript, numbered, its flagged lines marked (for `review flag --lines`).",
)
@json_option
@pass_app
def review_show(app: App, draft: int, with_transcript: bool, as_json: bool) -> None:
    """Show a draft: each item with its evidence; unsupported items and sensitive flags first and in red."""
    from minutes.service import flags, processing, review

    view = review.show(app.ctx(), draft)
    lines = flags.transcript(app.ctx(), draft) if with_transcript else None
    if as_json:
        emit_json(review.to_jsonable(view) | ({"transcript": review.to_jsonable(lines)} if lines else {}))
        return
    out = console()
    out.print(
        f"[bold]draft {view.id}[/bold]  {escape(view.meeting_title)} ({long_date(view.meeting_date)})  "
        f"status [bold]{view.status}[/bold]  model {escape(view.model)}"
    )
    if view.reject_reason:
        out.print(f"rejected: {escape(view.reject_reason)}")
    advice = processing.redraft_advice(app.ctx(), view.meeting_id)
    if advice and advice.draft_id == view.id:
        from minutes.cli.process_cmd import redraft_hint

        out.print(f"[yellow]{escape(redraft_hint(view.meeting_id, advice))}[/yellow]")
    if view.blocking:
        out.print(f"[bold red]to resolve before approval: {', '.join(view.blocking)}[/bold red]")
    if view.summary:
        out.print(f"\n[bold]summary[/bold]\n{escape(view.summary)}")
    for item in sorted(view.items, key=lambda i: (not i.blocking, i.kind != "flag")):
        out.print()
        out.print(_item_line(item))
        for ev in item.evidence:
            out.print(f'    [dim]{_clock(ev.start)}-{_clock(ev.end)}[/dim] "{escape(ev.quote)}"')
        if not item.evidence:
            out.print("    [dim]no evidence[/dim]")
    if view.notes:
        out.print("\n[bold]notes from drafting[/bold] (check these against the recording)")
        for note in view.notes:
            out.print(f"  - {escape(note)}")
    if lines:
        out.print("\n[bold]transcript[/bold] (flagged lines are withheld from drafting)")
        _print_transcript(lines)


@review_group.command("edit")
@click.argument("draft", type=ID)
@BY
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the edited JSON document from FILE instead of opening $EDITOR.",
)
@json_option
@pass_app
def review_edit(app: App, draft: int, by: str, source: Path | None, as_json: bool) -> None:
    """Edit the draft as a JSON document ($EDITOR, or --from FILE). After approval, an edit reopens review."""
    from minutes.service import review

    text: str | None
    if source is not None:
        text = review.read_document(source)
    else:
        current = json.dumps(review.document(app.ctx(), draft), indent=2, ensure_ascii=False)
        try:
            text = click.edit(current, extension=".json", require_save=True)
        except click.ClickException as exc:  # the editor would not start, or exited with an error
            raise UsageError(
                f"the editor failed ({exc.format_message()}); nothing was changed",
                "set $EDITOR to an editor that works, or save the document to a file and use --from FILE",
            ) from None
        if text is None:
            click.echo("no change", err=True)
            return
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"invalid edit: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            "nothing was changed",
        ) from None
    result = review.edit(app.ctx(), draft, document, by)
    if as_json:
        emit_json(review.to_jsonable(result))
    elif not result.changed:
        click.echo(f"draft {draft}: no change")
    else:
        parts = [
            f"{k} {', '.join(v)}"
            for k, v in (("added", result.added), ("edited", result.edited), ("removed", result.removed))
            if v
        ]
        parts += ["summary edited"] if result.summary_changed else []
        click.echo(f"draft {draft} ({result.status}): " + "; ".join(parts))


@review_group.command("resolve")
@click.argument("draft", type=ID)
@click.argument("item")
@click.option("--keep", "resolution", flag_value="keep", help="Keep the item as it is.")
@click.option("--remove", "resolution", flag_value="remove", help="Remove the item from the minutes.")
@click.option(
    "--part2",
    "resolution",
    flag_value="part2",
    help="A sensitive flag: confirm it and minute it in the part-2 (confidential) record, not the minutes.",
)
@click.option("--edit", "text", help="Replace the item's text (decision, action task, or flag reason).")
@click.option("--owner", help="With --edit on an action: the new owner, a participant of the meeting.")
@click.option(
    "--outside",
    is_flag=True,
    help="With --owner: the owner is not a participant (a contractor, the site manager); taken as written.",
)
@click.option("--due", help="With --edit on an action: the due date, e.g. 11/12/2026 or 2026-12-11.")
@click.option(
    "--kind",
    type=click.Choice(["decision", "action", "point"]),
    help="Make the item a decision, an action or a discussion point: its text and evidence stay (an action's "
    "owner and due date, a decision's motion, are set again afterwards).",
)
@BY
@json_option
@pass_app
def review_resolve(
    app: App,
    draft: int,
    item: str,
    resolution: str | None,
    text: str | None,
    owner: str | None,
    outside: bool,
    due: str | None,
    kind: str | None,
    by: str,
    as_json: bool,
) -> None:
    """Resolve an item (d1, a2, f1, p1): --keep, --remove, --part2 (a sensitive flag), --edit TEXT
    [--owner NAME [--outside]] [--due DATE], or --kind KIND to change what it is.

    Validation happens in the service layer, as for the web app: the owner is a participant unless --outside,
    the due date is a real date (2026-12-11, 11/12/2026 or 11 Dec 2026)."""
    from minutes.service import review

    if kind is not None:
        if resolution or text is not None or owner is not None or due is not None or outside:
            raise UsageError("--kind goes alone: change the kind first, then edit or resolve the new item")
        old, new = review.change_kind(app.ctx(), draft, item, kind, by)
        if as_json:
            emit_json(review.to_jsonable([old, new]))
        else:
            click.echo(f"draft {draft}: {old.ref} is now {new.kind} {new.ref} (its evidence went with it)")
        return
    _check_resolve_options(resolution, text, owner, outside, due)
    view = review.resolve(
        app.ctx(),
        draft,
        item,
        resolution or "edit",
        by,
        text=text,
        owner=owner,
        due=due,
        outside=outside,
    )
    if as_json:
        emit_json(review.to_jsonable(view))
    else:
        click.echo(f"draft {draft}: {view.ref} {view.resolution}")


def _check_resolve_options(
    resolution: str | None, text: str | None, owner: str | None, outside: bool, due: str | None
) -> None:
    """One precise message per misuse: --owner and --due edit an action, so never go with --keep, --remove."""
    if outside and owner is None:
        raise UsageError("--outside only goes with --owner")
    extras = [flag for flag, value in (("--owner", owner), ("--due", due)) if value is not None]
    if resolution is not None and extras:
        raise UsageError(f"{extras[0]} only goes with --edit, not --{resolution}")
    if resolution is not None and text is not None:
        raise UsageError(
            f"choose one of --keep, --remove, --part2 or --edit TEXT, not --{resolution} and --edit"
        )
    if resolution is None and text is None and not extras:
        raise UsageError("choose one of --keep, --remove, --part2 or --edit TEXT")


@review_group.command("add")
@click.argument("draft", type=ID)
@click.option(
    "--kind", type=click.Choice(["decision", "action", "point"]), required=True, help="What the item is."
)
@click.option("--text", required=True, help="The decision, the action's task, or the discussion point.")
@click.option("--owner", help="An action's owner: a participant of the meeting.")
@click.option(
    "--outside", is_flag=True, help="With --owner: the owner is not a participant; taken as written."
)
@click.option("--due", help="An action's due date, e.g. 11/12/2026, 2026-12-11 or 11 Dec 2026.")
@click.option(
    "--at", "evidence_at", help="Evidence: the stretch of the recording, START-END (e.g. 1:05-1:20)."
)
@click.option(
    "--lines", help="Evidence: transcript line numbers, e.g. 12 or 12-14 (see `minutes review transcript`)."
)
@click.option(
    "--agenda",
    "agenda_item",
    type=click.IntRange(min=1),
    help="The agenda item to minute it under (default: where its evidence places it).",
)
@BY
@json_option
@pass_app
def review_add(
    app: App,
    draft: int,
    kind: str,
    text: str,
    owner: str | None,
    outside: bool,
    due: str | None,
    evidence_at: str | None,
    lines: str | None,
    agenda_item: int | None,
    by: str,
    as_json: bool,
) -> None:
    """Add a decision, action or discussion point the draft missed, citing the transcript (--at or --lines).
    Audited; after approval it reopens review; refused once the draft is rejected or released."""
    from minutes.service import review

    if outside and owner is None:
        raise UsageError("--outside only goes with --owner")
    added = review.add_item(
        app.ctx(),
        draft,
        kind,
        text,
        by,
        owner=owner,
        due=due,
        agenda_item=agenda_item,
        evidence_at=evidence_at,
        lines=lines,
        outside=outside,
    )
    if as_json:
        emit_json(review.to_jsonable(added))
    else:
        cites = f", citing {counted(len(added.evidence), 'line')}" if added.evidence else ", with no evidence"
        click.echo(f"draft {draft}: added {added.kind} {added.ref}{cites}")


@review_group.command("transcript")
@click.argument("draft", type=ID)
@json_option
@pass_app
def review_transcript(app: App, draft: int, as_json: bool) -> None:
    """The draft's transcript, one numbered line per passage: the numbers `review add --lines` and `review flag
    --lines` cite, flagged lines marked."""
    from minutes.service import flags, review

    lines = flags.transcript(app.ctx(), draft)
    if as_json:
        emit_json([{"line": x.number} | review.to_jsonable(x) for x in lines])
        return
    _print_transcript(lines)


@review_group.command("clear")
@click.argument("draft", type=ID)
@click.argument("flag")
@click.option("--reason", required=True, help="Why the flag is false (recorded; say why, not what was said).")
@BY
@json_option
@pass_app
def review_clear(app: App, draft: int, flag: str, reason: str, by: str, as_json: bool) -> None:
    """Clear a false sensitive flag (f1): it no longer blocks approval, and its lines are drafted on the next
    re-draft. Audited with the reason."""
    from minutes.service import flags, review

    view = flags.clear(app.ctx(), draft, flag, reason, by)
    if as_json:
        emit_json(review.to_jsonable(view))
    else:
        click.echo(f"draft {draft}: {view.ref} cleared")


@review_group.command("flag")
@click.argument("draft", type=ID)
@click.option("--lines", help="The transcript lines to flag: 12 or 12-15 (see `review show --transcript`).")
@click.option("--from", "start", help="Or a time range (every line overlapping it): its start, MM:SS.")
@click.option("--to", "end", help="The time range's end, MM:SS (or seconds).")
@click.option("--kind", help="What kind of matter (default: sensitive), e.g. safeguarding, health, family.")
@BY
@json_option
@pass_app
def review_flag(
    app: App,
    draft: int,
    lines: str | None,
    start: str | None,
    end: str | None,
    kind: str | None,
    by: str,
    as_json: bool,
) -> None:
    """Flag transcript lines as sensitive: they are withheld from any re-draft, and the decisions, actions and
    discussion points resting on them are removed now (audited)."""
    from minutes.service import flags, review

    if not lines and not (start or end):
        raise UsageError("give --lines, or --from and --to")
    done = flags.flag(app.ctx(), draft, by, lines=lines, start=start, end=end, kind=kind)
    if as_json:
        emit_json(review.to_jsonable(done))
        return
    first, last = done.lines
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    removed = f"; removed {', '.join(done.removed)}" if done.removed else ""
    summary = "; summary shortened" if done.summary_changed else ""
    click.echo(f"draft {draft}: {done.flag.ref} flags {where}{removed}{summary}")


@review_group.command("move")
@click.argument("draft", type=ID)
@click.argument("item")
@click.option(
    "--agenda",
    "agenda_item",
    type=click.IntRange(min=0),
    required=True,
    help="The agenda item number to minute it under; 0 puts it back where its evidence places it.",
)
@BY
@json_option
@pass_app
def review_move(app: App, draft: int, item: str, agenda_item: int, by: str, as_json: bool) -> None:
    """Minute a decision, action or discussion point (d1, a2, p1) under another agenda item. Audited; refused
    after release."""
    from minutes.service import review

    view = review.move(app.ctx(), draft, item, agenda_item or None, by)
    if as_json:
        emit_json(review.to_jsonable(view))
    else:
        where = f"agenda item {view.agenda_item}" if view.agenda_item else "where its evidence places it"
        click.echo(f"draft {draft}: {view.ref} moved to {where}")


@review_group.command("approve")
@click.argument("draft", type=ID)
@BY
@pass_app
def review_approve(app: App, draft: int, by: str) -> None:
    """Approve a draft (every unsupported item and flag must be resolved first)."""
    from minutes.service import review

    review.approve(app.ctx(), draft, by)
    click.echo(f"draft {draft} approved by {by}")


@review_group.command("reject")
@click.argument("draft", type=ID)
@BY
@click.option("--reason", required=True, help="Why the draft is rejected.")
@pass_app
def review_reject(app: App, draft: int, by: str, reason: str) -> None:
    """Reject a draft, with a reason."""
    from minutes.service import review

    review.reject(app.ctx(), draft, reason, by)
    click.echo(f"draft {draft} rejected by {by}")


@review_group.command("diff")
@click.argument("draft", type=ID)
@json_option
@pass_app
def review_diff(app: App, draft: int, as_json: bool) -> None:
    """The AI's original against the reviewer's version: what changed, who changed it, and when."""
    from minutes.service import review

    d = review.diff(app.ctx(), draft)
    if as_json:
        emit_json(review.to_jsonable(d))
        return
    out = console()
    out.print(f"[bold]draft {d.draft_id}[/bold] ({d.status}): the AI's draft -> the reviewer's version")
    if d.summary_before != d.summary_after:
        out.print(
            f"[red]- summary: {escape(d.summary_before)}[/red]\n[green]+ summary: {escape(d.summary_after)}[/green]"
        )
    for c in d.changes:
        who = f"  [dim]({escape(c.by)}, {local_time(c.at)})[/dim]" if c.by and c.at else ""
        out.print(f"{c.ref} {c.change}{who}")
        if c.before and c.change not in ("kept", "part 2"):
            out.print(f"  [red]- {escape(_fields(c.before))}[/red]")
        if c.after:
            out.print(f"  [green]+ {escape(_fields(c.after))}[/green]")
    if not d.changes and d.summary_before == d.summary_after:
        out.print("no changes")
    out.print("\n[bold]history[/bold]")
    for h in d.history:
        move = f" {h.from_status} -> {h.to_status}" if h.to_status else ""
        out.print(
            f"  {local_time(h.at)} {escape(h.reviewer)}: {h.kind}{move}"
            + (f" ({escape(h.reason)})" if h.reason else "")
        )


@click.command("release")
@click.argument("draft", type=ID)
@BY
@pass_app
def release_cmd(app: App, draft: int, by: str) -> None:
    """Release approved minutes (then they can be exported as minutes)."""
    from minutes.service import release

    rel = release.release(app.ctx(), draft, by)
    click.echo(f"draft {draft} released by {by} (release {rel.release_id}, sha256 {rel.content_sha256[:12]})")


def _item_line(item) -> str:
    from minutes.db import ItemStatus, Origin, Resolution  # `minutes --help` loads no database library

    ref = f"[bold]{item.ref}[/bold]"
    if item.kind == "action":
        body = f"{escape(item.text)}  owner: {escape(item.owner or '-')}  due: {escape(long_date(item.due) or '-')}"
    elif item.kind == "flag":
        body = f"{escape(item.flag_kind or '')}: {escape(item.text)}"
    else:
        said = [
            f"{k}: {v}"
            for k, v in (("proposed by", item.proposer), ("seconded by", item.seconder), ("vote", item.vote))
            if v
        ]
        body = escape("  ".join([item.text, *said]))
    if item.agenda_item:
        body += f"  [dim](moved to agenda item {item.agenda_item})[/dim]"
    marks = []
    if item.sensitive:
        marks.append("[bold white on red] SENSITIVE [/bold white on red]")
    if item.unsupported:
        marks.append("[bold red]UNSUPPORTED[/bold red]")
    elif item.status == ItemStatus.UNSUPPORTED:
        marks.append("[dim](checked by the reviewer: the transcript did not support it)[/dim]")
    if item.blocking:
        marks.append("[red]needs resolving[/red]")
    if item.resolution:
        marks.append(f"[dim]{item.resolution}[/dim]")
    if item.origin == Origin.REVIEWER:
        marks.append("[dim]added by reviewer[/dim]")
    body = f"[strike dim]{body}[/strike dim]" if item.resolution == Resolution.REMOVED else body
    return f"{ref} {item.kind} {' '.join(marks)}\n    {body}"


def _print_transcript(lines) -> None:
    """Numbered transcript lines, each line's sensitive flags marked."""
    out = console()
    for x in lines:
        mark = f"[bold white on red] {' '.join(x.flags)} [/bold white on red] " if x.flags else ""
        out.print(
            f"{x.number:>4} [dim]{_clock(x.start)}[/dim] {mark}{escape(x.speaker or '?')}: {escape(x.text)}"
        )


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


def _fields(values: dict) -> str:
    return "; ".join(f"{k}: {v}" for k, v in values.items() if v is not None)

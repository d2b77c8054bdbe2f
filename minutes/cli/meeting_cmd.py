"""`minutes meeting create|agenda|list|show`, `minutes participant add|remove`, `minutes attendance`,
`minutes person add|list`."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from pathlib import Path

import click

from minutes.cli.app import ATTENDANCE, MEETING, App, emit_json, json_option, pass_app
from minutes.dates import long_date, short_date

AGENDA = click.Path(exists=True, dir_okay=False, path_type=Path)


def actor() -> str:
    """Who is running the command: the login name, or 'clerk' when there is none."""
    try:
        return getpass.getuser() or "clerk"
    except (KeyError, OSError):
        return "clerk"


@click.group("meeting")
def meeting_group() -> None:
    """Register meetings and list them."""


@meeting_group.command("create")
@click.argument("title")
@click.option("--date", "date", required=True, help="Meeting date: 2026-12-07, 07/12/2026 or 7 Dec 2026.")
@click.option(
    "--participant",
    "participants",
    multiple=True,
    metavar='"NAME[:ROLE]"',
    help="A participant (repeatable). A name matching a known person is linked to them.",
)
@click.option("--agenda", type=AGENDA, help='Agenda: a numbered list, one item per line ("1. Apologies").')
@click.option(
    "--body", help="The body (committee, department, governing board) it belongs to; new names are created."
)
@click.option(
    "--body-kind",
    type=click.Choice(["committee", "department", "governing board"]),
    default="committee",
    show_default=True,
    help="What a new body is.",
)
@json_option
@pass_app
def meeting_create(
    app: App,
    title: str,
    date: str,
    participants: tuple[str, ...],
    agenda: Path | None,
    body: str | None,
    body_kind: str,
    as_json: bool,
) -> None:
    """Create a meeting and print its id."""
    from minutes.service import meetings

    titles = meetings.agenda_file_titles(agenda) if agenda else []
    meeting = meetings.create_from_specs(
        app.ctx(), title, date, participants, actor(), titles, body, body_kind
    )
    if as_json:
        emit_json({"id": meeting.id, "title": meeting.title, "date": meeting.date})
    else:
        click.echo(meeting.id)


@meeting_group.command("agenda")
@click.argument("meeting", type=MEETING)
@click.argument("file", type=AGENDA)
@pass_app
def meeting_agenda(app: App, meeting: int, file: Path) -> None:
    """Set or replace the meeting's agenda (a numbered list, one item per line), until its minutes are released."""
    from minutes.service import meetings

    titles = meetings.set_agenda(app.ctx(), meeting, meetings.agenda_file(file), actor())
    click.echo(f"meeting {meeting}: agenda of {len(titles)} items")


@meeting_group.command("list")
@json_option
@pass_app
def meeting_list(app: App, as_json: bool) -> None:
    """List meetings, oldest first."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from minutes.service import meetings

    rows = meetings.infos(app.ctx())
    if as_json:
        emit_json([asdict(r) for r in rows])
        return
    table = Table("id", "date", "title", "participants", "recordings", title="meetings")
    for r in rows:
        table.add_row(
            str(r.id), short_date(r.date), escape(r.title), str(len(r.participants)), str(r.recordings)
        )
    Console().print(table)


@meeting_group.command("show")
@click.argument("meeting", type=MEETING)
@json_option
@pass_app
def meeting_show(app: App, meeting: int, as_json: bool) -> None:
    """Show one meeting, its participants and its agenda."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from minutes.service import meetings

    info, agenda = meetings.info(app.ctx(), meeting)
    if as_json:
        emit_json({**asdict(info), "agenda": agenda})
        return
    table = Table(
        "id",
        "name",
        "role",
        "attendance",
        "person",
        title=f"meeting {info.id}: {escape(info.title)} ({long_date(info.date)})",
    )
    for p in info.participants:
        table.add_row(str(p.id), escape(p.name), escape(p.role or ""), p.attendance, escape(p.person or ""))
    Console().print(table)
    click.echo(f"recordings: {info.recordings}")
    for number, title in enumerate(agenda, 1):
        click.echo(f"{number}. {title}")


@click.group("participant")
def participant_group() -> None:
    """Add people to a meeting, or remove one added by mistake."""


@participant_group.command("add")
@click.argument("meeting", type=MEETING)
@click.argument("name")
@click.option("--role", help="Their role, e.g. chair, governor, teacher.")
@click.option("--person", help="Link to a known person (id or name) so standing consent applies.")
@click.option(
    "--attendance",
    type=ATTENDANCE,
    default="present",
    show_default=True,
    help="Apologies or absent: not recorded, so no consent is needed.",
)
@json_option
@pass_app
def participant_add(
    app: App, meeting: int, name: str, role: str | None, person: str | None, attendance: str, as_json: bool
) -> None:
    """Add a participant; one present or in attendance blocks the consent gate until they consent."""
    from minutes.service import meetings

    part = meetings.add_participant(app.ctx(), meeting, name, role, actor(), attendance, person=person)
    if as_json:
        emit_json(
            {
                "id": part.id,
                "meeting_id": part.meeting_id,
                "name": part.name,
                "role": part.role,
                "person_id": part.person_id,
                "attendance": part.attendance,
            }
        )
    else:
        click.echo(part.id)


@participant_group.command("remove")
@click.argument("meeting", type=MEETING)
@click.argument("name")
@pass_app
def participant_remove(app: App, meeting: int, name: str) -> None:
    """Remove a participant added by mistake, before any consent or recording (then withdraw instead)."""
    from minutes.service import meetings

    part = meetings.remove_participant(app.ctx(), meeting, name, actor())
    click.echo(f"removed {part.name} from meeting {meeting}")


@click.command("attendance")
@click.argument("meeting", type=MEETING)
@click.argument("name")
@click.argument("status", type=ATTENDANCE)
@click.option(
    "--accepted/--not-accepted",
    default=None,
    help="With apologies: the meeting accepted them, or did not (shown in the clerk's minutes).",
)
@pass_app
def attendance_cmd(app: App, meeting: int, name: str, status: str, accepted: bool | None) -> None:
    """Record a participant's attendance. Marking someone present makes the consent gate need their consent;
    marking someone absent is refused once they consented or the meeting was recorded."""
    from minutes.service import meetings

    part = meetings.set_attendance(app.ctx(), meeting, name, status, actor(), accepted)
    said = {True: ", accepted", False: ", not accepted", None: ""}[part.apologies_accepted]
    click.echo(f"{part.name}: {part.attendance}{said} (meeting {meeting})")


@click.group("person")
def person_group() -> None:
    """People known across meetings (staff, governors), who can hold standing consent."""


@person_group.command("add")
@click.argument("name")
@click.option("--role", help="Their role, e.g. teacher, governor.")
@json_option
@pass_app
def person_add(app: App, name: str, role: str | None, as_json: bool) -> None:
    """Add a person and print their id."""
    from minutes.service import meetings

    person = meetings.add_person(app.ctx(), name, role, actor())
    if as_json:
        emit_json({"id": person.id, "name": person.name, "role": person.role})
    else:
        click.echo(person.id)


@person_group.command("list")
@json_option
@pass_app
def person_list(app: App, as_json: bool) -> None:
    """List known people."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from minutes.service import meetings

    rows = meetings.people(app.ctx())
    if as_json:
        emit_json([asdict(r) for r in rows])
        return
    table = Table("id", "name", "role", "meetings", title="people")
    for r in rows:
        table.add_row(str(r.id), escape(r.name), escape(r.role or ""), str(r.meetings))
    Console().print(table)

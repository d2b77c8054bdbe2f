"""`minutes consent give|refuse|withdraw|history|status|notice` and `minutes consent standing give|refuse|withdraw`."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from minutes.cli.app import MEETING, App, emit_json, json_option, pass_app, written
from minutes.cli.meeting_cmd import actor
from minutes.errors import UsageError

if TYPE_CHECKING:
    from minutes.service.consent import Cell, Recorded

_SCOPE = click.option(
    "--scope",
    "scopes",
    required=True,
    help="Comma-separated: record, transcribe, diarise (voice analysis), summarise (AI), or all.",
)
_METHOD = click.option("--method", required=True, help="How it was recorded: verbal, written or form.")
_BY = click.option("--by", "recorded_by", help="Who recorded it (default: your login name).")
_VERBS = {"give": "given", "refuse": "refused", "withdraw": "withdrawn"}
_HELP = {
    "give": "Record that a participant consents to SCOPES for this meeting.",
    "refuse": "Record that a participant refuses SCOPES: the matching stages are blocked for the meeting.",
    "withdraw": "Record a withdrawal: the stages are blocked and the person's words and voice are purged.",
}


@click.group("consent")
def consent_group() -> None:
    """Record consent, see where a meeting stands, print the notice to read out."""


def _meeting_command(verb: str) -> click.Command:
    @click.argument("meeting", type=MEETING)
    @click.argument("name")
    @_SCOPE
    @_METHOD
    @click.option(
        "--evidence", "evidence_file", help="A scanned form or other file; a copy is kept in the store."
    )
    @click.option(
        "--evidence-at",
        help="Where they consented aloud in the recording: START-END (seconds, m:ss or h:mm:ss).",
    )
    @_BY
    @click.option(
        "--spelling",
        "spellings",
        multiple=True,
        help="Another spelling of their name to redact with it, as the transcript or a reviewer wrote it "
        "(repeatable; a withdrawal only).",
    )
    @json_option
    @pass_app
    def command(
        app: App,
        meeting: int,
        name: str,
        scopes: str,
        method: str,
        evidence_file: str | None,
        evidence_at: str | None,
        recorded_by: str | None,
        spellings: tuple[str, ...],
        as_json: bool,
    ) -> None:
        from minutes.service import consent

        if spellings and verb == "give":
            raise UsageError("--spelling goes with withdraw or refuse: it names what a withdrawal redacts")
        consent.record_named(  # an unknown name exits 3, with the closest name when there is one
            app.ctx(),
            meeting,
            name,
            _VERBS[verb],
            scopes,
            method,
            recorded_by or actor(),
            evidence_file=evidence_file,
            evidence_at=evidence_at,
            spellings=list(spellings),
            report=lambda done: written(lambda: _report(done, as_json)),
        )

    command.__doc__ = _HELP[verb]
    return consent_group.command(verb)(command)


def _report(done: Recorded, as_json: bool) -> None:
    """The records written; for a withdrawal, also exactly what was removed (ids and counts, never text)."""
    rows, removed = done.records, done.removed
    records = [asdict(r) for r in rows]
    if as_json:
        emit_json({"records": records, "removed": [r.to_json() for r in removed]} if removed else records)
        return
    from minutes.service.consent import withdrawal_lines

    click.echo(done.sentence())
    for report in removed or []:
        where = ", ".join(map(str, report.meetings))
        click.echo(f"Removed from meeting {where}:" if where else "Nothing was stored for them to remove.")
        for line in withdrawal_lines(report) if where else []:
            click.echo(f"  - {line}")


for _verb in _VERBS:
    _meeting_command(_verb)


@consent_group.group("standing")
def standing_group() -> None:
    """Standing consent for a known person, for every meeting dated inside a window."""


def _standing_command(verb: str) -> click.Command:
    @click.argument("person")
    @_SCOPE
    @click.option(
        "--from", "valid_from", help="First meeting date covered, e.g. 01/09/2026 (needed to give)."
    )
    @click.option(
        "--until", "valid_until", help="Last meeting date covered, e.g. 31/08/2027 (needed to give)."
    )
    @_METHOD
    @click.option(
        "--evidence", "evidence_file", help="A scanned form or other file; a copy is kept in the store."
    )
    @_BY
    @json_option
    @pass_app
    def command(
        app: App,
        person: str,
        scopes: str,
        valid_from: str | None,
        valid_until: str | None,
        method: str,
        evidence_file: str | None,
        recorded_by: str | None,
        as_json: bool,
    ) -> None:
        from minutes.service import consent

        consent.record_standing(
            app.ctx(),
            person,
            _VERBS[verb],
            scopes,
            method,
            recorded_by or actor(),
            valid_from=valid_from,
            valid_until=valid_until,
            evidence_file=evidence_file,
            report=lambda done: written(lambda: _report(done, as_json)),
        )

    command.__doc__ = {
        "give": "Give standing consent for meetings dated --from to --until.",
        "refuse": "Refuse standing consent (without dates: for every meeting).",
        "withdraw": "Withdraw standing consent (without dates: for every meeting).",
    }[verb]
    return standing_group.command(verb)(command)


for _verb in _VERBS:
    _standing_command(_verb)


@consent_group.command("history")
@click.argument("meeting", type=MEETING)
@json_option
@pass_app
def consent_history(app: App, meeting: int, as_json: bool) -> None:
    """Every consent record for the meeting, oldest first: who, what, when, how, recorded by whom."""
    from minutes.service import consent

    rows = consent.history(app.ctx(), meeting)
    if as_json:
        emit_json([asdict(r) for r in rows])
        return
    from minutes.dates import local_time, short_date

    for r in rows:
        where = (
            ""
            if r.source == "meeting"
            else f" (standing, meetings {short_date(r.valid_from) or '…'} to {short_date(r.valid_until) or '…'})"
        )
        evidence = (
            f" at {r.evidence_at}"
            if r.evidence_at
            else (f" evidence {r.evidence_sha256[:12]}" if r.evidence_sha256 else "")
        )
        click.echo(
            f"#{r.record_id} {local_time(r.recorded_at)}  {r.name}: {r.scope} {r.decision}{where}, "
            f"{r.method}{evidence}, recorded by {r.recorded_by}"
        )
    if not rows:
        click.echo(f"no consent recorded for meeting {meeting}")


def _cell_text(cell: Cell) -> str:
    from minutes.dates import short_date

    if cell.state.value == "missing":
        return "missing"
    when = short_date(cell.recorded_at)
    if cell.source == "standing":
        return f"{cell.state.value}\nstanding to {short_date(cell.valid_until) or '…'}\n{cell.method}"
    return f"{cell.state.value}\n{when} {cell.method}"


@consent_group.command("status")
@click.argument("meeting", type=MEETING)
@json_option
@pass_app
def consent_status_cmd(app: App, meeting: int, as_json: bool) -> None:
    """Participant x scope: given, refused, withdrawn, missing or expired; and which stages may run."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from minutes.dates import short_date
    from minutes.service import consent
    from minutes.service.consent import SCOPES

    st, stages = consent.status(app.ctx(), meeting)
    if as_json:
        emit_json({**asdict(st), "stages": stages})
        return
    table = Table(
        "participant",
        *SCOPES,
        title=f"consent for meeting {st.meeting_id}: {escape(st.title)} ({short_date(st.date)})",
        show_lines=True,
    )
    for p in st.participants:
        name = escape(p.name) + (
            "" if p.needs_consent else f"\n({p.attendance}: not recorded, no consent needed)"
        )
        table.add_row(name, *(_cell_text(p.scopes[scope]) for scope in SCOPES))
    Console().print(table)
    if not st.participants:
        click.echo("no participants: add them with `minutes participant add`")
    click.echo("stages: " + ", ".join(f"{k} {'allowed' if v else 'blocked'}" for k, v in stages.items()))


@consent_group.command("notice")
@click.argument("meeting", type=MEETING)
@click.option("--format", "fmt", default="md", show_default=True, help="md or txt.")
@pass_app
def consent_notice(app: App, meeting: int, fmt: str) -> None:
    """Print the plain-English notice to read out or hand out before recording."""
    from minutes.service import consent

    click.echo(consent.notice_document(app.ctx(), meeting, fmt), nl=False)

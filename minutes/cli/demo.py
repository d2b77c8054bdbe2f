"""The bundled demo meeting: `make demo` runs the whole job on it with the embedded default models.

Every step is an ordinary function the CLI also uses; the demo prints the equivalent command before each one.
Rerunning it reuses the demo meeting and resumes where it stopped, so a second run is fast.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

from rich.console import Console

from minutes.core.config import Settings
from minutes.core.progress import PlainReporter, RichReporter, terminal
from minutes.service import Ctx, consent, meetings, processing

HERE = Path(__file__).parent.parent / "demo"  # the demo data: meeting.json, agenda.txt and meeting.wav
AUDIO = HERE / "meeting.wav"
AGENDA = HERE / "agenda.txt"


def load_spec() -> dict:
    return json.loads((HERE / "meeting.json").read_text(encoding="utf-8"))


def run_demo(app, out: Console) -> int:
    """Create (or reuse) the demo meeting with consent, process it, show the pending draft; returns its id."""
    spec = load_spec()
    ctx, settings = app.ctx(), app.settings
    out.print(f"[bold]minutes demo[/bold]: data in {settings.home}")
    meeting_id = _demo_meeting(ctx, spec, out)
    out.print(f"$ minutes process {meeting_id} {AUDIO}")
    options = processing.Options(device=settings.device, actor=spec["clerk"])
    if terminal():
        with RichReporter(console=out) as reporter:
            result = processing.process(ctx, meeting_id, AUDIO, options, reporter)
    else:
        result = processing.process(ctx, meeting_id, AUDIO, options, PlainReporter())
    for stage in result.stages:
        out.print(f"  {stage.stage:<11} {stage.status:<8} {stage.seconds:6.1f}s  {stage.detail}")
    if result.blocked or not result.draft_id:
        out.print(f"[red]the demo did not reach a draft[/red]: {result.blocked or result.status}")
        raise SystemExit(1)
    import click

    from minutes.cli.review_cmd import review_show

    out.print(f"$ minutes review show {result.draft_id}")
    click.get_current_context().invoke(review_show, draft=result.draft_id, as_json=False)
    _print_next(out, result.draft_id, settings)
    return result.draft_id


def _demo_meeting(ctx: Ctx, spec: dict, out: Console) -> int:
    """The demo meeting's id: made with its agenda and everyone's consent the first time, reused after."""
    found = [
        m.id for m in meetings.list_meetings(ctx, q=spec["title"], limit=200).rows if m.title == spec["title"]
    ]
    if found:
        out.print(f"reusing demo meeting {min(found)}")
        return min(found)
    people = " ".join(f'--participant "{p["name"]}:{p["role"]}"' for p in spec["participants"])
    out.print(
        f'$ minutes meeting create "{spec["title"]}" --date {spec["date"]} {people} '
        f"--agenda {shlex.quote(str(AGENDA))}",
        soft_wrap=True,
    )
    specs = [f"{p['name']}:{p['role']}" for p in spec["participants"]]
    titles = meetings.agenda_file_titles(AGENDA)
    meeting_id = meetings.create_from_specs(ctx, spec["title"], spec["date"], specs, spec["clerk"], titles).id
    for p in spec["participants"]:
        out.print(
            f"$ minutes consent give {meeting_id} {p['name']} --scope all --method verbal "
            f'--evidence-at {p["consent_at"]} --by "{spec["clerk"]}"'
        )
        consent.record_named(
            ctx, meeting_id, p["name"], "given", "all", "verbal", spec["clerk"], evidence_at=p["consent_at"]
        )
    return meeting_id


def _print_next(out: Console, d: int, settings: Settings) -> None:
    """What a person does next with the draft, as commands they can paste, and the browser way."""
    run = f"MINUTES_HOME={shlex.quote(str(settings.home))} {shlex.quote(_executable())}"
    out.print("\n[bold]Next[/bold]: a person checks the draft before anything is shared:")
    for line in (
        f"minutes review show {d}",
        f'minutes review edit {d} --by "Your Name"',
        f'minutes review resolve {d} ITEM --keep --by "Your Name"   # for each flagged item',
        f'minutes review approve {d} --by "Your Name"',
        f'minutes release {d} --by "Your Name"',
        f"minutes export {d} --format docx --template department",
    ):
        out.print(f"  {run} {line.removeprefix('minutes ')}", soft_wrap=True)
    out.print(
        "\n[bold]Or in a browser[/bold]: make yourself a reviewer account, start the web app, open the URL:"
    )
    out.print(f'  {run} user add "Your Name" --role reviewer', soft_wrap=True)
    out.print(f"  {run} serve", soft_wrap=True)
    out.print(f"  open http://127.0.0.1:8000/drafts/{d}")


def _executable() -> str:
    """The `minutes` command as it can be run from any shell: the virtualenv's copy when it is not on PATH (a
    link to it, as `make install` puts on the PATH, is it)."""
    beside = Path(sys.executable).with_name("minutes")
    found = shutil.which("minutes")
    on_path = found is not None and Path(found).resolve() == beside.resolve()
    return "minutes" if on_path or not beside.exists() else str(beside)

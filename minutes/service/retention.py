"""Retention, run by an admin or `minutes purge`: what the policy would delete now, and deleting it."""

from __future__ import annotations

from minutes.records import retention
from minutes.records.retention import PurgeReport
from minutes.service.context import Ctx

__all__ = ["PurgeReport", "preview", "purge"]


def purge(ctx: Ctx, actor: str = "minutes", dry_run: bool = False) -> PurgeReport:
    """Apply the retention policy now (audited as `actor`); `dry_run` reports what it would remove and
    changes nothing."""
    with ctx.tx() as s:
        return retention.purge(s, ctx.settings, dry_run=dry_run, actor=actor)


def preview(ctx: Ctx) -> PurgeReport:
    return purge(ctx, dry_run=True)

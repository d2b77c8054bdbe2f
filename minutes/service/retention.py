"""Retention, run by an admin: what the policy would delete now, and deleting it."""

from __future__ import annotations

from minutes.records import retention
from minutes.service.context import Ctx


def preview(ctx: Ctx) -> retention.PurgeReport:
    with ctx.tx() as s:
        return retention.purge(s, ctx.settings, dry_run=True)


def purge(ctx: Ctx, actor: str) -> retention.PurgeReport:
    with ctx.tx() as s:
        return retention.purge(s, ctx.settings, actor=actor)

"""The audit log of a meeting (or of everything), and the chain check."""

from __future__ import annotations

from minutes.core import audit
from minutes.records.integrity import Verification
from minutes.records.integrity import verify as verify_records
from minutes.service.context import Ctx


def log(ctx: Ctx, meeting_id: int | None = None, limit: int = 500) -> list[audit.LoggedEvent]:
    """Newest first, at most `limit` events."""
    with ctx.tx() as s:
        events = audit.log(s, meeting_id)
    return list(reversed(events))[:limit]


def verify(ctx: Ctx, actor: str) -> Verification:
    """The chain (keyed hashes, signed head) and every consent record and released draft against the hashes the
    chain holds for them, as `minutes audit verify` checks; the check itself is recorded (after it ran)."""
    with ctx.tx() as s:
        check = verify_records(s)
    with ctx.tx() as s:
        audit.record(s, "audit.verify", actor, subject={"ok": check.ok, "events": check.events})
    return check

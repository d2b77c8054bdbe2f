"""The audit log of a meeting (or of everything), the chain check, and the signed head to file."""

from __future__ import annotations

from minutes.core import audit
from minutes.db.audit import verify_chain
from minutes.errors import MinutesError, StateError
from minutes.records.integrity import Verification
from minutes.records.integrity import verify as verify_records
from minutes.service.context import Ctx


def events(ctx: Ctx, meeting_id: int | None = None, kind: str | None = None) -> list[audit.LoggedEvent]:
    """Events in chain order, optionally only one meeting's or one kind's."""
    with ctx.tx() as s:
        return audit.log(s, meeting_id, kind)


def log(ctx: Ctx, meeting_id: int | None = None, limit: int = 500) -> list[audit.LoggedEvent]:
    """Newest first, at most `limit` events."""
    return list(reversed(events(ctx, meeting_id)))[:limit]


def check(ctx: Ctx, filed: tuple[int, str] | None = None) -> Verification:
    """The chain (keyed hashes, signed head), a head filed earlier (event, hash) if given, and every consent
    record and released draft against the hashes the chain holds for them."""
    with ctx.tx() as s:
        return verify_records(s, filed)


def verify(ctx: Ctx, actor: str) -> Verification:
    """`check`, with the check itself recorded (after it ran)."""
    result = check(ctx)
    with ctx.tx() as s:
        audit.record(s, "audit.verify", actor, subject={"ok": result.ok, "events": result.events})
    return result


def head(ctx: Ctx) -> audit.SignedHead:
    """The signed head of a verified chain (newest event, its hash, the HMAC, the time), to file with the
    minutes; a broken chain is an error (exit 1), and so is an empty one (exit 5)."""
    with ctx.tx() as s:
        chain, signed = verify_chain(s), audit.head(s)
    if not chain.ok:
        raise MinutesError(f"audit chain broken at event {chain.first_bad_seq}: {chain.problem}")
    if signed is None:
        raise StateError("the audit chain is empty: nothing to sign yet")
    return signed

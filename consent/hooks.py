"""Withdrawal hooks: the ledger announces a withdrawal; layers above purge what was derived from that person.

A hook runs inside the withdrawal's own transaction, so the record and the purge commit together or not at all.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from minutes.errors import MinutesError


@dataclass(frozen=True)
class Withdrawal:
    actor: str
    scopes: tuple[str, ...]
    meeting_id: int | None = None  # None for standing consent withdrawn by a person
    participant_id: int | None = None
    person_id: int | None = None
    spellings: tuple[str, ...] = ()  # other spellings of their name, to redact with it (the clerk's)


WithdrawalHook = Callable[[Session, Withdrawal], object]
_HOOKS: list[WithdrawalHook] = []


def on_withdrawal(hook: WithdrawalHook) -> WithdrawalHook:
    """Register a hook (usable as a decorator). Registering the same function twice has no effect."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def fire_withdrawal(session: Session, withdrawal: Withdrawal) -> list[object]:
    """Run every hook in registration order; returns what each reported (e.g. what it removed).

    With no hook registered the withdrawal is refused rather than recorded without its purge: a caller that
    bypasses `minutes.service` (which wires propagation) must fail loudly, never keep a withdrawn person's data."""
    if not _HOOKS:
        raise MinutesError(
            "withdrawal propagation is not wired; nothing was recorded",
            "go through minutes.service, which registers it",
        )
    return [hook(session, withdrawal) for hook in _HOOKS]

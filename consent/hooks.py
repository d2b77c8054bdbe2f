"""Hooks: the consent layer announces a change; layers above act on it, inside the change's own transaction, so
the record and what follows from it commit together or not at all.

- A withdrawal: layers above purge what was derived from that person (`on_withdrawal`).
- The gate may have closed for a meeting (a refusal, a withdrawal, someone present added or marked present):
  layers above delete recordings they hold for it but have not stored, since nothing derived from a recording
  may exist before the meeting's record gate allows it (`on_gate_closed`).
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


GateHook = Callable[[Session, int], object]
_GATE_HOOKS: list[GateHook] = []


def on_gate_closed(hook: GateHook) -> GateHook:
    """Register a hook called with (session, meeting_id) whenever the meeting's gate may have closed."""
    if hook not in _GATE_HOOKS:
        _GATE_HOOKS.append(hook)
    return hook


def fire_gate_closed(session: Session, meeting_id: int) -> None:
    """Run every gate hook (none registered: nothing above holds anything)."""
    for hook in _GATE_HOOKS:
        hook(session, meeting_id)

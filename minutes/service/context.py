"""What every service call needs: the opened database and the settings. Importing it wires withdrawal
propagation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlmodel import Session

import minutes.records.held  # noqa: F401  (registers: a closed record gate deletes recordings held unstored)
from minutes.consent.hooks import Withdrawal, on_withdrawal
from minutes.core.config import Settings
from minutes.core.store import Database
from minutes.errors import MinutesError


@on_withdrawal
def _propagate_withdrawal(session: Session, withdrawal: Withdrawal) -> object:
    """A withdrawal purges what was derived from the person (minutes.records.withdrawal), in its own
    transaction. That module (with the review and export code it needs) loads on the first withdrawal, not
    with every command."""
    from minutes.records.withdrawal import on_consent_withdrawn

    return on_consent_withdrawn(session, withdrawal)


class Forbidden(MinutesError):
    """The signed-in user's role may not do this."""

    exit_code = 13


@dataclass
class Ctx:
    db: Database
    settings: Settings

    @classmethod
    def open(cls, settings: Settings) -> Ctx:
        return cls(Database.open(settings), settings)

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.db.session() as s:
            yield s

    def close(self) -> None:
        self.db.close()

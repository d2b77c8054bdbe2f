"""The id of a stored row, typed as what it is once stored.

SQLModel types every id `int | None`, because a row not yet flushed has none; one read from the database (or
flushed to it) has one, and every caller that passes it on needs an `int`. `stored_id` says so in one place
(and fails loudly on a row that was never stored) instead of a cast or an assert at each use.
"""

from __future__ import annotations

from typing import Protocol


class Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: Stored) -> int:
    """The id of a row read from (or flushed to) the database."""
    assert row.id is not None, f"{type(row).__name__} has no id: it was never stored"
    return row.id

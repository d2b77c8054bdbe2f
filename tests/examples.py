"""How many examples a long property test draws: all of them in `make test`, a quarter in `make check`
(MINUTES_TEST_QUICK=1), so the edit loop still runs every property, at a quarter of its time."""

from __future__ import annotations

import os

QUICK = "MINUTES_TEST_QUICK"


def examples(full: int) -> int:
    """`full` in the whole suite; a quarter of it (at least 5) in the quick tier."""
    return max(5, full // 4) if os.environ.get(QUICK) == "1" else full

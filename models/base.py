"""Helpers shared by the table modules."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp in the store is UTC."""
    return datetime.now(UTC)

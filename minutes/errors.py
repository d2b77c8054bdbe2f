"""Errors a user can act on. The CLI prints them as one line and exits non-zero; nothing else reaches the user."""


class MinutesError(Exception):
    """A failure with a message fit for the user, and optionally what to do about it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(MinutesError):
    """Bad arguments or bad input files."""

    exit_code = 2


class NotFoundError(MinutesError):
    """An id or a file that does not exist."""

    exit_code = 3


class ModelError(MinutesError):
    """A model that is missing, corrupt or cannot be loaded."""

    exit_code = 4


class StateError(MinutesError):
    """An action that the current state does not allow (release before approval, a blocked consent gate...)."""

    exit_code = 5

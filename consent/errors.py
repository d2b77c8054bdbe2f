"""Consent errors are user errors: the CLI prints them as one line with a non-zero exit."""

from minutes.errors import MinutesError


class ConsentError(MinutesError):
    exit_code = 5


class ConsentInputError(ConsentError):
    """Bad input to the ledger: unknown meeting or participant, bad scope, bad evidence."""

    exit_code = 2

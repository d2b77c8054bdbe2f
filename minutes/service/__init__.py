"""The service API: every state change a front end (the web app, the CLI) can make, with its rules. Front
ends reach the stages (minutes.run, records, speech, drafting, review) only through it; an import-linter
contract in pyproject.toml holds them to that.

Each function takes a `Ctx` (the opened database and the settings) and the acting user's name, runs in one
transaction (committed whole or not at all), writes its audit event with that user as the actor, and returns
plain dataclasses that hold no database session. Front ends only parse input, call one function and show the
result; permissions (`users.allowed`) and every business rule live here or in the modules these functions
wrap.

Modules: `meetings`, `names` (a typed name matched to participants), `consent`, `jobs` (web uploads and their
progress), `processing` (process, attach, speakers, a local batch), `standalone` (one stage on one file),
`review`, `release` (release and export), `part2` (the confidential record, reviewers only), `audit`, `users`
(accounts, sign-in sessions, roles), `retention`, `worker` (the web app's) and `queue` (`minutes worker`).

Errors: `minutes.errors.MinutesError` and `consent.errors.ConsentError` carry a message fit for the user;
`Forbidden` (a MinutesError) means the user's role may not do that.
"""

from minutes.service.context import Ctx, Forbidden

__all__ = ["Ctx", "Forbidden"]

"""Accounts, roles and signed-in sessions of the web app.

Roles (least privilege: nobody holds every power):
- clerk: sets up meetings, their agenda, participants and attendance, records consent, uploads recordings,
  reads the draft and hears its quotes (no changes: the minutes are checked by a reviewer), downloads released
  minutes;
- reviewer: checks, corrects, approves, rejects and releases drafts (and hears the recording to do so), and
  alone may export the part-2 (confidential) record;
- admin: manages accounts and runs retention.
Every signed-in user can list meetings, see a meeting's consent and read and verify the audit log.

Passwords are hashed with argon2id (argon2-cffi's defaults). A session is a random token in an HttpOnly
cookie; only its sha256 is stored. Sessions end after `IDLE` without a request or `ABSOLUTE` after sign-in,
when the user signs out, changes password or is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlmodel import col, select

from minutes.consent.text import clean_text, name_key
from minutes.core.audit import record
from minutes.db import User, WebSession, utcnow
from minutes.db.ids import stored_id
from minutes.errors import NotFoundError, UsageError
from minutes.service.context import Ctx, Forbidden

ROLES = ("clerk", "reviewer", "admin")
MIN_PASSWORD = 10
GOOD_ENOUGH = 3  # zxcvbn's score (0-4): 3 is "safely unguessable: moderate protection from offline attacks"
MAX_CHECKED = 100  # zxcvbn's matching grows with length; a longer password is judged on its first 100
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
_TOUCH_EVERY = timedelta(
    seconds=60
)  # last_seen is written at most this often (fewer writes under the worker)
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a real password; keeps unknown names as slow as known ones")

EVERYONE = frozenset(ROLES)
PERMISSIONS: dict[str, frozenset[str]] = {
    "meetings.view": EVERYONE,
    "consent.view": EVERYONE,
    "audit.view": EVERYONE,
    "meetings.create": frozenset({"clerk"}),
    "meetings.agenda": frozenset({"clerk"}),
    "participants.change": frozenset({"clerk"}),
    "consent.record": frozenset({"clerk"}),
    "recording.upload": frozenset({"clerk"}),
    "recording.listen": frozenset({"clerk", "reviewer"}),
    "review.view": frozenset({"clerk", "reviewer"}),
    "review.change": frozenset({"reviewer"}),
    "review.decide": frozenset({"reviewer"}),
    "release.release": frozenset({"reviewer"}),
    "release.download": frozenset({"clerk", "reviewer"}),
    "part2.export": frozenset({"reviewer"}),
    "users.manage": frozenset({"admin"}),
    "retention.run": frozenset({"admin"}),
}


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class SignedIn:
    """The user behind a live session, and the session's CSRF token."""

    user: UserInfo
    csrf: str


def allowed(role: str, permission: str) -> bool:
    """May `role` do `permission`? Unknown permissions are allowed to nobody."""
    return role in PERMISSIONS.get(permission, frozenset())


# each permission in words, for the message that refuses it (no internal names reach a user)
DOING = {
    "meetings.view": "see meetings",
    "consent.view": "see consent",
    "audit.view": "read the audit log",
    "meetings.create": "set up meetings",
    "meetings.agenda": "change a meeting's agenda",
    "participants.change": "change who was at a meeting",
    "consent.record": "record consent",
    "recording.upload": "upload or process recordings",
    "recording.listen": "listen to recordings",
    "review.view": "read drafts",
    "review.change": "change drafts",
    "review.decide": "approve or reject drafts",
    "release.release": "release minutes",
    "release.download": "download minutes",
    "part2.export": "download the part-2 (confidential) record",
    "users.manage": "manage accounts",
    "retention.run": "run the retention policy",
}


def require(user: UserInfo, permission: str) -> None:
    if not allowed(user.role, permission):
        who = sorted(PERMISSIONS.get(permission, ()))
        raise Forbidden(
            f"a {user.role} may not do this: {DOING.get(permission, 'this step')} is for "
            + (" or ".join(f"a {role}" for role in who) or "nobody"),
            f"ask someone with a {who[0]}'s account" if who else None,
        )


def _info(u: User) -> UserInfo:
    return UserInfo(stored_id(u), u.name, u.role, u.disabled_at is not None, u.created_at)


def _check_password(password: str, name: str = "") -> str:
    """At least MIN_PASSWORD characters, and not guessable: zxcvbn (Dropbox's estimator) scores it against its
    lists of common passwords, words and names, and against keyboard runs, repeats, dates and the account's own
    name; below GOOD_ENOUGH ("aaaaaaaaaa", "password123", "Summer2026!") it is refused, saying why."""
    if len(password or "") < MIN_PASSWORD:
        raise UsageError(f"the password is too short (at least {MIN_PASSWORD} characters)")
    from zxcvbn import zxcvbn

    verdict = zxcvbn(password[:MAX_CHECKED], user_inputs=[name, *name.split(), "minutes"])
    if verdict["score"] < GOOD_ENOUGH:
        why = verdict["feedback"]["warning"] or "it would be easy to guess"
        raise UsageError(
            f"that password is too easy to guess ({why.rstrip('.').lower()})",
            "use three or four unrelated words, or a password manager's",
        )
    return password


def _role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}", "use clerk, reviewer or admin")
    return role


def _find(s, name: str) -> User:
    user = s.exec(select(User).where(User.name_key == name_key(name or ""))).first()
    if user is None:
        raise NotFoundError(f"no account named {name!r}", "see `minutes user list`")
    return user


def account(ctx: Ctx, name: str) -> UserInfo:
    """The account named `name` (how the command line, which has no sign-in, says who acts); a disabled one
    is refused."""
    with ctx.tx() as s:
        user = _info(_find(s, name))
    if user.disabled:
        raise Forbidden(f"the account {user.name!r} is disabled")
    return user


def add_user(ctx: Ctx, name: str, role: str, password: str, actor: str) -> UserInfo:
    name = clean_text(name, "account name", 200)
    role, password = _role(role), _check_password(password, name)
    with ctx.tx() as s:
        if s.exec(select(User).where(User.name_key == name_key(name))).first():
            raise UsageError(f"an account named {name!r} already exists")
        user = User(name=name, name_key=name_key(name), role=role, password_hash=_HASHER.hash(password))
        s.add(user)
        s.flush()
        record(s, "user.add", actor, subject={"user": user.id, "role": role})
        return _info(user)


def set_password(ctx: Ctx, name: str, password: str, actor: str) -> UserInfo:
    """A new password; every session of the account ends."""
    password = _check_password(password, name)
    with ctx.tx() as s:
        user = _find(s, name)
        user.password_hash, user.password_changed_at = _HASHER.hash(password), utcnow()
        s.add(user)
        s.execute(delete(WebSession).where(col(WebSession.user_id) == user.id))
        record(s, "user.passwd", actor, subject={"user": user.id})
        return _info(user)


def disable(ctx: Ctx, name: str, actor: str) -> UserInfo:
    """The account can no longer sign in, and its sessions end. Its name stays in the audit log."""
    with ctx.tx() as s:
        user = _find(s, name)
        if user.disabled_at is None:
            user.disabled_at = utcnow()
            s.add(user)
            record(s, "user.disable", actor, subject={"user": user.id})
        s.execute(delete(WebSession).where(col(WebSession.user_id) == user.id))
        return _info(user)


def list_users(ctx: Ctx) -> list[UserInfo]:
    with ctx.tx() as s:
        return [_info(u) for u in s.exec(select(User).order_by(User.name_key)).all()]


def any_users(ctx: Ctx) -> bool:
    with ctx.tx() as s:
        return s.exec(select(User.id)).first() is not None


class LoginLimiter:
    """At most `attempts` failed sign-ins per account name and per client address within `window` seconds."""

    def __init__(self, attempts: int = 5, window: float = 900.0):
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def wait_seconds(self, keys: list[str]) -> int:
        """0 when a sign-in may be tried now, else how long until it may."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self.window - (now - q[0]) for k in keys if len(q := self._recent(k, now)) >= self.attempts
            ]
        return int(max(waits, default=0)) + (1 if waits else 0)

    def failed(self, keys: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)


class TooManyAttempts(UsageError):
    exit_code = 29

    def __init__(self, seconds: int):
        super().__init__(f"too many failed sign-ins; try again in {max(1, round(seconds / 60))} minute(s)")
        self.seconds = seconds


def sign_in(ctx: Ctx, limiter: LoginLimiter, name: str, password: str, client: str) -> tuple[str, SignedIn]:
    """Check the password (rate-limited per name and per client); returns a new session token and who it
    is."""
    keys = [f"name:{name_key(name or '')}", f"client:{client}"]
    wait = limiter.wait_seconds(keys)
    if wait:
        raise TooManyAttempts(wait)
    with ctx.tx() as s:
        user = s.exec(select(User).where(User.name_key == name_key(name or ""))).first()
        ok = _verify(user.password_hash if user else _DUMMY_HASH, password or "")
        if not ok or user is None or user.disabled_at is not None:
            record(s, "user.login_failed", "web", subject={"user": user.id if user else None})
            failed = True
        else:
            failed = False
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            s.add(WebSession(token_sha256=_digest(token), user_id=stored_id(user), csrf=csrf))
            record(s, "user.login", user.name, subject={"user": user.id})
            info = SignedIn(_info(user), csrf)
    if failed:  # the failed attempt's audit event is committed before the error is raised
        limiter.failed(keys)
        raise UsageError("wrong account name or password")
    limiter.succeeded(keys[:1])
    return token, info


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def session_user(ctx: Ctx, token: str | None) -> SignedIn | None:
    """The user of a live session, or None (unknown, expired, or the account disabled). Expired rows are
    deleted."""
    if not token:
        return None
    now = utcnow()
    with ctx.tx() as s:
        row = s.get(WebSession, _digest(token))
        if row is None:
            return None
        user = s.get(User, row.user_id)
        expired = now - _aware(row.last_seen) > IDLE or now - _aware(row.created_at) > ABSOLUTE
        if expired or user is None or user.disabled_at is not None:
            s.delete(row)
            return None
        if now - _aware(row.last_seen) > _TOUCH_EVERY:
            row.last_seen = now
            s.add(row)
        return SignedIn(_info(user), row.csrf)


def sign_out(ctx: Ctx, token: str | None) -> None:
    if not token:
        return
    with ctx.tx() as s:
        row = s.get(WebSession, _digest(token))
        if row is not None:
            user = s.get(User, row.user_id)
            s.delete(row)
            record(s, "user.logout", user.name if user else "web", subject={"user": row.user_id})


def csrf_ok(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())

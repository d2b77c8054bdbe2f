"""The audit chain's key: 32 random bytes in `MINUTES_HOME/audit.key`, mode 0600, never in the database.

It is made once, when the first event is written. After that a missing, shortened or world-readable key is an
error, never a reason to make a new one: a new key would sign a rewritten chain as if it were the original.
With PostgreSQL every machine that writes to the database needs a copy of the same file.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from minutes.core.files import private_temp
from minutes.errors import MinutesError

KEY_NAME = "audit.key"
KEY_BYTES = 32


class AuditKeyFile:
    """A `models.audit.KeySource` reading (or, before the first event, creating) the key file."""

    def __init__(self, path: Path):
        self.path = path
        self._key: bytes | None = None

    def exists(self) -> bool:
        return os.path.lexists(self.path)

    def key(self, create: bool) -> bytes:
        if self._key is None:
            self._key = self._create() if create and not self.path.exists() else self._read()
        return self._key

    def _read(self) -> bytes:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise MinutesError(
                f"the audit key {self.path} is missing, so the audit chain cannot be checked or extended",
                f"restore {KEY_NAME} from your backup of MINUTES_HOME; a new "
                "key would not match the events already written",
            ) from None
        except OSError as exc:
            raise MinutesError(f"cannot read the audit key {self.path}: {exc.strerror or exc}") from None
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise MinutesError(f"the audit key {self.path} is not a regular file")
            if info.st_mode & 0o077:
                raise MinutesError(
                    f"the audit key {self.path} can be read by other users "
                    f"(mode {stat.S_IMODE(info.st_mode):04o})",
                    f"run `chmod 600 {self.path}`",
                )
            data = fh.read(KEY_BYTES + 1)
        if len(data) != KEY_BYTES:
            raise MinutesError(
                f"the audit key {self.path} is damaged ({len(data)} bytes, not {KEY_BYTES})",
                f"restore {KEY_NAME} from your backup of MINUTES_HOME",
            )
        return data

    def _create(self) -> bytes:
        """Write a new key under a temporary name and hard-link it into place: a concurrent first writer
        either wins the link or reads the winner's key; nobody ever sees a half-written file."""
        tmp: Path | None = None
        try:
            fd, tmp = private_temp(self.path)
            with open(fd, "wb") as fh:
                fh.write(secrets.token_bytes(KEY_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass
            _fsync_dir(self.path.parent)
        except OSError as exc:
            raise MinutesError(f"cannot create the audit key {self.path}: {exc.strerror or exc}") from None
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        return self._read()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

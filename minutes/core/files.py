"""Owner-only files: folders 0700 and files 0600 under MINUTES_HOME (and exports), whatever the umask.

They hold meeting audio, transcripts and minutes. The CLI also sets umask 077, but library users may not go
through the CLI, so every place that creates a file or folder here sets the mode itself. Existing files and
folders only lose group and other bits; owner bits are never added (a folder made read-only stays read-only).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path

DIR_MODE, FILE_MODE = 0o700, 0o600
HASH_BLOCK = (
    8 << 20
)  # bytes read at a time when hashing: a recording or model file never sits in memory whole


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes: a recording's identity, a model file's check, a retained file's match."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def tighten(path: Path) -> None:
    """Remove group and other permissions from an existing file or folder we own (never a shared sticky one)."""
    st = path.stat()
    if st.st_mode & 0o077 and st.st_uid == os.geteuid() and not st.st_mode & stat.S_ISVTX:
        os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o077)


def private_dir(root: Path, *parts: str) -> Path:
    """`root/parts...`, each folder below `root` created 0700 (tightened if it exists); `root` must exist."""
    path = root
    for part in parts:
        path = path / part
        try:
            path.mkdir(mode=DIR_MODE)
            os.chmod(path, DIR_MODE)
        except FileExistsError:
            tighten(path)
    return path


def private_file(path: Path) -> None:
    """Create `path` empty and 0600 if it is missing, else tighten it (e.g. a database before SQLite opens it)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        os.chmod(path, FILE_MODE)
    except FileExistsError:
        tighten(path)


def private_temp(path: Path) -> tuple[int, Path]:
    """A new 0600 file beside `path`, unique even among threads; its name ends in `.tmp-HOST-PID`, so
    `sweep_temps` can tell, on a folder several machines share, whether its writer is gone."""
    fd, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp-{_HOST}-{os.getpid()}"
    )
    os.fchmod(fd, FILE_MODE)
    return fd, Path(name)


_HOST = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())[:48]  # safe in a file name; '-' ends it


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one we may not signal still runs)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_temps(root: Path, other_host_after: float) -> list[Path]:
    """Remove the temporary files under `root` whose writer is gone; returns them. A file of this machine
    goes once its process has ended, one of another machine (a shared folder) once untouched for
    `other_host_after` seconds, as a run lease lapses: a live writer's file is never removed."""
    removed: list[Path] = []
    now = time.time()
    for tmp in root.rglob(".*.tmp-*") if root.is_dir() else ():
        host, _, pid = tmp.name.rsplit(".tmp-", 1)[1].rpartition("-")
        if not pid.isdigit():
            continue
        try:
            gone = (
                not pid_alive(int(pid))
                if host in ("", _HOST)
                else now - tmp.stat().st_mtime > other_host_after
            )
        except FileNotFoundError:  # renamed into place meanwhile
            continue
        if gone:
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def atomic_write(
    path: Path, data: bytes | None = None, source: Path | None = None, overwrite: bool = True
) -> None:
    """Write `data` (or a copy of `source`) to a private temporary file beside `path`, fsync, then rename.

    Never a half-written file. With `overwrite` False an existing `path` is left alone (FileExistsError), checked
    at the rename itself with a hard link, so a file that appears meanwhile is not replaced either.
    """
    fd, tmp = private_temp(path)
    try:
        with open(fd, "wb") as fh:
            if source is not None:
                with source.open("rb") as src:
                    shutil.copyfileobj(src, fh, 1 << 20)
            else:
                fh.write(data or b"")
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _link_new(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: a plain check, then the rename
        if os.path.lexists(path):
            raise FileExistsError(17, "File exists", str(path)) from None
        os.replace(tmp, path)

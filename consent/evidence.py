"""Consent evidence files (a scanned form): read with limits, hashed, and kept in the store by their hash.
`read_limited` is how every small input file is read (an agenda, an edited draft document too)."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from minutes.consent.errors import ConsentInputError

_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")
MAX_EVIDENCE_BYTES = 50_000_000  # the default of `[limits] max_evidence_mb`


@dataclass(frozen=True)
class EvidenceFile:
    """A file read and hashed, ready to be copied into the store."""

    data: bytes
    sha256: str
    suffix: str


def read_limited(path: str | Path, max_bytes: int, what: str) -> bytes:
    """A small input file's bytes (`what` names it in errors: "evidence file", "agenda"), with a one-line error
    if it is missing, unreadable, empty, larger than `max_bytes` or not a regular file. Devices (/dev/zero) and
    FIFOs are refused from their metadata before anything is read, and the open does not block, so neither can
    exhaust memory or hang the command."""
    src = Path(path).expanduser()
    try:
        _check_kind(src, src.stat(), max_bytes, what)
        fd = os.open(src, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with open(fd, "rb") as fh:
            _check_kind(src, os.fstat(fd), max_bytes, what)  # the path may have been swapped since
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise ConsentInputError(f"{what} {str(src)!r} does not exist") from None
    except OSError as exc:
        raise ConsentInputError(f"cannot read {what} {str(src)!r}: {exc.strerror or exc}") from None
    if not data:
        raise ConsentInputError(f"{what} {str(src)!r} is empty")
    if len(data) > max_bytes:
        raise _too_large(src, max_bytes, what)
    return data


def read_evidence(path: str | Path, max_bytes: int = MAX_EVIDENCE_BYTES) -> EvidenceFile:
    """Read and hash an evidence file (see `read_limited`)."""
    src = Path(path).expanduser()
    data = read_limited(src, max_bytes, "evidence file")
    suffix = src.suffix.lower() if _SUFFIX.fullmatch(src.suffix) else ""
    return EvidenceFile(data, hashlib.sha256(data).hexdigest(), suffix)


def _check_kind(src: Path, st: os.stat_result, max_bytes: int, what: str) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise ConsentInputError(f"{what} {str(src)!r} is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise ConsentInputError(f"{what} {str(src)!r} is not a regular file (a device, FIFO or socket)")
    if st.st_size > max_bytes:
        raise _too_large(src, max_bytes, what)


def _too_large(src: Path, max_bytes: int, what: str) -> ConsentInputError:
    hint = (
        " (scan it at a lower resolution, or raise [limits] max_evidence_mb in config.toml)"
        if what == "evidence file"
        else ""
    )
    return ConsentInputError(f"{what} {str(src)!r} is larger than the limit of {max_bytes / 1e6:g} MB{hint}")


def store_evidence(evidence: EvidenceFile, files_dir: Path) -> str:
    """Copy into `files_dir/evidence/` (atomically, owner-only); returns the path relative to files_dir."""
    rel = Path("evidence") / f"{evidence.sha256}{evidence.suffix}"
    dest = files_dir / rel
    if not dest.is_file():
        for folder in (files_dir, dest.parent):  # 0700 whatever the umask (mkdir's mode is masked by it)
            if not folder.is_dir():
                folder.mkdir(mode=0o700)
                os.chmod(folder, 0o700)
        tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(evidence.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    return rel.as_posix()

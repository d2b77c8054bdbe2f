"""Logging: a file under MINUTES_HOME/logs and stderr warnings. Messages carry ids, counts and timings only.

Nothing that reaches a log may contain transcript text, names or audio: callers pass ids, never content. As a
second line of defence, library loggers that could echo content (transformers, pyannote) are capped at WARNING.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from minutes.core.files import DIR_MODE, FILE_MODE, private_dir, tighten

LOGGER = logging.getLogger("minutes")
_NOISY = (
    "transformers",
    "pyannote",
    "faster_whisper",
    "speechbrain",
    "lightning",
    "pytorch_lightning",
    "httpx",
)


class _PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """Opens the log (and each new one after a rotation) owner-only, 0600, whatever the umask."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        tighten(Path(self.baseFilename))  # a log written by an older version
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def setup_logging(log_dir: Path) -> Path:
    """Log INFO and above to `log_dir/minutes.log` (rotated), once per process."""
    path = log_dir / "minutes.log"
    if any(getattr(h, "baseFilename", None) == str(path) for h in LOGGER.handlers):
        return path
    log_dir.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    private_dir(log_dir.parent, log_dir.name)
    handler = _PrivateFileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path

"""Progress for long jobs: a rich display on a terminal, one plain line per stage elsewhere. Never any
transcript text."""

from __future__ import annotations

import sys
import time
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class Reporter(Protocol):
    def start(self, stage: str, total: float | None = None) -> None: ...
    def update(self, done: float, total: float | None = None) -> None: ...
    def finish(self, status: str, detail: str = "") -> None: ...
    def note(self, text: str) -> None: ...


def terminal() -> bool:
    """Draw live progress only when a person watches both streams: piped or logged, a redrawn bar turns into
    a line per redraw."""
    return sys.stdout.isatty() and sys.stderr.isatty()


class PlainReporter:
    """One line per stage as it ends, for logs, pipes and CI: no bar, no percentages (they would repeat)."""

    def __init__(self, stream=None, prefix: str = ""):
        self.stream = stream or sys.stderr
        self.prefix = prefix
        self._stage, self._t0 = "", 0.0

    def _say(self, text: str) -> None:
        print(f"{self.prefix}{text}", file=self.stream, flush=True)

    def start(self, stage: str, total: float | None = None) -> None:
        self._stage, self._t0 = stage, time.monotonic()

    def update(self, done: float, total: float | None = None) -> None: ...

    def finish(self, status: str, detail: str = "") -> None:
        took = time.monotonic() - self._t0
        self._say(f"{self._stage}: {status} in {took:.1f}s" + (f" ({detail})" if detail else ""))

    def note(self, text: str) -> None:
        self._say(text)


class RichReporter:
    """A live progress bar per stage with percent and time left."""

    def __init__(self, console: Console | None = None, prefix: str = ""):
        self.prefix = prefix
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._task: TaskID | None = None
        self._stage = ""

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def start(self, stage: str, total: float | None = None) -> None:
        self._stage = stage
        self._task = self.progress.add_task(f"{self.prefix}{stage}", total=total or 1)

    def update(self, done: float, total: float | None = None) -> None:
        if self._task is not None:
            self.progress.update(self._task, completed=done, total=total or None)

    def finish(self, status: str, detail: str = "") -> None:
        if self._task is not None:
            task = self.progress.tasks[self._task]
            self.progress.update(
                self._task,
                completed=task.total,
                description=f"{self.prefix}{self._stage}: {status}" + (f" ({detail})" if detail else ""),
            )
        self._task = None

    def note(self, text: str) -> None:
        self.progress.console.print(f"{self.prefix}{text}")


class Both:
    """Two reporters told the same things: the terminal's, and the job row the web app reads."""

    def __init__(self, first: Reporter, second: Reporter):
        self.reporters = (first, second)

    def start(self, stage: str, total: float | None = None) -> None:
        for r in self.reporters:
            r.start(stage, total)

    def update(self, done: float, total: float | None = None) -> None:
        for r in self.reporters:
            r.update(done, total)

    def finish(self, status: str, detail: str = "") -> None:
        for r in self.reporters:
            r.finish(status, detail)

    def note(self, text: str) -> None:
        for r in self.reporters:
            r.note(text)


class QuietReporter:
    def start(self, stage: str, total: float | None = None) -> None: ...
    def update(self, done: float, total: float | None = None) -> None: ...
    def finish(self, status: str, detail: str = "") -> None: ...
    def note(self, text: str) -> None: ...

"""Several `minutes` machines on one PostgreSQL database and one shared folder, as real processes: a clerk's
MINUTES_HOME and `minutes worker`s, each with a home of its own (conftest.py's `cluster` fixture)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from minutes.db import Job

MINUTES = str(Path(sys.executable).parent / "minutes")
CONFIG = """db = "{url}"

[models]
extractor = "smollm2-135m-instruct"

[store]
shared = "{shared}"

[queue]
heartbeat_seconds = 1
stalled_after_seconds = 4
"""


class Cluster:
    """A clerk's MINUTES_HOME that enqueues, and workers, each with a home of its own, sharing the database
    and the shared folder (and a copy of the audit key, as every machine writing to one database needs)."""

    def __init__(self, root: Path, url: str):
        self.root, self.url, self.shared = root, url, root / "shared"
        self.shared.mkdir(mode=0o700)
        self.clerk = self.home("clerk")
        self.workers: dict[str, subprocess.Popen] = {}
        self.engine = create_engine(url)

    def home(self, name: str) -> Path:
        home = self.root / name
        home.mkdir(mode=0o700)
        (home / "config.toml").write_text(CONFIG.format(url=self.url, shared=self.shared))
        return home

    def minutes(self, *args, home: Path | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "MINUTES_HOME": str(home or self.clerk), "MINUTES_DEBUG": "1"}
        env.pop("MINUTES_DB", None)
        return subprocess.run(
            [MINUTES, *map(str, args)], capture_output=True, text=True, timeout=600, env=env
        )

    def start_worker(self, name: str) -> None:
        home = self.home(name)
        shutil.copy2(self.clerk / "audit.key", home / "audit.key")
        env = {**os.environ, "MINUTES_HOME": str(home), "OMP_NUM_THREADS": "1"}
        env.pop("MINUTES_DB", None)
        log = (self.root / f"{name}.out").open("w")
        self.workers[name] = subprocess.Popen(
            [MINUTES, "worker", "--name", name], env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def jobs(self) -> list[Job]:
        with Session(self.engine) as s:
            return s.exec(select(Job).order_by(Job.id)).all()

    def wait(self, until, timeout: float, what: str):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = until()
            if found:
                return found
            for name, proc in self.workers.items():
                if proc.poll() not in (None, -signal.SIGKILL):
                    pytest.fail(f"worker {name} exited {proc.returncode}: {self.output(name)}")
            time.sleep(0.2)
        pytest.fail(
            f"timed out waiting for {what}: {[(j.id, j.status, j.stage, j.worker) for j in self.jobs()]}"
        )

    def output(self, name: str) -> str:
        return (self.root / f"{name}.out").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for proc in self.workers.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.engine.dispose()

"""Shared fixtures. Every test runs with outbound network blocked: a connect to a non-loopback address fails it."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
DEMO = DATA / "meeting-demo"


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def block_network(monkeypatch):
    """Fail the test on any attempt to reach a non-loopback address."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(address):
        if not _is_local(address):
            pytest.fail(f"network access attempted at run time: {address!r}")

    def connect(self, address):
        guard(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        guard(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh MINUTES_HOME (database, files, logs) for one test. Models stay in the shared store."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("MINUTES_HOME", str(path))
    monkeypatch.delenv("MINUTES_DB", raising=False)
    return path


@pytest.fixture(scope="session")
def data() -> Path:
    return DATA


@pytest.fixture(scope="session")
def demo() -> Path:
    return DEMO

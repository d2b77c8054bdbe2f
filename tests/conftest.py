"""Shared fixtures. Every test runs with outbound network blocked: a connect or send to a non-loopback address,
or a name lookup of anything but a loopback name, fails it. (Lookups made from C or C++ bypass these guards;
tests/test_offline_trace.py checks a whole `process` run from outside with strace.)"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

import minutes.service  # noqa: F401  (wires withdrawal propagation, as every entry point does)

DATA = Path(__file__).parent / "data"
DEMO = DATA / "meeting-demo"


LOCAL_NAMES = ("", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _is_local_host(host) -> bool:
    """A loopback or unspecified (bind-all) address, or a name that resolves without asking anyone."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).split("%", 1)[0]
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    return _is_local_host(address[0])


def _guarded(real, check, what: str):
    def call(*args, **kwargs):
        target = check(*args, **kwargs)
        if target is not None:
            pytest.fail(f"{what} attempted at run time: {target!r}")
        return real(*args, **kwargs)

    return call


def _remote_address(_sock, *args, **_):
    """The address of connect/connect_ex/sendto (always the last positional argument) when it is not local."""
    return None if not args or _is_local(args[-1]) else args[-1]


def _remote_host(host=None, *_, **__):
    return None if _is_local_host(host) else host


def _remote_sockaddr(sockaddr, *_):
    return None if _is_local(sockaddr) else sockaddr


@pytest.fixture(autouse=True)
def block_network(monkeypatch):
    """Fail the test on any attempt to reach a non-loopback address or to look up a name (DNS)."""
    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(
            socket.socket, name, _guarded(getattr(socket.socket, name), _remote_address, "network access")
        )
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        monkeypatch.setattr(socket, name, _guarded(getattr(socket, name), _remote_host, "name lookup"))
    monkeypatch.setattr(socket, "getnameinfo", _guarded(socket.getnameinfo, _remote_sockaddr, "name lookup"))


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

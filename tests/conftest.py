"""Shared fixtures. Every test runs with outbound network blocked: a connect or send to a non-loopback address,
or a name lookup of anything but a loopback name, fails it. (Lookups made from C or C++ bypass these guards;
tests/test_offline_trace.py checks a whole `process` run from outside with strace.)

PostgreSQL: `pg_server` starts one throwaway server for the run; the parametrised `database` fixture runs a test
on SQLite and on a fresh PostgreSQL database. A server that cannot start fails those tests, unless
MINUTES_TEST_NO_POSTGRES=1 (developer machines without PostgreSQL; never set in CI) makes them skip."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import model_guard
import pytest
from cluster import Cluster
from hypothesis.configuration import set_hypothesis_home_dir
from pg import NO_POSTGRES, TEMPLATE, PgServer, start_pg_server, stop_pg_server

import minutes.service  # noqa: F401  (wires withdrawal propagation, as every entry point does)
from minutes.core.config import load_settings

# The web app's route tests' fixtures (`web`, `web_template`), for every test module.
pytest_plugins = ("web_helpers",)

DATA = Path(__file__).parent / "data"
DEMO = DATA / "meeting-demo"

# Tests write only to temporary folders and build/ (ignored by git): hypothesis keeps its example database
# there rather than in .hypothesis/ at the checkout's root.
set_hypothesis_home_dir(Path(__file__).resolve().parents[1] / "build" / "hypothesis")

model_guard.install()


def pytest_collection_modifyitems(items):
    model_guard.mark_model_tests(items)
    for item in items:  # headless Chromium: `make test` runs these, `make check` (the edit loop) leaves them
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    model_guard.entering(item)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    model_guard.leaving()


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


@pytest.fixture(scope="session")
def qwen(tmp_path_factory):
    """The configured default extractor (qwen2.5-coder-1.5b-instruct on llama.cpp), loaded once for every test
    that uses it (it is read-only at inference), with a home of its own for its prompt states. Tests using it
    are marked slow (tests/model_guard.py)."""
    from minutes.engines.extractor import load_extractor

    engine = load_extractor(load_settings(tmp_path_factory.mktemp("qwen-home")))
    yield engine
    engine.close()


# -- PostgreSQL: one throwaway server for the whole run, a fresh database per test ------------------------------


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory) -> Iterator[PgServer]:
    """The run's PostgreSQL server, started on first use. If it cannot start, every test that needs it errors
    (CI must not pass without PostgreSQL), unless MINUTES_TEST_NO_POSTGRES=1 opts out (they skip)."""
    if os.environ.get(NO_POSTGRES) == "1":
        pytest.skip(f"{NO_POSTGRES}=1: PostgreSQL tests skipped on this machine")
    root = Path(tempfile.mkdtemp(prefix="minutes-pg-"))
    os.chmod(root, 0o755)
    try:
        server = start_pg_server(root)
    except (RuntimeError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(
            f"PostgreSQL could not start: {exc} (set {NO_POSTGRES}=1 to skip its tests)", pytrace=False
        )
    try:
        from minutes.core.store import Database

        server.admin(f"CREATE DATABASE {TEMPLATE}")
        home = tmp_path_factory.mktemp("pg-template-home")
        Database.open(load_settings(home, db=server.url(TEMPLATE))).close()
        server.admin(f"ALTER DATABASE {TEMPLATE} IS_TEMPLATE true")
        yield server
    finally:
        stop_pg_server(server)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, home, monkeypatch) -> str:
    """Runs the test on SQLite and on PostgreSQL: the URL of a fresh, migrated database, set as MINUTES_DB."""
    if request.param == "sqlite":
        yield f"sqlite:///{home / 'minutes.db'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.fresh()
    url = server.url(name)
    monkeypatch.setenv("MINUTES_DB", url)
    yield url
    server.admin(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def cluster(pg_server, tmp_path):
    """A clerk's home and room for workers on a fresh PostgreSQL database and a shared folder."""
    c = Cluster(tmp_path, pg_server.url(pg_server.fresh()))
    yield c
    c.stop()

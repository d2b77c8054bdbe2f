"""The throwaway PostgreSQL server of a test run, and raw-SQL helpers that work on either engine.

conftest.py starts one server per run (`pg_server`) and gives each PostgreSQL test a database copied from a
migrated template; tests use `sql` and `snapshot` to look at or tamper with rows behind the application's back.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import SQLModel

NO_POSTGRES = "MINUTES_TEST_NO_POSTGRES"  # "1" on a developer machine without PostgreSQL: its tests skip
TEMPLATE = "minutes_template"


def pg_bin(name: str) -> str | None:
    """The newest installed server binary (Debian keeps them off PATH, under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[-3]))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    """A server started by this test run: `minutes` is its superuser (trust auth, loopback only)."""

    port: int
    root: Path
    count: int = 0

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://minutes@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str) -> None:
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def fresh(self) -> str:
        """A new database copied from the migrated template (a file copy: milliseconds, not a migration)."""
        self.count += 1
        name = f"t{os.getpid()}_{self.count}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name


def start_pg_server(root: Path) -> PgServer:
    """initdb and start a server in `root` as an unprivileged user; raises RuntimeError saying why not."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL server binaries are not installed (`make system` installs them)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()
    steps = [
        [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "minutes", "--no-sync", "-E", "UTF8"],
        [
            *as_user,
            pg_ctl,
            "-D",
            str(data),
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200",
            "-w",
            "-l",
            str(root / "log"),
            "start",
        ],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode:
            log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
            raise RuntimeError(f"{Path(step[len(as_user)]).name} failed: {done.stderr.strip()} {log[-2000:]}")
    return PgServer(port, root)


def stop_pg_server(server: PgServer) -> None:
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*as_user, pg_bin("pg_ctl"), "-D", str(server.root / "data"), "-m", "immediate", "stop"],
        capture_output=True,
    )
    shutil.rmtree(server.root, ignore_errors=True)


def db_url(home: Path) -> str:
    """The database the current test's commands use (MINUTES_DB, else MINUTES_HOME's SQLite file)."""
    return os.environ.get("MINUTES_DB") or f"sqlite:///{home / 'minutes.db'}"


def sql(home: Path, statement: str, *params) -> list[tuple]:
    """Run one raw statement (sqlite3's `?` placeholders) on the test's database and commit; returns its rows.
    For tampering with rows behind the application's back, on either engine."""
    url = db_url(home)
    if url.startswith("postgresql") and params:
        statement = statement.replace("%", "%%").replace("?", "%s")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.exec_driver_sql(statement, tuple(params))
            return [tuple(r) for r in result.fetchall()] if result.returns_rows else []
    finally:
        engine.dispose()


def snapshot(home: Path | None, url: str | None = None, engine=None) -> list[tuple]:
    """Every row of every table, in a stable order: for checking that a failed command changed nothing."""
    import minutes.db  # noqa: F401  (registers every table)

    own = engine is None
    engine = engine if engine is not None else create_engine(url or db_url(home))
    try:
        with engine.connect() as conn:
            return [
                (table.name, *row)
                for table in SQLModel.metadata.sorted_tables
                for row in conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            ]
    finally:
        if own:
            engine.dispose()


def dump_bytes(home: Path | None, url: str | None = None, engine=None) -> bytes:
    """Every value of every row as raw bytes (bytes columns as they are): what a scan for leftover words or
    voices reads on PostgreSQL, whose files a test cannot read as the server's user."""
    return b"\n".join(
        value if isinstance(value, bytes) else str(value).encode()
        for row in snapshot(home, url, engine)
        for value in row
    )

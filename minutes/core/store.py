"""The database: SQLite (WAL) under MINUTES_HOME by default, or any SQLAlchemy URL; migrated on open with alembic."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

import minutes.db as models  # noqa: F401  (registers every table)
from minutes.core.audit_key import KEY_NAME, AuditKeyFile
from minutes.core.config import Settings
from minutes.core.files import DIR_MODE, atomic_write, private_dir, private_file, tighten
from minutes.db.audit import KEY_INFO
from minutes.errors import MinutesError, UsageError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent.parent / "migrations"
_REVISION = re.compile(r"^(down_)?revision\s*=\s*['\"]?([\w-]+|None)['\"]?\s*$", re.M)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")  # deleted rows (withdrawn words, purged text) are zeroed on disk
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def ensure_home(home: Path, private: bool = True) -> None:
    """Create MINUTES_HOME (0700; an existing one loses group and other access) and check that it is writable,
    with a one-line error if not. The probe is a unique temporary file, so concurrent commands cannot collide."""
    try:
        home.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        if private:
            tighten(home)
        with tempfile.TemporaryFile(dir=home, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"MINUTES_HOME {home} is not writable ({exc.strerror})",
            "set MINUTES_HOME or --home to a folder you can write to",
        ) from None


@dataclass
class Database:
    engine: Engine
    url: str
    settings: Settings | None = None  # handed to hooks that run inside a transaction (withdrawal propagation)

    def __post_init__(self) -> None:
        self.audit_key = AuditKeyFile(self.settings.home / KEY_NAME) if self.settings else None

    @classmethod
    def open(cls, settings: Settings, migrate: bool = True) -> Database:
        ensure_home(settings.home)
        engine = make_engine(settings.db_url)
        db = cls(engine, settings.db_url, settings)
        if migrate:
            db.upgrade()
        return db

    def upgrade(self) -> None:
        """Migrate to the newest revision. A database already there is only read (alembic, a third of a
        second to import, is not loaded: every command opens the database, and `meeting list` must answer at
        once)."""
        if self._at_head():
            return
        from alembic import command

        try:
            with self.engine.begin() as conn:
                cfg = alembic_config(self.engine)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise MinutesError(
                f"cannot open the database {safe_url(self.url)}: {_first_line(exc)}",
                "check --db / MINUTES_DB and that the server is running",
            ) from None

    def _at_head(self) -> bool:
        """Is the database at the one head revision the migration files name? False when unsure (no version
        table yet, several heads, a file this reading does not understand): alembic then decides."""
        revisions, parents = set(), set()
        for path in (MIGRATIONS / "versions").glob("*.py"):
            found = dict((bool(down), rev) for down, rev in _REVISION.findall(path.read_text("utf-8")))
            if True not in found or False not in found:
                return False
            revisions.add(found[False])
            parents.add(found[True])
        heads = revisions - parents
        if len(heads) != 1:
            return False
        try:
            with self.engine.connect() as conn:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except SQLAlchemyError:
            return False
        return current == list(heads)

    def schema_version(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_version(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error (nothing half-written)."""
        with Session(self.engine, expire_on_commit=False) as s:
            s.info["settings"] = self.settings
            s.info[KEY_INFO] = self.audit_key
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(
            f"not a database URL: {url!r}",
            "use e.g. sqlite:///path/minutes.db or postgresql+psycopg://user@host/dbname",
        ) from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                _private_database(Path(parsed.database).expanduser())
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        with engine.connect():
            pass
    except (SQLAlchemyError, ImportError) as exc:
        raise MinutesError(
            f"cannot connect to the database {safe_url(url)}: {_first_line(exc)}",
            "check --db / MINUTES_DB and that the server is running",
        ) from None
    return engine


def _private_database(path: Path) -> None:
    """Create the database file 0600 before SQLite does (its -wal and -shm then get the same mode)."""
    ensure_home(path.parent, private=False)  # a folder the user chose for the database keeps its mode
    private_file(path)
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if extra.exists():
            tighten(extra)


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def files_path(settings: Settings, *parts: str) -> Path:
    """A path inside the store's file area; its folders are created on demand, owner-only (0700)."""
    files = settings.files_dir
    files.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    return private_dir(files.parent, files.name, *parts[:-1]) / parts[-1]


def atomic_write_bytes(path: Path, data: bytes, overwrite: bool = True) -> None:
    """Write a 0600 temporary file beside `path`, fsync, then rename: never a half-written file. With
    `overwrite` False an existing file is left alone (FileExistsError)."""
    atomic_write(path, data, overwrite=overwrite)

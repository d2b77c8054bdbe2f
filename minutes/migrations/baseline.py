"""Regenerate the baseline migration from the tables (`make migration-baseline`).

Until the first release the schema has one migration, 0001, generated from models/. Once a release has shipped,
stop using this: add revisions with `alembic revision --autogenerate` on top of it instead.
"""

import tempfile
from pathlib import Path

from alembic import command
from sqlmodel import create_engine

from minutes.core.store import MIGRATIONS, alembic_config

VERSIONS = MIGRATIONS / "versions"


def main() -> None:
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'empty.db'}")
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.revision(cfg, message="baseline", autogenerate=True, rev_id="0001")
    print(f"wrote {next(VERSIONS.glob('0001_*.py'))}")


if __name__ == "__main__":
    main()

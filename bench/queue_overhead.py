"""The distributed queue's own cost per job, measured on a real PostgreSQL server (no models).

    python bench/queue_overhead.py --db postgresql+psycopg://minutes@127.0.0.1:5432/scratch [--jobs 200]

Defers `--jobs` no-op jobs with a per-meeting lock and queueing lock, as `minutes batch --enqueue` does, then
runs one procrastinate worker (concurrency 1, as `minutes worker`) until they are all done. Prints the defer
time and the worker's time per job: the overhead a real job pays on top of its stages. Uses its own queue and
task name in that database (create a scratch database; it leaves procrastinate's tables there).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import procrastinate
from procrastinate.schema import SchemaManager
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL (a scratch database)")
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()
    conninfo = make_url(args.db).set(drivername="postgresql").render_as_string(hide_password=False)
    engine = create_engine(args.db)
    with engine.begin() as conn:
        if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
            with conn.connection.dbapi_connection.cursor() as cur:
                cur.execute(SchemaManager.get_schema())
    engine.dispose()
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    done: list[float] = []

    @app.task(name="bench.noop", queue="bench")
    def noop(meeting: int) -> None:
        done.append(time.perf_counter())

    with app.open():
        t0 = time.perf_counter()
        for i in range(args.jobs):
            lock = f"bench-meeting-{time.time_ns()}-{i}"
            noop.configure(lock=lock, queueing_lock=lock).defer(meeting=i)
        defer_s = time.perf_counter() - t0

    async def work() -> float:
        async with app.open_async():
            start = time.perf_counter()
            await app.run_worker_async(
                queues=["bench"], concurrency=1, wait=False, install_signal_handlers=False
            )
            return time.perf_counter() - start

    work_s = asyncio.run(work())
    print(
        json.dumps(
            {
                "jobs": args.jobs,
                "done": len(done),
                "defer_ms_per_job": round(1000 * defer_s / args.jobs, 2),
                "worker_ms_per_job": round(1000 * work_s / max(1, len(done)), 2),
            }
        )
    )


if __name__ == "__main__":
    main()

"""How long the everyday commands take to answer: `minutes --help`, `minutes meeting list`, `minutes consent
status`. Each runs as a fresh process (the interpreter's start and every import included) on a throwaway
store with one meeting; prints the median and the fastest of N runs, wall clock and CPU time (user + system:
what the command itself costs, steadier than the wall clock on a busy machine), and the heavy libraries each
command imported (none of torch, faster_whisper, pyannote, llama_cpp, fastapi should be among them).

    python bench/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (["--help"], ["meeting", "list"], ["consent", "status", "1"], ["consent", "--help"])
HEAVY = ("torch", "faster_whisper", "ctranslate2", "pyannote", "llama_cpp", "fastapi", "uvicorn", "docx")
PROBE = (
    "import sys; sys.argv = ['minutes', *sys.argv[1:]]\n"
    "from minutes.cli import main\n"
    "try:\n    main()\n"
    "except SystemExit:\n    pass\n"
    f"print('HEAVY', *sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    minutes = Path(sys.executable).with_name("minutes")
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, MINUTES_HOME=home)
        env.pop("MINUTES_DB", None)
        subprocess.run(
            [str(minutes), "meeting", "create", "Bench", "--date", "2026-12-07", "--participant", "Priya"],
            env=env,
            check=True,
            capture_output=True,
        )
        for command in COMMANDS:
            times, cpu = [], []
            for _ in range(args.runs):
                t0, c0 = time.perf_counter(), _children_cpu()
                subprocess.run([str(minutes), *command], env=env, capture_output=True)
                times.append(time.perf_counter() - t0)
                cpu.append(_children_cpu() - c0)
            probe = subprocess.run(
                [sys.executable, "-c", PROBE, *command], env=env, capture_output=True, text=True
            )
            heavy = next(
                (ln.split()[1:] for ln in probe.stderr.splitlines() if ln.startswith("HEAVY")), ["?"]
            )
            print(
                f"minutes {' '.join(command):<22} wall median {statistics.median(times):.3f} s, "
                f"fastest {min(times):.3f} s; CPU median {statistics.median(cpu):.3f} s; "
                f"heavy imports: {', '.join(heavy) or 'none'}"
            )


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


if __name__ == "__main__":
    main()

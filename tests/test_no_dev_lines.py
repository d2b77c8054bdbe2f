"""The dev meetings are training data: the drafting rules' unit tests and the prompts' worked examples use invented
lines, never the dev transcripts' (a rule tested on a dev line shows that line passes, not that the rule is
general). Checked as six-word runs shared with any dev meeting's reference transcript, after lower-casing and
dropping punctuation: there must be none."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "data" / "dev" / "meetings"
N = 6
CHECKED = [
    "minutes/drafting/prompts.py",
    "minutes/drafting/judge.py",
    "tests/test_extract_rules.py",
    "tests/test_dates.py",
    "tests/test_motions.py",
    "tests/test_points.py",
    "tests/test_windows.py",
    "tests/test_extract_input.py",
    "tests/test_judge.py",
    "tests/test_taker_due.py",
    "tests/test_assent_looks.py",
]


def _runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))
    return {tuple(words[i : i + N]) for i in range(len(words) - N + 1)}


@pytest.fixture(scope="module")
def dev_runs() -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for stm in sorted(DEV.glob("*/reference.stm")):
        for row in stm.read_text(encoding="utf-8").splitlines():
            parts = row.split(maxsplit=5)
            if len(parts) == 6:
                runs |= _runs(parts[5])
    assert len(runs) > 5000  # the eight dev meetings are there
    return runs


@pytest.mark.parametrize("path", CHECKED)
def test_no_six_word_run_of_a_dev_transcript(path, dev_runs):
    shared = sorted(" ".join(r) for r in _runs((ROOT / path).read_text(encoding="utf-8")) & dev_runs)
    assert shared == [], f"{path} shares {len(shared)} six-word runs with the dev meetings: {shared[:10]}"


def test_the_check_finds_a_dev_line_quoted_in_other_text(dev_runs):
    stm = next(DEV.glob("*/reference.stm")).read_text(encoding="utf-8").splitlines()
    line = max((row.split(maxsplit=5)[5] for row in stm if len(row.split(maxsplit=5)) == 6), key=len)
    quoted = f'(Ann, "{line.upper()}") an invented line around it'
    assert _runs(quoted) & dev_runs and not _runs("an invented line around it, and nothing else") & dev_runs

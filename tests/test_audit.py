"""Tamper evidence: raw-SQL edits, deletions and reorderings of audit rows are caught by `minutes audit verify`."""

from __future__ import annotations

import json

import pytest
from pg import sql
from processed_meeting import approve_and_release, build, run

from minutes.core.config import load_settings


@pytest.fixture
def chain(home, database) -> int:
    """A stored meeting taken through review and release; returns the number of events."""
    built = build(load_settings())
    approve_and_release(built.draft_id)
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    count = int(result.output.split(":")[1].split()[0])
    assert count >= 8
    return count


def broken(first_bad: int, *needles: str) -> None:
    result = run("audit", "verify")
    assert result.exit_code == 1, result.output
    line = result.output.strip()
    assert "\n" not in line and line.startswith(f"error: audit chain broken at event {first_bad}:"), line
    for needle in needles:
        assert needle in line, line


@pytest.mark.parametrize(
    "column, value",
    [
        ("actor", "Someone Else"),
        ("kind", "review.reject"),
        ("subject_json", '{"draft":2}'),
        ("at", "2020-01-01 00:00:00.000000"),
        ("meeting_id", 99),
        ("hashes_json", '{"file":"00"}'),
    ],
)
def test_update_of_any_field_is_detected(chain, home, column, value):
    sql(home, f"UPDATE audit_event SET {column} = ? WHERE seq = 4", value)
    broken(4, "altered")


def test_update_of_a_hash_is_detected(chain, home):
    sql(home, "UPDATE audit_event SET hash = ? WHERE seq = 3", "0" * 64)
    broken(3)


def test_delete_of_a_middle_row_is_detected(chain, home):
    sql(home, "DELETE FROM audit_event WHERE seq = 5")
    broken(5, "missing")


def test_delete_of_the_first_row_is_detected(chain, home):
    sql(home, "DELETE FROM audit_event WHERE seq = 1")
    broken(1, "missing")


def test_delete_of_the_last_row_is_detected(chain, home):
    sql(home, "DELETE FROM audit_event WHERE seq = ?", chain)
    broken(chain, "missing")


def test_swapping_two_rows_seq_is_detected(chain, home):
    sql(home, "UPDATE audit_event SET seq = -1 WHERE seq = 3")
    sql(home, "UPDATE audit_event SET seq = 3 WHERE seq = 6")
    sql(home, "UPDATE audit_event SET seq = 6 WHERE seq = -1")
    broken(3)


def test_verify_json_and_log(chain, home):
    result = run("audit", "verify", "--json")
    assert result.exit_code == 0 and json.loads(result.output) == {
        "ok": True,
        "events": chain,
        "chain_ok": True,
        "consent_records": 0,
        "releases": 1,
        "first_bad_seq": None,
        "problem": None,
    }
    events = json.loads(run("audit", "log", "--json").output)
    assert [e["seq"] for e in events] == list(range(1, chain + 1))
    assert [e["kind"] for e in json.loads(run("audit", "log", "--kind", "release", "--json").output)] == [
        "release"
    ]
    assert json.loads(run("audit", "log", "--meeting", 42, "--json").output) == []
    table = run("audit", "log")
    assert table.exit_code == 0 and "review.approve" in table.output and "Mr Chair" in table.output
    sql(home, "UPDATE audit_event SET actor = 'x' WHERE seq = 2")
    result = run("audit", "verify", "--json")
    assert result.exit_code == 1 and json.loads(result.output)["first_bad_seq"] == 2


def test_audit_rows_hold_no_item_text(chain, home):
    rows = " ".join(a + b for a, b in sql(home, "SELECT subject_json, hashes_json FROM audit_event"))
    for phrase in ("coach", "Book the", "April", "homework"):
        assert phrase not in rows

"""Exports of released minutes (Markdown golden file, DOCX read back, JSON) and of unreviewed transcripts."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from processed_meeting import approve_and_release, build, run

from minutes.core.config import load_settings

GOLDEN = Path(__file__).parent / "data" / "golden" / "minutes.md"


@pytest.fixture
def released(home):
    built = build(load_settings())
    with time_machine.travel(
        datetime(2026, 11, 25, 9, 30, tzinfo=UTC), tick=False
    ):  # a fixed release time, for a
        approve_and_release(
            built.draft_id
        )  # deterministic file (editing the row would fail the release hash)
    return built


def exports(home) -> list[tuple]:
    with sqlite3.connect(home / "minutes.db") as conn:
        return conn.execute(
            "SELECT kind, format, path, sha256, invalidated_at FROM export ORDER BY id"
        ).fetchall()


def audit_events(home, kind: str) -> list[dict]:
    with sqlite3.connect(home / "minutes.db") as conn:
        rows = conn.execute(
            "SELECT subject_json, hashes_json FROM audit_event WHERE kind = ? ORDER BY seq", (kind,)
        ).fetchall()
    return [{"subject": json.loads(s), "hashes": json.loads(h)} for s, h in rows]


def test_markdown_matches_the_golden_file_and_is_recorded(released, home, tmp_path):
    out = tmp_path / "minutes.md"
    result = run("export", released.draft_id, "--format", "md", "--out", out, "--by", "Clerk")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert exports(home) == [("minutes", "md", str(out), digest, None)]
    event = audit_events(home, "export")[-1]
    assert event["hashes"] == {"file": digest} and event["subject"]["draft"] == released.draft_id
    assert not list(tmp_path.glob(".*tmp*")), "no temporary file is left behind"


def test_docx_reads_back_with_python_docx(released, tmp_path):
    from docx import Document

    out = tmp_path / "minutes.docx"
    assert run("export", released.draft_id, "--format", "docx", "--out", out).exit_code == 0
    doc = Document(str(out))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "Science department meeting"
    assert "Date: Monday 23 November 2026" in paragraphs and "Attendees: Priya, Tom, Helen, Sam" in paragraphs
    assert "The Year 9 science museum trip moves to the last week of April." in paragraphs
    assert paragraphs[-1] == (
        "Reviewed and approved by Mrs Reviewer. Released by Mr Chair on Wednesday 25 November 2026."
    )
    [table] = doc.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Owner", "Task", "Due"]
    assert rows[1] == ["Tom", "Book the coach for the Year 9 trip", "27/11/2026"]
    assert [r[0] for r in rows[1:]] == ["Tom", "Sam", "Priya"]
    assert doc.core_properties.title == "Science department meeting"


def test_json_minutes(released, tmp_path):
    out = tmp_path / "minutes.json"
    assert run("export", released.draft_id, "--format", "json", "--out", out).exit_code == 0
    data = json.loads(out.read_text())
    assert data["attendees"] == ["Priya", "Tom", "Helen", "Sam"] and data["reviewed_by"] == "Mrs Reviewer"
    assert data["actions"][1] == {
        "owner": "Sam",
        "task": "Draft the letter to parents about the paper homework trial and send it to Priya to check",
        "due": "2026-11-25",
    }
    assert data["released_at"].startswith("2026-11-25T09:30:00")


def test_default_path_is_the_store_exports_folder(released, home):
    result = run("export", released.draft_id, "--format", "md", "--json")
    assert result.exit_code == 0, result.output
    path = Path(json.loads(result.output)["path"])
    assert path.parent == home / "files" / "exports" and path.is_file()


def test_export_without_out_leaves_the_current_folder_alone(released, home, tmp_path, monkeypatch):
    here = tmp_path / "repo"
    here.mkdir()
    monkeypatch.chdir(here)
    result = run("export", released.draft_id, "--format", "docx")
    assert result.exit_code == 0, result.output
    written = (
        home / "files" / "exports" / f"meeting-{released.meeting_id}-draft-{released.draft_id}-minutes.docx"
    )
    assert result.output.startswith(f"wrote {written} ") and written.is_file()
    assert list(here.iterdir()) == []


def test_minutes_before_release_are_refused(home, tmp_path):
    built = build(load_settings())
    out = tmp_path / "minutes.md"
    result = run("export", built.draft_id, "--format", "md", "--out", out)
    assert result.exit_code == 5 and "only released minutes" in result.output
    assert result.output.strip().count("\n") == 0
    assert not out.exists() and exports(home) == [] and audit_events(home, "export") == []


def test_unwritable_path_is_one_line_and_records_nothing(released, home, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run("export", released.draft_id, "--format", "docx", "--out", blocker / "minutes.docx")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: cannot write") and result.output.strip().count("\n") == 0
    assert exports(home) == [] and audit_events(home, "export") == []
    result = run("export", released.draft_id, "--format", "md", "--out", tmp_path)
    assert result.exit_code == 2 and "is a folder" in result.output and exports(home) == []


def test_bad_format_and_unknown_draft(released, home):
    assert run("export", 99, "--format", "md").exit_code == 3
    result = run("export", released.draft_id, "--format", "md", "--transcript")
    assert result.exit_code == 2 and "not available for transcripts" in result.output
    assert exports(home) == []


def test_transcript_exports_before_release_are_stamped_unreviewed(home, tmp_path):
    built = build(load_settings())
    for fmt, stamp in (("txt", "UNREVIEWED"), ("vtt", "NOTE UNREVIEWED"), ("srt", "UNREVIEWED")):
        out = tmp_path / f"t.{fmt}"
        result = run("export", built.draft_id, "--format", fmt, "--out", out)
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8")
        assert stamp in text and "coach prices" in text
        assert "Tom" in text and "SPEAKER_01" not in text  # speakers by name, not diarisation label
    assert "<v Tom>" in (tmp_path / "t.vtt").read_text()
    assert out.read_text().startswith("1\n00:00:00,000 --> 00:00:00,001\nUNREVIEWED")
    out = tmp_path / "t.json"
    assert run("export", built.draft_id, "--format", "json", "--transcript", "--out", out).exit_code == 0
    data = json.loads(out.read_text())
    assert data["unreviewed"] is True and len(data["segments"]) == 16
    assert [k for k, *_ in exports(home)] == ["transcript"] * 4


# -- issue 40, item 15: item text is text in Markdown, never markup a viewer would act on -----------------------
HOSTILE = [
    "Buy <script>alert(1)</script> supplies",
    "See [the form](javascript:alert(1)) now",
    "Look ![tracker](https://evil.example/pixel.png) here",
    "Pay <img src=https://evil.example/x.png> and <https://evil.example/auto>",
    "Not a *heading* # or `code` or | a cell | &amp; entity",
]


@pytest.mark.parametrize("template", [None, "governors", "department"])
def test_markdown_exports_escape_item_text(home, tmp_path, template):
    from markdown_it import MarkdownIt
    from processed_meeting import demo_draft

    draft = demo_draft()
    draft.decisions[0].text = HOSTILE[0]
    draft.decisions[1].text = HOSTILE[1]
    draft.actions[0].task, draft.actions[1].task, draft.actions[2].task = HOSTILE[2:5]
    draft.summary = HOSTILE[3]
    built = build(load_settings(), draft)
    approve_and_release(built.draft_id)
    out = tmp_path / "m.md"
    extra = ("--template", template) if template else ()
    result = run("export", built.draft_id, "--format", "md", *extra, "--out", out)
    assert result.exit_code == 0, result.output
    html = MarkdownIt("commonmark").enable("table").render(out.read_text())
    for tag in ("<script", "<img", "<a ", "<code", "<em"):
        assert tag not in html, (tag, html)
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        and "![tracker](https://evil.example/pixel.png)" in html
    )

"""Files stay private and in place: owner-only modes under umask 022, exports that never overwrite by surprise,
withdrawal that deletes only what it exported, and a home writability probe that concurrent commands share."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from processed_meeting import DEMO, approve_and_release, build, run
from sqlalchemy import text

from minutes.core.config import load_settings
from minutes.core.logs import setup_logging
from minutes.core.store import Database, ensure_home, files_path
from minutes.errors import UsageError


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_files_are_private_after_a_full_run_under_umask_022(umask_022, tmp_path, monkeypatch):
    """Every folder of a fresh home is 0700 and every file 0600 (database, -wal, -shm, log, recording, evidence,
    exports), and so is an export written outside the home. The chain runs without models: a processed meeting,
    consent with a scanned form, the record stage through `attach`, approval, release and three exports."""
    home = tmp_path / "new-home"  # created by minutes itself
    monkeypatch.setenv("MINUTES_HOME", str(home))
    monkeypatch.delenv("MINUTES_DB", raising=False)
    built = build(load_settings())
    form = tmp_path / "form.pdf"
    form.write_bytes(b"%PDF-1.4 signed consent form")
    ok(
        run(
            "consent",
            "give",
            built.meeting_id,
            "Tom",
            "--scope",
            "all",
            "--method",
            "form",
            "--evidence",
            form,
        )
    )
    second = json.loads(
        ok(run("meeting", "create", "Governors", "--date", "2026-11-30", "--participant", "Priya", "--json"))
    )["id"]
    ok(run("consent", "give", second, "Priya", "--scope", "record", "--method", "verbal"))
    ok(run("attach", second, DEMO / "meeting.wav"))
    approve_and_release(built.draft_id)
    ok(run("export", built.draft_id, "--format", "md"))
    out = tmp_path / "out"
    out.mkdir()
    ok(run("export", built.draft_id, "--format", "docx", "--out", out / "minutes.docx"))
    ok(run("export", built.draft_id, "--format", "txt", "--out", out / "transcript.txt"))

    db = Database.open(load_settings())  # held open: SQLite's -wal and -shm exist while a connection does
    with db.session() as s:
        s.exec(text("SELECT count(*) FROM meeting"))
        found = {str(p.relative_to(home)): mode(p) for p in [home, *home.rglob("*")]}
    db.close()
    wrong = {name: oct(m) for name, m in found.items() if m != (0o700 if (home / name).is_dir() else 0o600)}
    assert wrong == {}, "group or other users can read these"
    for name in (
        "minutes.db",
        "minutes.db-wal",
        "minutes.db-shm",
        "logs/minutes.log",
        "files/exports",
        "files/evidence",
        "files/recordings",
    ):
        assert name in found
    assert {Path(n).parent.name for n in found if n.startswith("files/") and (home / n).is_file()} >= {
        "evidence",
        "exports",
        str(second),
    }, "a recording, an evidence file and an export were checked"
    assert {p.name: mode(p) for p in out.iterdir()} == {"minutes.docx": 0o600, "transcript.txt": 0o600}


def test_an_existing_loose_home_is_tightened(umask_022, tmp_path, monkeypatch):
    """A home made by hand (or by an older version) loses group and other access when minutes opens it."""
    home = tmp_path / "home"
    (home / "files" / "recordings").mkdir(parents=True, mode=0o755)
    (home / "logs").mkdir(mode=0o755)
    for name in ("minutes.db", "logs/minutes.log"):
        (home / name).touch(mode=0o644)
    os.chmod(home, 0o755)
    monkeypatch.setenv("MINUTES_HOME", str(home))
    settings = load_settings()
    Database.open(settings).close()
    setup_logging(settings.log_dir)
    files_path(settings, "recordings", "x.wav")
    assert {
        n: oct(mode(home / n))
        for n in ("", "files", "files/recordings", "logs", "minutes.db", "logs/minutes.log")
    } == {
        "": "0o700",
        "files": "0o700",
        "files/recordings": "0o700",
        "logs": "0o700",
        "minutes.db": "0o600",
        "logs/minutes.log": "0o600",
    }


def test_concurrent_commands_do_not_share_a_write_probe(tmp_path):
    """Item 15: eight threads checking the home at once never see it as unwritable, and leave nothing behind."""
    home = tmp_path / "home"
    errors: list[str] = []

    def probe() -> None:
        for _ in range(300):
            try:
                ensure_home(home)
            except UsageError as exc:
                errors.append(str(exc))

    threads = [threading.Thread(target=probe) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and list(home.iterdir()) == []


def test_export_force_replaces_only_the_name(home, tmp_path):
    """With --force a regular file is replaced by rename: the new file is 0600, no temporary file is left, and
    another name of the old file (a hard link) keeps the old content."""
    built = build(load_settings())
    approve_and_release(built.draft_id)
    target, other = tmp_path / "minutes.md", tmp_path / "other-name.md"
    target.write_text("last term's minutes\n")
    os.chmod(target, 0o644)
    os.link(target, other)
    result = run("export", built.draft_id, "--format", "md", "--out", target)
    assert result.exit_code == 2 and "already exists (give --force to replace it)" in result.output
    ok(run("export", built.draft_id, "--format", "md", "--out", target, "--force"))
    assert target.read_text().startswith("# Science department meeting") and mode(target) == 0o600
    assert other.read_text() == "last term's minutes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "minutes.md", "other-name.md"]


def test_withdrawal_deletes_only_exports_that_are_unchanged(home, tmp_path):
    """Item 5: a file saved over an export is left where it is and reported; unchanged exports are deleted, and
    two exports to the same default path (the second replaced the first) leave nothing to report."""
    built = build(load_settings())
    approve_and_release(built.draft_id)
    changed, unchanged = tmp_path / "minutes.md", tmp_path / "transcript.txt"
    ok(run("export", built.draft_id, "--format", "md", "--out", changed))
    ok(run("export", built.draft_id, "--format", "txt", "--out", unchanged))
    default = Path(json.loads(ok(run("export", built.draft_id, "--format", "md", "--json")))["path"])
    ok(run("export", built.draft_id, "--format", "md"))  # the same default path again
    changed.write_text("the clerk's own notes, saved over the export\n")
    result = run(
        "consent",
        "withdraw",
        built.meeting_id,
        "Tom",
        "--scope",
        "all",
        "--method",
        "written",
        "--by",
        "Clerk",
        "--json",
    )
    [removed] = json.loads(ok(result))["removed"]
    assert removed["exports_need_attention"] == [str(changed)]
    assert sorted(removed["exports_invalidated"]) == sorted(
        [str(changed), str(unchanged), str(default), str(default)]
    )
    assert changed.read_text() == "the clerk's own notes, saved over the export\n"
    assert not unchanged.exists() and not default.exists()

    again = tmp_path / "reissued.md"
    ok(run("export", built.draft_id, "--format", "md", "--out", again))
    again.write_text("edited by hand\n")
    output = ok(
        run(
            "consent",
            "withdraw",
            built.meeting_id,
            "Sam",
            "--scope",
            "all",
            "--method",
            "written",
            "--by",
            "Clerk",
        )
    )
    assert f"check by hand: {again} changed since it was exported, so it was not deleted" in output
    assert again.read_text() == "edited by hand\n"


def test_stale_temporary_files_go_and_a_live_writers_stay(tmp_path):
    """On a folder several machines share: this machine's temp file goes once its writer has ended, another
    machine's once untouched for the lease time; a running writer's file (here or elsewhere) is kept."""
    import subprocess
    import time

    from minutes.core.files import private_temp, sweep_temps

    folder = tmp_path / "recordings" / "7"
    folder.mkdir(parents=True)
    fd, live = private_temp(folder / "audio.flac")  # this process: alive
    os.close(fd)
    ended = subprocess.Popen(["true"])
    ended.wait()
    dead = live.with_name(live.name.rsplit("-", 1)[0] + f"-{ended.pid}")
    elsewhere_new = folder / ".audio.flac.x1.tmp-other.host-1"
    elsewhere_old = tmp_path / ".copy.wav.x2.tmp-other.host-1"
    for path in (dead, elsewhere_new, elsewhere_old):
        path.write_bytes(b"part")
    hour_ago = time.time() - 3600
    os.utime(elsewhere_old, (hour_ago, hour_ago))
    removed = sweep_temps(tmp_path, other_host_after=300)
    assert sorted(removed) == sorted([dead, elsewhere_old])
    assert live.exists() and elsewhere_new.exists() and not dead.exists() and not elsewhere_old.exists()

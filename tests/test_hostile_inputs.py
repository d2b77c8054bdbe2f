"""Hostile inputs: headers that lie, special files, paths inside MINUTES_HOME. Each row of CASES runs one command
against a processed, released meeting and must end in a clean error (the exit code, a line saying why) with
nothing stored: no row, no file in the store, the target untouched, no hang (a 30 s alarm) and no runaway memory
(address space capped at 2 GB more than before the command, so a regression fails here instead of taking the
machine). Devices are copies made with mknod in a temporary folder (a regressed export would replace the device
node, which must never be /dev/full itself when the tests run as root).

To add a case, append a Case: `args` builds the command line from the World (the home, the meeting, a folder
for crafted inputs), `config` is written to config.toml for that case alone, and `intact` checks the target
afterwards. The README's reliability section reports how many rows there are.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import stat
import struct
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from processed_meeting import DEMO, Built, approve_and_release, build, run

from minutes.core.config import load_settings


@dataclass(frozen=True)
class World:
    home: Path
    inputs: Path  # crafted files, outside the home
    built: Built

    def at(self, name: str) -> str:
        return str(self.inputs / name)

    def device(self, name: str) -> str:
        path = self.inputs / name
        if not path.exists():
            pytest.skip(f"cannot make a {name} device node here, and /dev/{name} itself is unsafe as root")
        return str(path)


@dataclass(frozen=True)
class Case:
    id: str
    args: Callable[[World], list[str]]
    code: int
    says: str  # part of the error message
    config: str = ""
    one_line: bool = True  # click's own usage errors print a usage line first
    intact: Callable[[World], bool] | None = None


# -- crafted inputs ------------------------------------------------------------------------------------------
def wav(path: Path, seconds: float = 0.5, **header: int) -> None:
    """A valid 16 kHz 16-bit mono WAV, then header fields overwritten (the offsets of a 44-byte header)."""
    tone = (np.sin(np.arange(int(seconds * 16000)) * 0.05) * 8000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(tone.tobytes())
    data = bytearray(path.read_bytes())
    fields = {
        "channels": (22, "<H"),
        "rate": (24, "<I"),
        "byte_rate": (28, "<I"),
        "bits": (34, "<H"),
        "data_size": (40, "<I"),
    }
    for name, value in header.items():
        offset, fmt = fields[name]
        data[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    path.write_bytes(bytes(data))


def flac(path: Path, seconds: float, declared_samples: int) -> None:
    """A FLAC of `seconds` of noise at 16 kHz whose STREAMINFO claims `declared_samples` (36 bits)."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=16000, layout="mono", format="s16")
        for i in range(0, int(seconds * 16000), 4000):
            frame = av.AudioFrame.from_ndarray(
                (rng.standard_normal((1, 4000)) * 3000).astype("<i2"), format="s16", layout="mono"
            )
            frame.sample_rate, frame.pts, frame.time_base = 16000, i, Fraction(1, 16000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0, "STREAMINFO comes first"
    data[21] = (data[21] & 0xF0) | (declared_samples >> 32)
    data[22:26] = (declared_samples & 0xFFFFFFFF).to_bytes(4, "big")
    path.write_bytes(bytes(data))


def craft(inputs: Path) -> None:
    for name, header in {
        "rate-1hz": {"rate": 1, "byte_rate": 2},
        "rate-100hz": {"rate": 100, "byte_rate": 200},
        "rate-0": {"rate": 0},
        "rate-4ghz": {"rate": 4_000_000_000},
        "channels-0": {"channels": 0},
        "channels-65535": {"channels": 65535},
        "bits-0": {"bits": 0},
        "data-beyond-file": {"data_size": 50_000_000},
    }.items():
        wav(inputs / f"{name}.wav", **header)
    flac(inputs / "declares-hours.flac", 1.0, 2**36 - 1)  # 49 days in a 30 KB file
    flac(inputs / "declares-1s.flac", 12.0, 16000)
    (inputs / "text.wav").write_text("RIFF? no: a text file with a .wav name\n")
    (inputs / "empty.wav").write_bytes(b"")
    (inputs / "folder").mkdir()
    os.mkfifo(inputs / "fifo")
    (inputs / "form-2kb.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 2000)
    (inputs / "existing.md").write_text("someone else's document\n")
    (inputs / "link-to-file.md").symlink_to(inputs / "existing.md")
    (inputs / "link-to-zero").symlink_to(inputs / "zero")
    (inputs / "into-home").symlink_to(inputs.parent / "home" / "files")
    for name, minor in (("zero", 5), ("full", 7), ("null", 3)):  # the Linux memory devices, as copies
        try:
            os.mknod(inputs / name, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        except OSError:
            if os.geteuid() != 0:  # without root the real device cannot be replaced
                (inputs / name).symlink_to(f"/dev/{name}")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("hostile")
    home, inputs = root / "home", root / "inputs"
    inputs.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("MINUTES_HOME", str(home))
    mp.delenv("MINUTES_DB", raising=False)
    built = build(load_settings())
    approve_and_release(built.draft_id)
    craft(inputs)
    yield World(home, inputs, built)
    mp.undo()


# -- the table ---------------------------------------------------------------------------------------------
def attach(name: str) -> Callable[[World], list[str]]:
    return lambda w: ["attach", str(w.built.meeting_id), _where(w, name)]


def evidence(name: str) -> Callable[[World], list[str]]:
    return lambda w: [
        "consent",
        "give",
        str(w.built.meeting_id),
        "Tom",
        "--scope",
        "all",
        "--method",
        "form",
        "--evidence",
        _where(w, name),
    ]


def agenda(name: str) -> Callable[[World], list[str]]:
    return lambda w: ["meeting", "agenda", str(w.built.meeting_id), _where(w, name)]


def edited(name: str) -> Callable[[World], list[str]]:
    return lambda w: ["review", "edit", str(w.built.draft_id), "--by", "R", "--from", _where(w, name)]


def _where(w: World, name: str) -> str:
    return name if name.startswith("/") else w.device(name[4:]) if name.startswith("dev:") else w.at(name)


def export_to(where: Callable[[World], str], *extra: str) -> Callable[[World], list[str]]:
    return lambda w: ["export", str(w.built.draft_id), "--format", "md", "--out", where(w), *extra]


def unchanged(name: str) -> Callable[[World], bool]:
    return lambda w: (w.inputs / name).read_text() == "someone else's document\n"


def still(name: str, test: Callable[[int], bool]) -> Callable[[World], bool]:
    return lambda w: test(os.stat(_where(w, name)).st_mode)


def database_intact(w: World) -> bool:
    with sqlite3.connect(w.home / "minutes.db") as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


HOURS_1000 = "[limits]\nmax_audio_hours = 1000\n"
CASES = [
    # headers that lie
    Case("wav claims 1 Hz", attach("rate-1hz.wav"), 2, "sample rate of 1 Hz"),
    Case("wav claims 100 Hz", attach("rate-100hz.wav"), 2, "sample rate of 100 Hz"),
    Case("wav claims 0 Hz", attach("rate-0.wav"), 2, "not a readable audio"),
    Case("wav claims 4 GHz", attach("rate-4ghz.wav"), 2, "not a readable audio"),
    # PyAV 18.1.0 reads an out-of-range count as 0, 18.1.1 passes 65535 through: either is refused
    Case("wav claims 0 channels", attach("channels-0.wav"), 2, "a recording has 1-32 channels"),
    Case("wav claims 65535 channels", attach("channels-65535.wav"), 2, "a recording has 1-32 channels"),
    Case("wav claims 0 bits per sample", attach("bits-0.wav"), 2, "unsupported audio codec"),
    Case("wav data chunk beyond the file", attach("data-beyond-file.wav"), 2, "truncated file"),
    Case("flac declares 49 days", attach("declares-hours.flac"), 2, "over the limit of 8 hours"),
    Case(
        "flac declares more than its bytes hold",
        attach("declares-hours.flac"),
        2,
        "bytes can hold",
        config=HOURS_1000,
    ),
    Case(
        "flac declares 1 s, decodes 12 s",
        attach("declares-1s.flac"),
        2,
        "decodes to more than",
        config="[limits]\nmax_audio_hours = 0.002\n",
    ),
    Case(
        "recording over max_audio_hours",
        attach(str(DEMO / "meeting.wav")),
        2,
        "over the limit of 36.0 s",
        config="[limits]\nmax_audio_hours = 0.01\n",
    ),
    Case("text file named .wav", attach("text.wav"), 2, "not a readable audio"),
    Case("empty .wav", attach("empty.wav"), 2, "empty file"),
    # special files
    Case("recording a zero device", attach("dev:zero"), 2, "not a file"),
    Case("recording FIFO", attach("fifo"), 2, "not a file"),
    Case("recording folder", attach("folder"), 2, "is a directory", one_line=False),
    Case("evidence a zero device", evidence("dev:zero"), 2, "not a regular file"),
    Case("evidence link to a zero device", evidence("link-to-zero"), 2, "not a regular file"),
    Case("evidence FIFO", evidence("fifo"), 2, "not a regular file"),
    Case("evidence folder", evidence("folder"), 2, "is a folder"),
    # issue 40, item 4: an agenda or an edited document from a device or a FIFO is refused before it is read
    Case("agenda a zero device", agenda("dev:zero"), 2, "not a regular file"),
    Case("agenda FIFO", agenda("fifo"), 2, "not a regular file"),
    Case("agenda folder", agenda("folder"), 2, "is a directory", one_line=False),
    Case("edited document a zero device", edited("dev:zero"), 2, "not a regular file"),
    Case("edited document FIFO", edited("fifo"), 2, "not a regular file"),
    Case("edited document a link to a zero device", edited("link-to-zero"), 2, "not a regular file"),
    Case(
        "evidence over max_evidence_mb",
        evidence("form-2kb.pdf"),
        2,
        "larger than the limit of 0.001 MB",
        config="[limits]\nmax_evidence_mb = 0.001\n",
    ),
    Case(
        "export to a full device",
        export_to(lambda w: w.device("full")),
        2,
        "not a regular file",
        intact=still("dev:full", stat.S_ISCHR),
    ),
    Case(
        "export to a full device --force",
        export_to(lambda w: w.device("full"), "--force"),
        2,
        "not a regular file",
        intact=still("dev:full", stat.S_ISCHR),
    ),
    Case(
        "export to a null device",
        export_to(lambda w: w.device("null")),
        2,
        "not a regular file",
        intact=still("dev:null", stat.S_ISCHR),
    ),
    Case(
        "export to a FIFO",
        export_to(lambda w: w.at("fifo"), "--force"),
        2,
        "not a regular file",
        intact=still("fifo", stat.S_ISFIFO),
    ),
    Case(
        "export to a folder",
        export_to(lambda w: w.at("folder")),
        2,
        "is a folder",
        intact=still("folder", stat.S_ISDIR),
    ),
    Case(
        "export over an existing file",
        export_to(lambda w: w.at("existing.md")),
        2,
        "already exists",
        intact=unchanged("existing.md"),
    ),
    Case(
        "export to a link",
        export_to(lambda w: w.at("link-to-file.md"), "--force"),
        2,
        "not a regular file",
        intact=unchanged("existing.md"),
    ),
    # paths inside the home
    Case(
        "export over minutes.db",
        export_to(lambda w: str(w.home / "minutes.db")),
        2,
        "inside MINUTES_HOME",
        intact=database_intact,
    ),
    Case(
        "export over minutes.db --force",
        export_to(lambda w: str(w.home / "minutes.db"), "--force"),
        2,
        "inside MINUTES_HOME",
        intact=database_intact,
    ),
    Case(
        "export to a new file in the home",
        export_to(lambda w: str(w.home / "new.md")),
        2,
        "inside MINUTES_HOME",
        intact=lambda w: not (w.home / "new.md").exists(),
    ),
    Case(
        "export into the exports folder",
        export_to(lambda w: str(w.home / "files" / "exports" / "x.md")),
        2,
        "inside MINUTES_HOME",
    ),
    Case("export to the home itself", export_to(lambda w: str(w.home), "--force"), 2, "inside MINUTES_HOME"),
    Case(
        "export through a link into the home",
        export_to(lambda w: w.at("into-home/x.md")),
        2,
        "inside MINUTES_HOME",
    ),
    Case(
        "export via .. into the home",
        export_to(lambda w: w.at("../home/minutes.db"), "--force"),
        2,
        "inside MINUTES_HOME",
        intact=database_intact,
    ),
]


# -- the check ---------------------------------------------------------------------------------------------
def stored(home: Path) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Rows in every table, and every file in the store (logs may grow; nothing else may change)."""
    with sqlite3.connect(home / "minutes.db") as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    files = sorted((str(p.relative_to(home)), p.stat().st_size) for p in (home / "files").rglob("*"))
    return rows, files


@contextmanager
def bounded(seconds: int, extra_bytes: int) -> Iterator[None]:
    """A hang (a FIFO opened for reading) becomes a TimeoutError and a runaway read (a zero device) a
    MemoryError, so a regression fails the test instead of stalling the suite or exhausting the machine."""

    def expire(*_):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    limits = resource.getrlimit(resource.RLIMIT_AS)
    in_use = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (in_use + extra_bytes, limits[1]))
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, limits)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_refused_cleanly(world: World, case: Case):
    config = world.home / "config.toml"
    before = stored(world.home)
    config.write_text(case.config)
    args = case.args(world)
    try:
        with bounded(30, 2 * 1024**3):
            result = run(*args)
    finally:
        config.unlink()
    assert result.exit_code == case.code, result.output
    assert case.says in result.output
    if case.one_line:
        assert result.output.startswith("error: ") and result.output.strip().count("\n") == 0, result.output
    assert stored(world.home) == before, "nothing is stored"
    assert case.intact is None or case.intact(world), "the target is untouched"


def test_case_ids_are_unique():
    assert len(CASES) == len({c.id for c in CASES})

"""A real `minutes process` makes no DNS lookup and no connection, seen from outside the process by strace.

The Python socket guard in conftest.py cannot see lookups made from C++ (onnxruntime's telemetry uploader
resolved mobile.events.data.microsoft.com every few seconds), so this runs the whole chain (record, transcribe
with the Silero VAD, diarise, summarise with SmolLM2-135M, the same loading paths as the default models) under
`strace -f` and reads every socket call and file open of every thread and child.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
MINUTES = str(Path(sys.executable).parent / "minutes")
STRACE = shutil.which("strace")
# What a host name lookup touches: glibc's host files, systemd-resolved's sockets, port 53. nsswitch.conf and
# the nscd socket are left out: torch looks up the user name (getpwuid) through them.
LOOKUP_FILES = ("/etc/resolv.conf", "/etc/host.conf", "/etc/hosts", "/etc/gai.conf")
LOOKUP_SOCKETS = ("/systemd/resolve/", "io.systemd.Resolve")
ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')
SOCKET_CALL = re.compile(r"\b(connect|sendto|sendmsg|sendmmsg|bind)\(")


def network_problems(trace: str) -> list[str]:
    """Every traced line that shows a lookup, a non-loopback address, or onnxruntime's telemetry store."""
    problems = []
    for line in trace.splitlines():
        if SOCKET_CALL.search(line):
            if "htons(53)" in line or any(s in line for s in LOOKUP_SOCKETS):
                problems.append(line)
            for v4, v6 in ADDRESS.findall(line):
                address = ipaddress.ip_address(v4 or v6)
                if not (address.is_loopback or address.is_unspecified):
                    problems.append(line)
        elif (
            "openat(" in line
            and ("= -1" not in line)
            and (any(f'"{f}"' in line for f in LOOKUP_FILES) or "/.onnxruntime" in line)
        ):
            problems.append(line)
    return problems


def test_the_trace_reader_finds_what_onnxruntime_did():
    """Lines as strace 6 printed them for onnxruntime 1.32.0 before the fix; the reader must flag each."""
    seen = [
        '8801  connect(9, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0',
        '7033  openat(AT_FDCWD, "/root/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db", '
        "O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0644) = 3",
        "9  connect(3, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "2603:1030::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH',
        '9  openat(AT_FDCWD, "/etc/resolv.conf", O_RDONLY|O_CLOEXEC) = 5',
        '9  connect(5, {sa_family=AF_UNIX, sun_path="/run/systemd/resolve/io.systemd.Resolve"}, 42) = 0',
    ]
    fine = [
        '9  connect(5, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '9  openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)',
        '9  connect(4, {sa_family=AF_UNIX, sun_path="/tmp/.s.PGSQL.5432"}, 110) = 0',
        '9  connect(7, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file)',
        '9  openat(AT_FDCWD, "/etc/nsswitch.conf", O_RDONLY|O_CLOEXEC) = 7',
    ]
    assert [line for line in seen if network_problems(line)] == seen
    assert network_problems("\n".join(fine)) == []


@pytest.fixture
def consented_meeting(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[models]\nextractor = "smollm2-135m-instruct"\n')
    monkeypatch.setenv("MINUTES_HOME", str(home))
    for args in (
        [
            "meeting",
            "create",
            "Trace check",
            "--date",
            "2026-11-23",
            "--participant",
            "Alex",
            "--participant",
            "Blake",
        ],
        *(["consent", "give", "1", who, "--scope", "all", "--method", "verbal"] for who in ("Alex", "Blake")),
    ):
        done = subprocess.run([MINUTES, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    return home


@pytest.mark.skipif(STRACE is None, reason="strace is not installed (apt-get install strace; CI installs it)")
def test_process_makes_no_lookup_and_no_connection(consented_meeting, tmp_path, data):
    trace = tmp_path / "trace.txt"
    done = subprocess.run(
        [
            STRACE,
            "-f",
            "-qq",
            "-e",
            "trace=%network,openat",
            "-o",
            str(trace),
            MINUTES,
            "process",
            "1",
            str(data / "jfk.flac"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    stages = {s["stage"]: s["status"] for s in json.loads(done.stdout)["stages"]}
    assert stages == dict.fromkeys(("record", "transcribe", "diarise", "summarise"), "done"), stages
    text = trace.read_text(errors="replace")
    assert "onnxruntime" in text and "ctranslate2" in text and "torch" in text  # every model stack was traced
    assert network_problems(text) == []

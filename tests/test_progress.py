"""Progress off a terminal (issue 15, 2.7): one line per stage, never a bar or percentages repeated."""

from __future__ import annotations

import io

from canned import Cast, FakeAsr
from processed_meeting import DEMO, PEOPLE, build, run

from minutes.core.config import load_settings
from minutes.core.progress import PlainReporter, terminal
from minutes.run import pipeline


def test_plain_reporter_says_one_line_per_stage_however_often_it_is_updated():
    out = io.StringIO()
    reporter = PlainReporter(stream=out, prefix="a.wav: ")
    for stage in ("transcribe", "diarise"):
        reporter.start(stage, total=100)
        for done in range(101):
            reporter.update(done, 100)
        reporter.finish("done", "8 segments")
    lines = out.getvalue().splitlines()
    assert [line.split(" in ")[0] for line in lines] == ["a.wav: transcribe: done", "a.wav: diarise: done"]
    assert all(line.endswith("(8 segments)") for line in lines)


def test_process_off_a_terminal_prints_one_line_per_stage(home, monkeypatch):
    built = build(load_settings())
    for name in PEOPLE:
        assert (
            run("consent", "give", 1, name, "--scope", "record,transcribe", "--method", "verbal").exit_code
            == 0
        )
    asr = FakeAsr(Cast(PEOPLE, "p", {}))
    monkeypatch.setattr(pipeline.Engines, "asr", property(lambda self: asr))
    assert not terminal()  # CliRunner's streams are not terminals
    result = run("process", built.meeting_id, DEMO / "meeting.wav", "--replace")
    assert result.exit_code == 5, result.output  # nobody consented to diarise
    progress = [line.split(" in ")[0] for line in result.stderr.splitlines()]
    assert progress == ["record: done", "transcribe: done", "diarise: blocked"], result.stderr

"""Diarisation alongside transcription: the voice work needs only the audio, so it runs on a thread of its own.

On the CPU the diarisation model runs on one torch thread (minutes.engines.diarisation) while the ASR takes the
other cores, so the two speech stages take about as long as the longer of them rather than their sum; once
transcription ends, the search takes every core for the rest of its batches. Both gates
are passed before either model starts: the diarise stage is begun (checked and recorded as started) before its
thread starts, only when its gate allows it at that moment; otherwise the stages run one after the other as
before and the diarise gate is met in its turn. A withdrawal while both run marks both stages blocked, and each
commit discards its result (minutes.run.stages). The thread is a daemon, so Ctrl-C is not held up by it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future

from minutes.consent import gate
from minutes.run.stages import Blocked, Run, Write
from minutes.run.voices import Voices, find_voices, voice_inputs

UNUSED = "not used: transcription did not finish, so the voices found could not be attributed"


def alongside(transcribe: Callable[[Run], Write]) -> Callable[[Run], Write]:
    """The transcribe stage's compute, starting the voice search first. It runs once the transcribe stage is
    begun, so the diarise stage is begun after it: a rerun tells a current diarisation by that order."""

    def compute(run: Run) -> Write:
        transcribing = threading.Event()
        transcribing.set()
        start_voices(run, transcribing)
        try:
            return transcribe(run)
        finally:
            transcribing.clear()

    return compute


def start_voices(run: Run, transcribing: threading.Event) -> None:
    """Begin the diarise stage and start finding voices on a thread, when overlap is on and the gate allows.
    The search uses the diarisation's own threads while `transcribing` is set, and every core once it is
    cleared (the ASR's cores would idle for the rest of the search otherwise)."""
    if not run.engines.options.overlap or run.voices is not None:
        return
    with run.db.session() as s:
        if not gate.check(s, run.meeting_id, "diarise").allowed:
            return  # met in its turn, after transcription, and reported there
    try:
        run.begin("diarise")
    except Blocked:  # consent changed in the instant since the check: the stage is recorded blocked
        return
    inputs = voice_inputs(run)
    run.voices = Future()
    engines = run.engines
    cores = engines.options.threads or os.cpu_count() or 1

    def threads() -> int:
        return engines.diarisation.threads if transcribing.is_set() else cores

    def work(future: Future[Voices]) -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(find_voices(run, *inputs, threads=threads))
            except BaseException as exc:  # handed to the diarise stage, which raises it
                future.set_exception(exc)

    threading.Thread(target=work, args=(run.voices,), name="voices", daemon=True).start()


def settle(run: Run, wait: bool) -> None:
    """After the stages: wait for a voice search nobody used (unless the run is being interrupted), so the next
    file of a batch does not share the model with it, and close its stage as blocked."""
    if run.voices is not None and wait:
        run.voices.exception()  # waits; an error there is moot once transcription did not finish
    run.voices = None
    run.close_open("blocked", UNUSED)

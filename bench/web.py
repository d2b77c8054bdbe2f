"""Web app latency: the meetings list, the review page of a 30-minute meeting and its in-place steps (an
item's edit form, keeping an item, a line's add-item form, changing an item's kind and undoing it: the part of
the page htmx swaps), with 200 meetings in the store.

Builds a throwaway store (no models needed): 199 meetings with four participants and consent in various
states, and one processed 30-minute meeting (a transcript of 283 segments and 5,545 timed words, named
speakers, and a draft of 10 decisions, 20 actions and 3 flags citing it). Then times GET requests through the
real app (FastAPI's TestClient: routing, session check, service calls, templates; no network) and prints
p50/p95.

    python bench/web.py [--requests 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from minutes.consent import ledger
from minutes.consent.meetings import participants_of
from minutes.core import types
from minutes.core.config import load_settings
from minutes.db import ItemStatus, Recording, SpeakerLabel
from minutes.records.meetings import create_meeting
from minutes.review import create_draft
from minutes.service import Ctx, users
from minutes.speech.transcripts import save_transcript
from minutes.web.app import create_app

PEOPLE = ["Priya:chair", "Tom", "Helen", "Sam"]
WORDS = (
    "we agreed that the trip moves to april and tom will book the coach by friday while helen checks "
    "the budget with the business manager before the next meeting"
).split()


def _transcript(minutes: int, rng: random.Random) -> types.Transcript:
    segments, t = [], 0.0
    while t < minutes * 60:
        n = rng.randint(8, 30)
        words = [
            types.Word(
                start=round(t + i * 0.3, 2),
                end=round(t + i * 0.3 + 0.25, 2),
                word=rng.choice(WORDS),
                probability=0.9,
                speaker=f"SPEAKER_{rng.randint(0, 3):02d}",
            )
            for i in range(n)
        ]
        segments.append(
            types.Segment(
                start=t,
                end=t + n * 0.3,
                text=" ".join(w.word for w in words),
                words=words,
                speaker=words[0].speaker,
            )
        )
        t += n * 0.3 + 0.5
    return types.Transcript(language="en", duration=t, segments=segments)


def _draft(tr: types.Transcript, rng: random.Random) -> types.Draft:
    def ev() -> list[types.Evidence]:
        seg = rng.choice(tr.segments)
        return [types.Evidence(start=seg.start, end=seg.end, quote=seg.text)]

    return types.Draft(
        decisions=[
            types.Decision(text=f"Decision {i}: " + " ".join(rng.sample(WORDS, 8)), evidence=ev())
            for i in range(10)
        ],
        actions=[
            types.Action(
                task=f"Action {i}: " + " ".join(rng.sample(WORDS, 6)),
                owner="Tom",
                due="2026-12-01",
                evidence=ev(),
                status=ItemStatus.UNSUPPORTED if i % 7 == 0 else ItemStatus.SUPPORTED,
            )
            for i in range(20)
        ],
        summary="A long meeting.",
        flags=[types.Flag(kind="safeguarding", reason="a named child", evidence=ev()) for _ in range(3)],
        notes=["an owner was changed"],
    )


def build(ctx: Ctx, meetings: int, rng: random.Random) -> int:
    """The store's meetings; returns the 30-minute meeting's draft id."""
    with ctx.tx() as s:
        for i in range(meetings - 1):
            m = create_meeting(
                s,
                f"Meeting {i} of the {rng.choice(['science', 'maths', 'governors'])} team",
                dt.date(2026, 1, 1) + dt.timedelta(days=i),
                PEOPLE,
                actor="bench",
            )
            for name in rng.sample(["Priya", "Tom", "Helen", "Sam"], rng.randint(0, 4)):
                ledger.give(s, m.id, name, "all", "verbal", recorded_by="bench")
        m = create_meeting(s, "Full governing board (30 minutes)", "2026-11-23", PEOPLE, actor="bench")
        rec = Recording(
            meeting_id=m.id,
            path="recordings/none.wav",
            original_name="x.wav",
            sha256="0" * 64,
            duration=1800.0,
        )
        s.add(rec)
        s.flush()
        tr = _transcript(30, rng)
        row = save_transcript(s, m.id, rec.id, tr, "bench")
        for i, p in enumerate(participants_of(s, m.id)):
            s.add(
                SpeakerLabel(
                    recording_id=rec.id, label=f"SPEAKER_{i:02d}", participant_id=p.id, method="manual"
                )
            )
        return create_draft(s, m.id, row.id, _draft(tr, rng), "bench").id


def request(client: TestClient, path: str, form: dict | None):
    """GET `path` (a part of the review page as htmx asks for it), or POST `form` to it as htmx does."""
    htmx = {"HX-Request": "true"} if "/items/" in path or "/lines/" in path else None
    return client.get(path, headers=htmx) if form is None else client.post(path, data=form, headers=htmx)


def timed(client: TestClient, path: str, n: int, form: dict | None = None) -> tuple[list[float], int]:
    """Milliseconds per request, and the size of the last answer; a `path` of two steps ("A | B", each "URL" or
    "URL kind") times them one after the other, as one (a change and its undo: each round starts from the same
    draft)."""
    out, response = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        for step in path.split(" | "):
            url, _, kind = step.partition(" ")
            response = request(client, url, form if not kind else {**(form or {}), "kind": kind})
            assert response.status_code == 200, (url, response.status_code)
        out.append((time.perf_counter() - t0) * 1000)
    return out, len(response.content) if response is not None else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--meetings", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MINUTES_HOME"] = tmp
        ctx = Ctx.open(load_settings(Path(tmp)))
        draft = build(ctx, args.meetings, random.Random(7))
        users.add_user(ctx, "bench", "reviewer", "bench password", "bench")
        client = TestClient(create_app(ctx))
        page = client.get("/login").text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        client.post("/login", data={"csrf": token, "name": "bench", "password": "bench password"})
        token = client.get("/").text.split('name="csrf" value="')[1].split('"')[0]
        keep = {"csrf": token, "how": "keep"}
        for label, path, form in (
            ("meetings list (page 1 of 4)", "/", None),
            ("meetings list, title search", "/?q=science", None),
            ("review page, 30-minute meeting", f"/drafts/{draft}", None),
            ("review: an item's edit form", f"/drafts/{draft}/items/a2/edit", None),
            ("review: keep an item (in place)", f"/drafts/{draft}/items/a2", keep),
            ("review: a line's add-item form", f"/drafts/{draft}/lines/40/add?to=42", None),
            (
                "review: change kind, then undo",
                f"/drafts/{draft}/items/d3/kind action | /drafts/{draft}/items/d3/restore",
                {"csrf": token},
            ),
        ):
            timed(client, path, 3, form)  # warm up
            ms, size = timed(client, path, args.requests, form)
            ms.sort()
            p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
            size //= 1024
            print(
                f"{label:<34} p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  ({len(ms)} requests, "
                f"{size} KiB)"
            )
        ctx.close()


if __name__ == "__main__":
    main()

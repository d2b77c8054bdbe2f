"""The demo's setup step without the models: it makes the meeting with consent once, and reuses it after."""

from __future__ import annotations

import io

from rich.console import Console

from minutes.cli.app import App
from minutes.cli.demo import _demo_meeting, load_spec
from minutes.consent.status import consent_status


def test_demo_meeting_is_made_with_consent_once_and_reused(home):
    app, spec = App(), load_spec()
    out = Console(file=io.StringIO(), width=200)
    first = _demo_meeting(app.ctx(), spec, out)
    again = _demo_meeting(app.ctx(), spec, out)
    with app.session() as s:
        status = consent_status(s, first)
    app.close()
    assert again == first
    assert len(status.participants) == len(spec["participants"])
    assert f"reusing demo meeting {first}" in out.file.getvalue()

"""An unreviewed draft as Markdown, for reading at the terminal (`minutes extract`)."""

from __future__ import annotations

from minutes.core.types import Draft, Evidence
from minutes.db import ItemStatus


def markdown(draft: Draft) -> str:
    """The draft as Markdown, for reading at the terminal (marked as an unreviewed draft)."""
    out = ["# Draft minutes (unreviewed)", ""]
    if draft.summary:
        out += ["## Summary", "", draft.summary, ""]
    out += ["## Decisions", ""]
    out += [f"- {d.text}{_mark(d.status)} {_cite(d.evidence)}" for d in draft.decisions] or ["- none"]
    out += ["", "## Actions", ""]
    out += [
        f"- {a.task} (owner: {a.owner or 'unassigned'}; due: {a.due or 'not set'}){_mark(a.status)} "
        f"{_cite(a.evidence)}"
        for a in draft.actions
    ] or ["- none"]
    if draft.points:
        out += ["", "## Discussion", ""]
        out += [f"- {p.text}{_mark(p.status)} {_cite(p.evidence)}" for p in draft.points]
    if draft.flags:
        out += ["", "## Flags for human handling", ""]
        out += [f"- [{f.kind}] {f.reason} {_cite(f.evidence)}" for f in draft.flags]
    if draft.notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in draft.notes]
    return "\n".join(out) + "\n"


def _mark(status: str) -> str:
    return " **[unsupported]**" if status != ItemStatus.SUPPORTED else ""


def _cite(evidence: list[Evidence]) -> str:
    return " ".join(f"[{e.start:.1f}-{e.end:.1f}s]" for e in evidence)

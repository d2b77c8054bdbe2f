"""The part-2 (confidential) record: sending a sensitive flag there, and exporting it, for reviewers only.

Sending a flag to part 2 is a review resolution (`review.resolve(..., "part2")`), audited like keep or remove.
The export is allowed to the reviewer role alone, whichever front end asks: the web app passes the signed-in
user, the command line the account named with `--by` (`users.account`). Everything else (release checks, the
Export row that a withdrawal invalidates, the audit event) is `minutes.records.part2`.
"""

from __future__ import annotations

from pathlib import Path

from minutes import review
from minutes.records import part2
from minutes.records.export import ExportResult
from minutes.service import users
from minutes.service.context import Ctx
from minutes.service.release import Download

PERMISSION = "part2.export"
MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def send(ctx: Ctx, draft_id: int, ref: str, actor: str) -> review.ItemView:
    """Send a sensitive flag to the part-2 record (it then no longer blocks approval)."""
    with ctx.tx() as s:
        return review.resolve(s, draft_id, ref, part2.KIND, actor)


def export(
    ctx: Ctx,
    draft_id: int,
    fmt: str,
    user: users.UserInfo,
    template: str = "governors",
    out: Path | None = None,
    force: bool = False,
) -> ExportResult:
    """Write the part-2 record of released minutes; Forbidden unless `user` is a reviewer."""
    users.require(user, PERMISSION)
    with ctx.tx() as s:
        return part2.export(s, ctx.settings, draft_id, fmt, user.name, template, out, force)


def download(
    ctx: Ctx, draft_id: int, fmt: str, user: users.UserInfo, template: str = "governors"
) -> Download:
    """`export` to the store's exports folder, returned as a file for the browser."""
    result = export(ctx, draft_id, fmt, user, template)
    name = f"meeting-{draft_id}-part2-confidential.{result.format}"
    return Download(name, MEDIA[result.format], Path(result.path).read_bytes())

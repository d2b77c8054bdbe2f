"""The pending accuracy-check queue, one API over four modules: items (drafts and items as stored), views (what
the queue shows), states (approve, reject, release and the steps between) and edits (the reviewer's changes).

Callers use `from minutes import review` and `review.approve(...)`; which module holds a function is this
package's business.

Sensitive flags (clear one, flag lines, a reviewer's decisions for a re-draft) are in `minutes.review.flags`.
"""

from minutes.review import manual, redraft
from minutes.review.edits import EditResult, edit, editable_document, move, resolve, restore
from minutes.review.items import (
    KINDS,
    content_sha256,
    create_draft,
    draft_as_types,
    draft_items,
    evidence_rows,
    find_item,
    get_draft,
    meeting_sha256,
)
from minutes.review.manual import add, change_kind, cited, draft_transcript, transcript_lines
from minutes.review.states import add_step, approve, reissue, reject, release, transition
from minutes.review.views import (
    DraftDiff,
    DraftSummary,
    DraftView,
    ItemView,
    approver,
    diff,
    history,
    latest_release,
    list_drafts,
    show,
    to_jsonable,
)

__all__ = [
    "KINDS",
    "DraftDiff",
    "DraftSummary",
    "DraftView",
    "EditResult",
    "ItemView",
    "add",
    "add_step",
    "approve",
    "approver",
    "change_kind",
    "cited",
    "content_sha256",
    "create_draft",
    "diff",
    "draft_as_types",
    "draft_transcript",
    "draft_items",
    "edit",
    "editable_document",
    "evidence_rows",
    "find_item",
    "get_draft",
    "history",
    "latest_release",
    "list_drafts",
    "manual",
    "meeting_sha256",
    "move",
    "redraft",
    "reissue",
    "reject",
    "release",
    "resolve",
    "restore",
    "show",
    "to_jsonable",
    "transcript_lines",
    "transition",
]

"""The drafting stage's tunables in one typed object (as pyannote keeps a pipeline's hyper-parameters), so a
run on the dev meetings (`bench/quality_extraction.py`) can report the values it used, and a change to one is
a change in one place. The values are the ones the stop-19 figures in the README were measured with.

Scores are rapidfuzz scores (0-100); line counts are transcript lines (one per segment).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DraftingParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # the model calls
    chunk_tokens: int = Field(1400, gt=0)  # transcript tokens per model call
    overlap_lines: int = Field(3, ge=0)  # lines of the previous chunk repeated at the start of the next
    max_new_tokens: int = Field(
        1400, gt=0
    )  # above the longest reply the schema allows; a cut reply is flagged
    # evidence
    quote_score: int = Field(80, ge=0, le=100)  # a quote at least this close to what was said was said
    quote_tolerance: float = Field(
        1.0, ge=0
    )  # seconds either side of an evidence range searched for its quote
    max_evidence_lines: int = Field(4, gt=0)  # lines an item cites at most
    astray: float = Field(0.25, ge=0, le=1)  # cited lines with a smaller share of the item's stems are wrong
    settling_lines: int = Field(
        2, ge=0
    )  # lines after an item's evidence where the meeting agrees or puts off
    reversal_lead_up: int = Field(6, ge=0)  # lines before a reversing decision where the earlier one is named
    handover_lines: int = Field(3, ge=0)  # lines after an action's evidence searched for a hand-over
    # sensitive passages (minutes.drafting.sensitive)
    sensitive_follow: int = Field(4, ge=0)  # lines after a flagged one that may continue its matter
    sensitive_back: int = Field(3, ge=0)  # lines before a flagged one searched for whom it is about
    sensitive_gap: int = Field(3, ge=0)  # flagged lines at most this many lines apart are one passage
    sensitive_reaction_words: int = Field(8, ge=0)  # a line this short after a flagged one is a reaction
    sensitive_rare_lines: int = Field(3, ge=1)  # a word said on at most this many lines is a matter's own
    sensitive_ask_words: int = Field(4, ge=1)  # lines shorter than this are not put to the model
    sensitive_group: int = Field(4, ge=1)  # lines the model judges in one question
    sensitive_threshold: float = Field(
        0.8, ge=0, le=1
    )  # P(yes) at which the model flags (minutes.drafting.private)
    # one item or two
    example_score: int = Field(
        90, ge=0, le=100
    )  # this close to a prompt's worked example: the example repeated
    same_decision_score: int = Field(92, ge=0, le=100)  # wording this close: the same decision
    same_decision_cited_score: int = Field(60, ge=0, le=100)  # ... or this close, citing a line in common
    same_action_score: int = Field(75, ge=0, le=100)  # the same owner and a task this close: the same action
    same_action_cited_score: int = Field(50, ge=0, le=100)  # ... or this close, citing a line in common
    repeats_action_score: int = Field(
        80, ge=0, le=100
    )  # a decision worded this close to an action repeats it
    repeats_owned_action_score: int = Field(70, ge=0, le=100)  # ... or this close, naming the action's owner
    repeats_action_stems: float = Field(0.5, ge=0, le=1)  # ... or sharing this much, from the action's lines


DRAFTING = DraftingParams()

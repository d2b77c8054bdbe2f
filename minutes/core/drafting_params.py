"""The drafting stage's tunables in one typed object (as pyannote keeps a pipeline's hyper-parameters), so a
run on the dev meetings (`bench/quality_extraction.py`) can report the values it used, and a change to one is
a change in one place.

Every rule applied to the model's items has a name in `RULES` and can be switched off (`off`), so the bench can
measure what each rule does on every dev meeting (`bench/quality_extraction.py --ablate`; the table is in
docs/drafting-rules.md). A rule stays only while turning it off changes more than one meeting, or while it is a
plain correctness guard (parsing, bounds), which has no switch.

Every field is settable from `config.toml`'s `[drafting]` table (Settings.drafting, as `[diarisation]` sets
DiarisationParams); the defaults are the measured ones. It lives in core, below the drafting stage, because the
settings hold it.

Scores are rapidfuzz scores (0-100); stem shares are the share of an item's content-word stems (0-1); line
counts are transcript lines (one per segment); tokens are the extractor's tokens.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Rule = Literal[
    # decisions
    "outcome",  # the model's outcome other than "agreed" (rejected, deferred, reversed, reported...) drops it
    "no_question",  # an item worded as a question, or holding one, is none
    "few_words",  # an item of under two content words is none
    "example_repeated",  # an item that repeats a prompt's worked example is none
    "settled",  # a decision the meeting is not heard to agree in its lines and the next ones is none
    "settle_vote_closes",  # ... where a vote's result in its lines closes the item (later lines are another's)
    "judge_decisions",  # each decision is put to the model as a yes/no question: did the meeting settle it?
    "decision_looks",  # a settling line no decision cites gets a second, focused look
    "yes_looks",  # ... and so does a yes answering another's question that proposes something
    "look_said_in",  # a look's answer must be said in the lines it was shown
    "looks_scale",  # the caps on looks and questions grow with the meeting's length (else fixed per meeting)
    "merge",  # duplicates within and across chunks are merged
    "consolidate",  # a long meeting's decisions get a final pass that merges them and drops those changed later
    "repeats_action",  # a decision that restates an action is none
    "motions",  # a decision's proposer, seconder and vote are read from its lines
    # actions
    "action_kind",  # a task the model marks only suggested or already done is none
    "taken_on",  # an action nobody takes on in its lines is none
    "taker",  # ... unless exactly one other participant takes it on there: then it is theirs
    "due_said",  # a due the calendar cannot place gives way to the one date the task's lines say
    "task_looks",  # a line where someone takes a task on that no action cites gets a second look
    "look_spoken_task",  # a look that answers with another line's task takes the line's own words
    # evidence and people
    "evidence_neighbour",  # a line cited alone whose neighbour holds more of the item is replaced by it
    "evidence_astray",  # cited lines holding almost none of the item give way to the line that holds it
    "addressed_cue",  # a participant addressed by name marks a candidate line
    "intro_roles",  # roles come from the meeting's introductions when the participant list has none
    "faithful_points",  # a point naming someone who neither speaks nor is addressed in its lines is dropped
]
RULES: tuple[Rule, ...] = get_args(Rule)


class DraftingParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    off: frozenset[Rule] = frozenset()  # rules switched off (for measuring them; the product runs them all)
    # the model calls
    chunk_tokens: int = Field(1400, gt=0)  # transcript tokens per model call
    overlap_lines: int = Field(3, ge=0)  # lines of the previous chunk repeated at the start of the next
    max_new_tokens: int = Field(
        1400, gt=0
    )  # above the longest reply the schema allows; a cut reply is flagged
    # the replies' schemas (minutes.drafting.prompts): caps the grammar holds the model to; each bounds a
    # reply's length (and so its time), set above what a chunk of 1400 tokens held on the dev meetings
    max_actions: int = Field(8, ge=0)  # actions one chunk's reply lists at most
    max_decisions: int = Field(6, ge=0)  # decisions one chunk's reply lists at most
    max_points: int = Field(4, ge=0)  # discussion points one chunk's reply lists at most
    max_owners: int = Field(3, ge=0)  # owners of one action at most (joint owners are two; three is a team)
    item_chars: int = Field(
        160, gt=3
    )  # characters of a task or decision's text at most: one minute's sentence
    point_chars: int = Field(200, gt=3)  # characters of a discussion point at most (it says what, and why)
    due_chars: int = Field(40, gt=0)  # characters of a due phrase at most ("by the end of the spring term")
    consolidate_sources: int = Field(
        4, gt=0
    )  # drafted decisions one decision of the final pass merges at most
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
    # shares of an item's content-word stems (0-1) that make two wordings one matter
    same_matter_stems: float = Field(0.5, ge=0, le=1)  # half the shorter wording's stems: the same matter
    twin_decision_stems: float = Field(0.6, ge=0, le=1)  # a look's decision this close restates a drafted one
    twin_task_stems: float = Field(
        0.8, ge=0, le=1
    )  # a look's task needs nearly all the drafted task's stems (and its owner)
    said_in_stems: float = Field(
        0.5, ge=0, le=1
    )  # a look's answer is said in its lines with this share of them
    astray_best_stems: float = Field(
        0.5, ge=0, le=1
    )  # astray evidence gives way only to a line holding this share of the item
    # second looks (minutes.drafting.looks); each look is a short model call, each question a prefill
    max_second_looks: int = Field(12, ge=0)  # focused looks at uncited cue lines per meeting, at least
    # ... and per transcript line (rule "looks_scale"): the caps of 12 were set on dev meetings of 20-59 lines,
    # where they reached every cue line; fixed, they starved the second half of a 150-300-line meeting (on the
    # 237-line committee the twelfth look fell at line 98). 0.2 a line is 12 per 60 lines, the rate they had.
    looks_per_line: float = Field(0.2, ge=0)
    look_before_decision: int = Field(
        8, ge=0
    )  # lines shown before a settling line: a decision sums up a longer lead-up
    look_before_task: int = Field(
        3, ge=0
    )  # lines shown before a task line, which answers the request just before
    answer_lines: int = Field(
        2, ge=1
    )  # lines before a yes searched for the proposing question it answers (rule "yes_looks")
    look_tokens: int = Field(120, gt=0)  # new tokens a look's reply may take (one short JSON object)
    # yes/no questions (minutes.drafting.judge): probabilities of "Yes" from one prefill
    judge_yes: float = Field(0.5, ge=0, le=1)  # P(yes) at or above which a minute is judged decided
    passage_before: int = Field(2, ge=0)  # lines shown before a question's passage (its lead-up)
    passage_after: int = Field(1, ge=0)  # lines shown after it (the reply that settles it)
    passage_max_lines: int = Field(
        8, gt=0
    )  # lines a passage shows at most (the last: where a matter settles)
    # the final pass over a long meeting's decisions (rule "consolidate")
    consolidate_tokens_per_decision: int = Field(70, gt=0)  # reply tokens per decision put to it
    consolidate_tokens_base: int = Field(20, ge=0)  # ... plus the reply's frame
    consolidate_quote_chars: int = Field(300, gt=0)  # characters of a decision's quotes shown with it
    # formal motions (minutes.drafting.motions)
    motion_before: int = Field(
        6, ge=0
    )  # lines before a decision's evidence searched for its proposer/seconder
    motion_after: int = Field(4, ge=0)  # lines after it searched for the vote's result
    # participants' roles from the introductions (rule "intro_roles")
    max_role_words: int = Field(6, gt=0)  # an introduced role longer than this is a sentence, not a role
    intro_lines: int = Field(20, gt=0)  # the opening lines searched for introductions
    # progress on the body's open actions found in the talk (minutes.drafting.progress); set on the invented
    # dev series in tests/data/dev/series, the only one there is
    progress_yes: float = Field(
        0.6, ge=0, le=1
    )  # P(yes) at which an action's likeliest line reports on it (and, asked again, says it is finished)
    progress_also: float = Field(0.9, ge=0, le=1)  # ... and at which any further line of it does
    progress_candidates: int = Field(6, gt=0)  # lines asked about per open action at most (best word matches)

    def on(self, rule: Rule) -> bool:
        """Whether a rule runs (all do, unless switched off to measure it)."""
        return rule not in self.off


DRAFTING = DraftingParams()

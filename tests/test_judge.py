"""Decisions are outcomes (issue 41): drafted decisions and candidate settling lines put to the model as yes/no
questions (minutes.drafting.judge), with a fake engine whose `judge` answers; actions taken on by a speaker
nobody has named; discussion points that misstate who does what. Invented lines; no model is loaded."""

from fake_engine import WEDNESDAY, FakeEngine, decides, meeting, reply

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.drafting import judge
from minutes.drafting.extract import extract
from minutes.drafting.windows import lines_of

REPORT = meeting(
    ("Ann", "Updates. The new library shelves went up on Monday."),  # 1
    ("Ben", "Good, happy with that."),  # 2: the assent a lexical rule takes for agreement
    ("Ann", "Are we still keeping the book fair in the hall?"),  # 3
    ("Cara", "Yes, the hall is best. Hall it is."),  # 4
)


def test_a_decision_the_model_judges_not_settled_in_its_lines_is_left_out():
    """The chunk's model marks a report "agreed"; asked about it with its lines, it says no, and the decision
    goes with a note. The question shows the minute and the lines it rests on."""
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1], "text": "The library shelves went up.", "outcome": "agreed"},
                {"lines": [3, 4], "text": "The book fair stays in the hall.", "outcome": "agreed"},
            ]
        ),
        judge=lambda q: 0.2 if 'Minute: "The library shelves' in q else decides(q),
    )
    draft = extract(engine, REPORT, ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["The book fair stays in the hall."]
    assert any("asked as a yes/no question" in n and "shelves" in n for n in draft.notes)
    asked = [q for q in engine.judged if judge.MINUTE in q]
    assert len(asked) == 2 and 'Minute: "The library shelves went up."' in asked[0]
    assert "1 Ann: Updates. The new library shelves went up on Monday." in asked[0]
    off = extract(
        FakeEngine(
            reply(decisions=[{"lines": [1], "text": "The library shelves went up.", "outcome": "agreed"}]),
            judge=lambda q: 0.0,
        ),
        REPORT,
        ["Ann", "Ben", "Cara"],
        WEDNESDAY,
        params=DraftingParams(off=frozenset({"judge_decisions"})),
    )
    assert [d.text for d in off.decisions] == ["The library shelves went up."]  # the switch turns it off


def test_a_passage_shows_the_lines_around():
    lines = lines_of(meeting(*[("Ann", f"Line {n}.") for n in range(1, 21)]))
    shown = judge.passage(lines, 9, 9, DRAFTING).splitlines()
    assert shown == ["8 Ann: Line 8.", "9 Ann: Line 9.", "10 Ann: Line 10.", "11 Ann: Line 11."]
    long = judge.passage(lines, 0, 18, DRAFTING).splitlines()
    assert len(long) == DRAFTING.passage_max_lines and long[-1] == "20 Ann: Line 20."  # where a matter ends


UNNAMED = meeting(
    ("Speaker 1", "Right, the roof. It needs doing before the winter."),  # 1
    ("Speaker 1", "Tom, can you get a second quote from the roofers?"),  # 2
    ("Speaker 2", "Yes, I'll ring them this week."),  # 3
    ("Speaker 3", "And I'll write to the diocese about the grant."),  # 4
)


def test_an_action_taken_on_by_a_speaker_nobody_has_named_is_never_dropped_for_that():
    """From audio, a member without a voice sample is "Speaker N": the model's owner cannot be heard taking it
    on. The action goes to the participant addressed in its lines, or stays with its owner left for the
    reviewer, with a note either way."""
    engine = FakeEngine(
        reply(
            actions=[
                {"lines": [2, 3], "task": "Get a second quote from the roofers", "owners": ["Margaret"]},
                {"lines": [4], "task": "Write to the diocese about the grant", "owners": ["Margaret"]},
            ]
        )
    )
    draft = extract(engine, UNNAMED, ["Margaret", "Tom", "Lena"], WEDNESDAY)
    assert [(a.task, a.owner) for a in draft.actions] == [
        ("Get a second quote from the roofers", "Tom"),
        ("Write to the diocese about the grant", None),
    ]
    assert any("to Tom, who was addressed; Speaker 2" in n for n in draft.notes)
    assert any("left for the reviewer: Speaker 3" in n for n in draft.notes)
    named = meeting(("Lena", "I'll write to the diocese."), ("Tom", "Good."))
    kept = extract(
        FakeEngine(reply(actions=[{"lines": [1], "task": "Write to the diocese", "owners": ["Margaret"]}])),
        named,
        ["Margaret", "Tom", "Lena"],
        WEDNESDAY,
    )
    assert kept.actions == []  # a named speaker took it on, not the model's owner: dropped as before


FAITHFUL = meeting(
    ("Ann", "We need a one-page protocol for emails to parents."),  # 1
    ("Ben", "I'll draft it over the weekend."),  # 2
    ("Cara", "The coach firm has put its prices up again."),  # 3
)


def test_a_point_that_says_someone_did_what_another_took_on_is_dropped():
    engine = FakeEngine(
        reply(
            actions=[{"lines": [2], "task": "Draft the one-page email protocol", "owners": ["Ben"]}],
            points=[
                {"text": "Ann drafted the one-page email protocol.", "lines": [1, 2]},  # Ben's task
                {"text": "Dee said the coach prices have gone up.", "lines": [3]},  # Dee is not in its lines
                {"text": "Ann asked for a one-page email protocol; Ben will draft it.", "lines": [1, 2]},
                {"text": "Cara said the coach firm has put its prices up.", "lines": [3]},
            ],
        )
    )
    draft = extract(engine, FAITHFUL, ["Ann", "Ben", "Cara", "Dee"], WEDNESDAY)
    assert [p.text for p in draft.points] == [
        "Ann asked for a one-page email protocol; Ben will draft it.",
        "Cara said the coach firm has put its prices up.",
    ]
    assert "Ann drafted" not in draft.summary and "Dee" not in draft.summary
    assert any("the action it gives Ann is Ben's" in n for n in draft.notes)
    assert any("Dee neither speaks nor is addressed in its lines" in n for n in draft.notes)


def test_a_task_a_speaker_nobody_has_named_takes_on_gets_a_second_look_and_no_invented_owner():
    transcript = meeting(
        ("Margaret", "Lena, could you check the fire doors this week?"),  # 1
        ("Speaker 2", "Yes, I'll walk round on Thursday."),  # 2: Lena, without a voice sample
        ("Speaker 3", "I'll bring the new keys to the office."),  # 3: nobody asked who
    )
    engine = FakeEngine(
        reply(),
        looks=[
            {"task": "Check the fire doors", "due": "on Thursday"},
            {"task": "Bring the new keys to the office", "due": None},
        ],
    )
    draft = extract(engine, transcript, ["Margaret", "Tom", "Lena"], WEDNESDAY)
    assert [(a.task, a.owner) for a in draft.actions] == [
        ("Check the fire doors", "Lena"),  # the participant the line answers
        ("Bring the new keys to the office", None),  # left for the reviewer
    ]


def _looked_lines(engine: FakeEngine) -> list[int]:
    return [int(x.split(">> ", 1)[1].split()[0]) for x in engine.looked]


def test_a_long_meeting_gets_looks_in_proportion_to_its_length():
    """The caps on looks and questions were set on short meetings; a long one gets more (`looks_per_line`), so
    its second half is not left without a look. Off (`looks_scale`), the cap is the same for any length."""
    rows = []
    for n in range(1, 21):  # 80 lines, a settling line in every four
        rows += [
            ("Ann", f"Next, the item on room {n} and its bookings."),
            ("Ben", "There were some clashes last term with the clubs."),
            ("Cara", "Mostly on Wednesdays, when the choir runs late."),
            ("Ann", f"Agreed, room {n} keeps its Wednesday slot."),
        ]
    engine = FakeEngine(reply())
    extract(engine, meeting(*rows), ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert _looked_lines(engine) == [4 * n for n in range(1, 17)]  # 80 lines x 0.2: sixteen, past line 60
    fixed = FakeEngine(reply())
    off = DraftingParams(off=frozenset({"looks_scale"}))
    extract(fixed, meeting(*rows), ["Ann", "Ben", "Cara"], WEDNESDAY, params=off)
    assert _looked_lines(fixed) == [4 * n for n in range(1, 13)]  # twelve, the last at line 48
    short = FakeEngine(reply())
    extract(short, meeting(*rows[:40]), ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert len(short.looked) == 10  # a short meeting keeps the floor of twelve: every cue line

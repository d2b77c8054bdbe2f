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


MANY = meeting(
    ("Ann", "The car park. Shall we keep staff parking at the back?"),  # 1
    ("Ben", "Fine with me."),  # 2
    ("Ann", "Agreed then, staff at the back."),  # 3: a settling phrase
    ("Cara", "The photographer comes on the ninth, we'll need the hall."),  # 4: "we'll", but news
    ("Ben", "Which printer do we want for the office?"),  # 5
    ("Cara", "We'll go with the cheaper one, it does double-sided."),  # 6: the group commits itself
    ("Dan", "I'll order it on Monday."),  # 7: a task
)


def test_commitments_judged_yes_no_get_the_looks_the_settling_lines_leave():
    """A settling phrase gets a look as before; a line where the group commits itself ("we'll go with ...") is
    asked yes or no first, and gets a look only if the model judges it settles something."""
    sure = {"We'll go with the cheaper": 0.7, "The photographer comes": 0.3}

    def answers(q: str) -> float:
        marked = q.split(">> ", 1)[1] if judge.MARKED in q else ""
        return next((p for start, p in sure.items() if start in marked), decides(q))

    engine = FakeEngine(
        reply(),
        looks=[
            {"decision": "Staff parking stays at the back."},
            {"decision": "The office buys the cheaper printer."},
            {"task": "Order the printer", "due": "on Monday"},
        ],
        judge=answers,
    )
    draft = extract(engine, MANY, ["Ann", "Ben", "Cara", "Dan"], WEDNESDAY)
    marked = [q.split(">> ", 1)[1].split(":")[0] for q in engine.judged if judge.MARKED in q]
    assert marked == [
        "4 Cara",
        "6 Cara",
    ]  # only the commitments are asked; the settling phrase needs no asking
    assert [x.split(">> ", 1)[1][:6] for x in engine.looked] == ["3 Ann:", "6 Cara", "7 Dan:"]
    assert [d.text for d in draft.decisions] == [
        "Staff parking stays at the back.",
        "The office buys the cheaper printer.",
    ]
    assert [(a.task, a.owner) for a in draft.actions] == [("Order the printer", "Dan")]
    minutes = [q.split('Minute: "', 1)[1].split('"')[0] for q in engine.judged if judge.MINUTE in q]
    assert minutes == [
        "Staff parking stays at the back.",
        "The office buys the cheaper printer.",
    ]  # judged too


def test_the_looks_left_go_to_the_commitments_the_model_is_surest_of():
    """Settling lines take their looks first, in line order; the commitments share what is left, surest first."""
    rows = [("Ann", f"Agreed, item {n} is done with.") for n in range(1, 11)]
    rows += [("Ben", f"We'll go with option {n} for the rota.") for n in range(11, 16)]
    sure = {12: 0.9, 14: 0.8, 11: 0.6, 13: 0.2, 15: 0.1}

    def answers(q: str) -> float:
        if judge.MARKED not in q:
            return decides(q)
        return sure[int(q.split(">> ", 1)[1].split()[0])]

    engine = FakeEngine(reply(), judge=answers)
    extract(engine, meeting(*rows), ["Ann", "Ben"], WEDNESDAY)
    looked = [int(x.split(">> ", 1)[1].split()[0]) for x in engine.looked]
    assert looked == [*range(1, 11), 12, 14]  # 12 looks in all, in line order


def test_a_passage_shows_the_lines_around_and_marks_one():
    lines = lines_of(meeting(*[("Ann", f"Line {n}.") for n in range(1, 21)]))
    shown = judge.passage(lines, 9, 9, DRAFTING, marked=9).splitlines()
    assert shown == ["8 Ann: Line 8.", "9 Ann: Line 9.", ">> 10 Ann: Line 10.", "11 Ann: Line 11."]
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


VOTES = meeting(
    ("Dev", "Sports day. Thursday or Friday?"),  # 1
    ("Eli", "Thursday, the field is free."),  # 2
    ("Dev", "Hands up for the Thursday? ... Six. Thank you."),  # 3: a show of hands, no settling word
    ("Eli", "The tuck shop wants to sell fruit bars at break."),  # 4
    ("Dev", "Those in favour? ... Four for, two against."),  # 5: a vote's count
    ("Fay", "And the sponsored walk is the same route as last year. Everyone happy with that?"),  # 6
    ("Eli", "Fine."),  # 7
)


def test_a_show_of_hands_a_vote_count_or_a_call_for_assent_gets_a_second_look():
    """A vote, a count or the chair asking the room settles a matter in lines that often hold no settling
    word: each gets a look (and what the look finds is then judged like any decision). Off, none does."""
    engine = FakeEngine(
        reply(),
        looks=[
            {"decision": "Sports day is on the Thursday."},
            {"decision": "The tuck shop sells fruit bars at break."},
            {"decision": "The sponsored walk keeps last year's route."},
        ],
    )
    draft = extract(engine, VOTES, ["Dev", "Eli", "Fay"], WEDNESDAY)
    assert _looked_lines(engine) == [3, 5, 6]
    assert [d.text for d in draft.decisions] == [
        "Sports day is on the Thursday.",
        "The tuck shop sells fruit bars at break.",
        "The sponsored walk keeps last year's route.",
    ]
    off = FakeEngine(reply())
    extract(off, VOTES, ["Dev", "Eli", "Fay"], WEDNESDAY, params=DraftingParams(off=frozenset({"vote_cue"})))
    assert off.looked == []


APPROVAL = meeting(
    ("Ann", "The new lunch menu is in your packs. Are we content to approve it?"),  # 1
    ("Ben", "Yes, content."),  # 2
    ("Ann", "Approved. Ben, can you let the kitchen know by Friday?"),  # 3
    ("Ben", "I'll tell them tomorrow."),  # 4
)


def test_a_task_that_is_the_meetings_approval_is_its_decision_not_an_action():
    """The chunk's model lists the meeting's approval as an action of whoever spoke ("Approve the new lunch
    menu"): it is the meeting's decision, minuted as one, and no one's task. Off, it stays an action."""
    chunk = reply(
        decisions=[{"lines": [1, 3], "text": "The new lunch menu is approved.", "outcome": "agreed"}],
        actions=[
            {"lines": [1, 2], "task": "Approve the new lunch menu", "owners": ["Ben"], "due": None},
            {"lines": [3, 4], "task": "Tell the kitchen", "owners": ["Ben"], "due": "tomorrow"},
        ],
    )
    draft = extract(FakeEngine(chunk), APPROVAL, ["Ann", "Ben"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["The new lunch menu is approved."]
    assert [a.task for a in draft.actions] == ["Tell the kitchen"]
    assert "not an action (the meeting's approval, a decision): Approve the new lunch menu" in draft.notes
    off = extract(
        FakeEngine(chunk),
        APPROVAL,
        ["Ann", "Ben"],
        WEDNESDAY,
        params=DraftingParams(off=frozenset({"approval_task"})),
    )
    assert [a.task for a in off.actions] == ["Approve the new lunch menu", "Tell the kitchen"]

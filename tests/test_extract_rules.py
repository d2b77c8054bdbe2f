"""The rules around the model (minutes.drafting.rules, minutes.drafting.roles, the chunking and final pass in minutes.drafting.extract),
through the Engine protocol with a fake engine that returns canned replies. No model is loaded here."""

import json

from fake_engine import WEDNESDAY, FakeEngine, meeting, reply

from minutes.core.drafting_params import DRAFTING
from minutes.drafting.extract import extract
from minutes.drafting.roles import Attendee, introduced_role, parse, resolve, with_roles
from minutes.drafting.rules import is_question
from minutes.drafting.windows import Line

FORMAL = meeting(
    ("Ann", "Would someone propose we adopt the uniform policy?"),  # 1
    ("Ben", "I'll propose. Seconded by Cara."),  # 2
    ("Ann", "All in favour? Carried."),  # 3
    ("Cara", "I propose we move the disco to a Friday."),  # 4
    ("Ann", "Two for, three against. The motion falls."),  # 5
    ("Ben", "Should we change the lunch times?"),  # 6
    ("Ann", "Let's come back to that in March."),  # 7
)


def test_only_agreed_proposals_are_decisions_and_questions_are_not():
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1, 3], "text": "The uniform policy is adopted.", "outcome": "agreed"},
                {"lines": [4, 5], "text": "Move the disco to a Friday.", "outcome": "rejected"},
                {"lines": [6, 7], "text": "Change the lunch times.", "outcome": "deferred"},
                {"lines": [6], "text": "Should we change the lunch times?", "outcome": "agreed"},
                {"lines": [1], "text": "Do we adopt the uniform policy", "outcome": "agreed"},
            ]
        )
    )
    draft = extract(engine, FORMAL, ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["The uniform policy is adopted."]
    assert draft.decisions[0].status == "supported"
    assert any("not a decision (rejected)" in n for n in draft.notes)
    assert any("not a decision (deferred)" in n for n in draft.notes)
    assert sum("(a question)" in n for n in draft.notes) == 2


def test_is_question():
    assert is_question("Do we agree on the battery?") and is_question("Should we buy it")
    assert not is_question("We agreed on the battery.") and not is_question("Do the risk assessment first.")


def test_the_schema_bounds_lines_and_owners_to_the_chunk_and_the_participants():
    engine = FakeEngine(reply())
    extract(engine, FORMAL, ["Ann:chair", "Ben", "Cara"], WEDNESDAY)
    (messages, first), (second_messages, second) = engine.asked
    actions, decisions = first["properties"]["actions"], second["properties"]["decisions"]
    assert decisions["items"]["properties"]["lines"]["items"]["enum"] == list(range(1, 8))
    assert actions["items"]["properties"]["owners"]["items"]["enum"] == ["Ann (chair)", "Ben", "Cara"]
    assert decisions["maxItems"] and actions["maxItems"] and second["properties"]["points"]["maxItems"]
    assert "Participants: Ann (chair), Ben, Cara" in messages[-1]["content"]
    assert (
        second_messages[: len(messages)] == messages
    )  # the second turn extends the first (its prompt is cached)


ROLES = meeting(
    ("Yas", "Good afternoon. Let's go round. I'm Yas Khan, governor, and chairing today."),  # 1
    ("Hal", "Hal Ward, headteacher."),  # 2
    ("Kim", "Kim Lee, head of maths."),  # 3
    ("Yas", "So the head is to write to the diocese by the fifth of February."),  # 4
    ("Hal", "Yes, I will."),  # 5
    ("Yas", "And Kim and Hal, could you plan the parents' evening together?"),  # 6
)


def test_roles_from_introductions_and_joint_owners_and_dates_in_words():
    people = with_roles(
        parse(["Yas", "Hal", "Kim"]),
        [Line(i, 0, 1, s.speaker, s.text) for i, s in enumerate(ROLES.segments, 1)],
    )
    assert people == [
        Attendee("Yas", "governor"),
        Attendee("Hal", "headteacher"),
        Attendee("Kim", "head of maths"),
    ]
    engine = FakeEngine(
        reply(
            actions=[
                {
                    "lines": [4, 5],
                    "task": "Write to the diocese",
                    "owners": ["Hal (headteacher)"],
                    "due": "the fifth of February",
                },
                {
                    "lines": [6],
                    "task": "Plan the parents' evening",
                    "owners": ["Kim (head of maths)", "Hal (headteacher)"],
                    "due": None,
                },
            ]
        )
    )
    draft = extract(engine, ROLES, ["Yas", "Hal", "Kim"], WEDNESDAY)
    got = [(a.task, a.owner, a.due) for a in draft.actions]
    assert got == [
        ("Write to the diocese", "Hal", "2027-02-05"),
        ("Plan the parents' evening", "Kim", None),
        ("Plan the parents' evening", "Hal", None),
    ]


def test_introduced_role_needs_the_speakers_own_name():
    assert introduced_role(Line(1, 0, 1, "Hal", "Hal Ward, headteacher."), "Hal") == "headteacher"
    assert introduced_role(Line(1, 0, 1, "Yas", "Hal Ward, headteacher."), "Yas") is None
    assert introduced_role(Line(1, 0, 1, "Hal", "Hal, can you do that?"), "Hal") is None
    assert resolve("Hal (headteacher)", [Attendee("Hal", "headteacher")]) == "Hal"
    assert resolve("the head", [Attendee("Hal", "headteacher")]) is None


def test_a_name_from_a_sensitive_passage_never_reaches_an_item_or_the_summary():
    transcript = meeting(
        ("Ann", "Next, the trip. We'll go to the museum on the fifth."),
        ("Ben", "I need to raise a safeguarding concern about Jamie Ellis in Year 8."),
        ("Ben", "He came in with bruises again."),
        ("Ann", "Ben, could you book the coach?"),
    )
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1], "text": "The trip goes to the museum.", "outcome": "agreed"},
                {"lines": [4], "text": "Jamie Ellis stays in school.", "outcome": "agreed"},
            ],
            actions=[
                {"lines": [4], "task": "Book the coach", "owners": ["Ben"], "due": None},
                {"lines": [4], "task": "Speak to Jamie's parents", "owners": ["Ann"], "due": None},
            ],
            points=[
                {"text": "The trip goes to the museum.", "lines": [1]},
                {"text": "Jamie Ellis was discussed.", "lines": [4]},
            ],
        )
    )
    draft = extract(engine, transcript, ["Ann", "Ben"], WEDNESDAY)
    sent = engine.asked[0][0][-1]["content"]
    assert "Jamie" not in sent and "bruises" not in sent  # the passage never reaches the model
    assert draft.flags and draft.flags[0].kind == "safeguarding"
    said = " ".join([draft.summary, *(d.text for d in draft.decisions), *(a.task for a in draft.actions)])
    assert "jamie" not in said.lower() and "ellis" not in said.lower()
    assert [a.task for a in draft.actions] == ["Book the coach"]
    assert draft.summary == "The trip goes to the museum."


def test_a_reply_cut_at_the_token_limit_flags_its_chunk():
    cut = ('{"actions": [{"task": "Adopt', {"decisions": [], "points": []})
    draft = extract(FakeEngine(cut), FORMAL, ["Ann"], WEDNESDAY)
    assert [f.kind for f in draft.flags] == ["extraction"] and draft.decisions == []


def test_long_meetings_overlap_chunks_merge_items_and_consolidate_decisions():
    rows = [
        ("Ann", f"Item {n}: the reports are on the shared drive for everyone to read.") for n in range(1, 41)
    ]
    rows[10] = ("Ann", "We'll hold the fair on the sixth of June. I'll book the field.")
    rows[30] = ("Ann", "Actually, scrap that, we'll hold the fair on the thirteenth of June instead.")
    transcript = meeting(*rows)
    engine = FakeEngine(
        reply(
            decisions=[{"lines": [11], "text": "Hold the fair on the sixth of June.", "outcome": "agreed"}],
            actions=[{"lines": [11], "task": "Book the field", "owners": ["Ann"], "due": None}],
        ),
        reply(
            decisions=[
                {"lines": [31], "text": "Hold the fair on the thirteenth of June.", "outcome": "agreed"}
            ],
            actions=[{"lines": [11], "task": "Book the field", "owners": ["Ann"], "due": None}],
        ),
        {"decisions": [{"from": [2], "text": "The fair is on the thirteenth of June."}]},
    )
    draft = extract(engine, transcript, ["Ann"], WEDNESDAY, chunk_tokens=400, selection=False)
    chunks = [
        schema["properties"]["decisions"]["items"]["properties"]["lines"]["items"]["enum"]
        for _, schema in (engine.asked[1], engine.asked[3])
    ]
    assert len(engine.asked) == 5 and chunks[0][-3:] == chunks[1][:3]  # the second chunk repeats three lines
    assert [d.text for d in draft.decisions] == ["The fair is on the thirteenth of June."]
    assert draft.decisions[0].evidence[0].quote.startswith("Actually, scrap that")
    assert [a.task for a in draft.actions] == ["Book the field"]  # the same action from both chunks, merged
    assert any("left out by the final pass" in n and "sixth" in n for n in draft.notes)


UNSETTLED = meeting(
    ("Ann", "Updates first. The heating was repaired last week."),  # 1
    ("Ben", "Could we re-advertise the technician post?"),  # 2
    ("Ann", "I'll need to check the budget before we decide that. Let's come back to it next time."),  # 3
    ("Cara", "Shall we move sports day to June?"),  # 4
    ("Ben", "Fine by me."),  # 5
    ("Ann", "Ben, can you tell the PE staff?"),  # 6
    ("Ben", "Will do."),  # 7
)


def test_news_and_points_put_off_are_no_decisions_and_only_tasks_taken_on_are_actions():
    """What a small model marks "agreed" still needs the meeting to agree in its lines; an action needs its
    owner to take it on or to be named for it."""
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1], "text": "The heating was repaired.", "outcome": "agreed"},
                {"lines": [2], "text": "The technician post is re-advertised.", "outcome": "agreed"},
                {"lines": [4], "text": "Sports day moves to June.", "outcome": "agreed"},
                {"lines": [6, 7], "text": "PE staff telling is done.", "outcome": "agreed"},
            ],
            actions=[
                {"lines": [2], "task": "Re-advertise the technician post", "owners": ["Ben"], "due": None},
                {"lines": [3], "task": "Check the budget", "owners": ["Ann"], "due": "next time"},
                {"lines": [6, 7], "task": "Tell the PE staff", "owners": ["Ben"], "due": None},
                {"lines": [1], "task": "Send the updates", "owners": ["Cara"], "due": None},
                {
                    "lines": [4],
                    "task": "Ask about June",
                    "owners": ["Cara"],
                    "due": None,
                    "kind": "only suggested",
                },
            ],
        )
    )
    draft = extract(engine, UNSETTLED, ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["Sports day moves to June."]  # the last restates an action
    assert [(a.task, a.owner) for a in draft.actions] == [
        ("Check the budget", "Ann"),
        ("Tell the PE staff", "Ben"),
    ]
    unsettled = [n.split(": ", 1)[1] for n in draft.notes if "nobody agreed to it" in n]
    assert {"The heating was repaired.", "The technician post is re-advertised."} <= set(unsettled)
    assert sum("did not take it on" in n for n in draft.notes) == 2
    assert "not an action (only suggested): Ask about June" in draft.notes


def test_a_settling_or_volunteering_line_no_item_cites_gets_a_second_look():
    transcript = meeting(
        ("Ann", "Shall we trial paper homework sheets for Year 7?"),  # 1
        ("Ben", "Happy with that."),  # 2
        ("Ann", "Agreed. We'll trial them for one half term."),  # 3
        ("Cara", "I'll need to check the printing budget by Friday."),  # 4
        ("Ann", "Thanks. The minibus is back."),  # 5
        ("Ben", "Fine by me, it is what it is"),  # 6: a settling cue, nothing found there
    )
    engine = FakeEngine(
        reply(points=[{"text": "Homework sheets for Year 7.", "lines": [1]}]),
        looks=[
            {"decision": "Year 7 trials paper homework sheets for one half term."},
            {"task": "Check the printing budget by Friday", "due": "by Friday"},
            {"decision": "New laptops are bought for the library."},  # not in what it was shown: left out
        ],
    )
    draft = extract(engine, transcript, ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert len(engine.looked) == 3 and ">> 3 Ann: Agreed." in engine.looked[0]  # lines 3, 4 and 6, in order
    assert "1 Ann: Shall we trial" in engine.looked[0] and engine.looked[0].endswith(
        "What does the marked line agree?"
    )
    assert ">> 4 Cara: I'll need" in engine.looked[1] and engine.looked[1].endswith(
        "What does Cara say they will do in the marked line?"
    )
    assert [d.text for d in draft.decisions] == ["Year 7 trials paper homework sheets for one half term."]
    assert draft.decisions[0].evidence[0].quote.startswith("Agreed.")
    assert [(a.task, a.owner, a.due) for a in draft.actions] == [
        ("Check the printing budget by Friday", "Cara", "2026-11-20")
    ]
    assert sum("second look" in n for n in draft.notes) == 2


def test_a_cue_line_an_item_already_cites_gets_no_second_look():
    transcript = meeting(("Ann", "Agreed, Saturday it is."), ("Ben", "I'll book the hall."))
    engine = FakeEngine(
        reply(
            decisions=[{"lines": [1], "text": "The fair is on Saturday.", "outcome": "agreed"}],
            actions=[{"lines": [2], "task": "Book the hall", "owners": ["Ben"], "due": None}],
        )
    )
    draft = extract(engine, transcript, ["Ann", "Ben"], WEDNESDAY)
    assert engine.looked == [] and len(draft.decisions) == 1 and len(draft.actions) == 1


def test_a_settling_line_of_a_proposal_judged_reversed_gets_no_second_look():
    transcript = meeting(("Ann", "St Mark's it is, then."), ("Ann", "Scrap that, the hall it is."))
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1], "text": "The nativity is at St Mark's.", "outcome": "reversed later"},
                {"lines": [2], "text": "The nativity is in the hall.", "outcome": "agreed"},
            ]
        )
    )
    draft = extract(engine, transcript, ["Ann"], WEDNESDAY)
    assert engine.looked == [] and [d.text for d in draft.decisions] == ["The nativity is in the hall."]


def test_a_line_cited_alone_moves_to_the_neighbour_that_holds_the_item_a_cited_run_stays():
    from minutes.drafting.rules import evidence

    rows = [
        "The coach is only ninety pounds more than the train. Two coaches would do it.",
        "Fine. Coaches then. I'll phone Dale Travel later today to book them.",
        "And the pantomime is on the fifteenth, right?",
    ]
    by_number = {n: Line(n, n * 6.0, n * 6.0 + 5, "Gem", text) for n, text in enumerate(rows, start=7)}
    task = "Phone Dale Travel to book the coaches"
    assert [e.quote for e in evidence(task, [7], by_number)] == [rows[1]]  # one line off: moved
    assert [e.quote for e in evidence(task, [8], by_number)] == [rows[1]]
    assert [e.quote for e in evidence(task, [7, 8], by_number)] == rows[:2]  # a run is kept as cited
    assert [e.quote for e in evidence("The pantomime date", [9], by_number)] == [rows[2]]


def test_a_second_look_adds_no_twin_and_a_dropped_item_does_not_hide_its_line():
    transcript = meeting(
        ("Ann", "Shall we move the trip to April?"),  # 1
        ("Ben", "Could we re-advertise the technician post?"),  # 2
        ("Ann", "So we're agreed, the trip moves to April. I'll check the budget first for the post."),  # 3
    )
    engine = FakeEngine(
        reply(
            decisions=[{"lines": [1], "text": "The trip is moved to April.", "outcome": "agreed"}],
            actions=[
                {"lines": [2, 3], "task": "Re-advertise the technician post", "owners": ["Ben"], "due": None}
            ],
        ),
        looks=[
            {"decision": "The trip moves to April."},
            {"task": "Check the budget for the post", "due": None},
        ],
    )
    draft = extract(engine, transcript, ["Ann", "Ben"], WEDNESDAY)
    assert len(engine.looked) == 2  # line 3 was cited only by items that did not stand
    assert [d.text for d in draft.decisions] == ["The trip is moved to April."]
    assert [e.quote[:8] for e in draft.decisions[0].evidence] == ["Shall we", "So we're"]  # one more quote
    assert [(a.task, a.owner) for a in draft.actions] == [("Check the budget for the post", "Ann")]


def test_a_decision_said_again_in_other_words_is_a_twin_unless_it_names_another_date():
    from minutes.core.types import Decision
    from minutes.drafting.rules import restates

    drafted = Decision(text="The year 9 trip to the Science Museum is moved to April.", evidence=[])
    assert restates(
        Decision(text="The trip moves to the last week of April.", evidence=[]), drafted, DRAFTING
    )
    assert not restates(
        Decision(text="Year 7 trials paper homework sheets for a half term.", evidence=[]), drafted, DRAFTING
    )
    assert not restates(
        Decision(text="Hold the fair on the thirteenth of June.", evidence=[]),
        Decision(text="Hold the fair on the sixth of June.", evidence=[]),
        DRAFTING,
    )


VOTES = meeting(
    ("Ann", "Would someone propose that we adopt the revised homework policy?"),  # 1
    ("Ben", "Happy to propose that."),  # 2
    ("Cara", "And I'll second."),  # 3
    ("Ann", "All those in favour? Carried unanimously, and the homework policy is adopted."),  # 4
    ("Cara", "The motion is that we close the car park at drop-off."),  # 5
    ("Ann", "All those in favour? Two. Against? Three. The motion falls, and the car park stays open."),  # 6
    ("Ben", "Fine. Could we at least survey parents about it?"),  # 7
)


def test_a_motion_that_falls_is_no_decision_and_a_vote_closes_its_item():
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1, 4], "text": "The revised homework policy is adopted.", "outcome": "agreed"},
                # the 1.5B model marked a motion that fell "agreed" (formal-motions dev meeting)
                {"lines": [5, 6], "text": "Close the car park at drop-off.", "outcome": "agreed"},
            ]
        )
    )
    draft = extract(engine, VOTES, ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["The revised homework policy is adopted."]
    assert any("nobody agreed" in n and "car park" in n for n in draft.notes)
    assert engine.looked == []  # "I'll second" is a motion's procedure, not a task to look at


def test_an_item_is_cut_where_it_slips_into_a_script_the_meeting_never_used():
    from minutes.drafting.grounding import in_its_script

    said = "Zoë and Łukasz agreed. Дмитрий will check."
    assert in_its_script("Minutes approved. The report was sent. The修订", said) == (
        "Minutes approved. The report was sent."
    )
    assert in_its_script("Send the report修订 today", said) == "Send the report"
    assert in_its_script("修订", said) == ""
    assert in_its_script("Дмитрий and Zoë check the Łukasz list", said) == (
        "Дмитрий and Zoë check the Łukasz list"  # letters the meeting itself used stay
    )
    transcript = meeting(
        ("Ann", "Shall we adopt the new minibus rota?"),  # 1
        ("Ben", "Yes, agreed. I'll email it to staff by Friday."),  # 2
    )
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1, 2], "text": "The new minibus rota is adopted. The修订", "outcome": "agreed"}
            ],
            actions=[
                {
                    "lines": [2],
                    "task": "Email the minibus rota to staff修订",
                    "owners": ["Ben"],
                    "kind": "volunteered",
                    "due": "by Friday",
                }
            ],
        )
    )
    draft = extract(engine, transcript, ["Ann", "Ben"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["The new minibus rota is adopted."]
    assert [(a.task, a.owner) for a in draft.actions] == [("Email the minibus rota to staff", "Ben")]


def test_evidence_that_holds_none_of_the_item_moves_to_the_line_that_does():
    from minutes.drafting.rules import evidence

    by_number = {n: Line(n, n * 6.0, n * 6.0 + 5, who, text) for n, (who, text) in enumerate(VOTES_ROWS, 1)}
    moved = evidence("The car park closes at drop-off.", [1, 2, 3], by_number)
    assert [e.quote for e in moved] == [VOTES_ROWS[4][1]]  # the lines cited held another item
    kept = evidence("The minutes are approved.", [4], by_number)  # nothing holds its words: kept as cited
    assert [e.quote for e in kept] == [VOTES_ROWS[3][1]]
    # a proposal with its seconders: the cited lines just after the line that holds the words stay
    both = evidence("Adopt the revised behaviour policy.", [2, 3], by_number)
    assert [e.quote[:9] for e in both] == ["Would som", "Happy to ", "And I'll "]


VOTES_ROWS = [(s.speaker, s.text) for s in VOTES.segments]


def two_far_decisions(final_pass: dict) -> tuple[list, FakeEngine]:
    """A 40-line meeting in two chunks, one decision in each, and the final pass's canned reply."""
    rows = [
        ("Ann", f"Item {n}: the reports are on the shared drive for everyone to read.") for n in range(1, 41)
    ]
    rows[10] = ("Ann", "Agreed, the boiler repair is ratified.")
    rows[30] = ("Ann", "Agreed, the report goes to the chair for approval.")
    engine = FakeEngine(
        reply(decisions=[{"lines": [11], "text": "The boiler repair is ratified.", "outcome": "agreed"}]),
        reply(
            decisions=[
                {"lines": [31], "text": "The report goes to the chair for approval.", "outcome": "agreed"}
            ]
        ),
        final_pass,
    )
    return rows, engine


def test_the_final_pass_never_loses_a_decision_it_grouped_with_another_matter():
    rows, engine = two_far_decisions(
        {"decisions": [{"from": [1, 2], "text": "The boiler repair is ratified."}]}
    )
    draft = extract(engine, meeting(*rows), ["Ann"], WEDNESDAY, chunk_tokens=400, selection=False)
    assert [d.text for d in draft.decisions] == [
        "The boiler repair is ratified.",
        "The report goes to the chair for approval.",
    ]
    # both run together in one text: one decision that cites both matters' lines, so neither is lost
    engine.replies = [
        json.dumps(r)
        for r in (
            *reply(
                decisions=[{"lines": [11], "text": "The boiler repair is ratified.", "outcome": "agreed"}]
            ),
            *reply(
                decisions=[
                    {"lines": [31], "text": "The report goes to the chair for approval.", "outcome": "agreed"}
                ]
            ),
            {
                "decisions": [
                    {
                        "from": [1, 2],
                        "text": "The boiler repair is ratified. The report goes to the chair.",
                    }
                ]
            },
        )
    ]
    draft = extract(engine, meeting(*rows), ["Ann"], WEDNESDAY, chunk_tokens=400, selection=False)
    assert [(d.text, [e.start for e in d.evidence]) for d in draft.decisions] == [
        ("The boiler repair is ratified. The report goes to the chair.", [60.0, 180.0]),
    ]


def test_the_chair_summing_up_gets_a_second_look_and_a_one_word_task_is_none():
    transcript = meeting(
        ("Ben", "No marking for Year 9 over the spring break. I'm in favour."),  # 1
        ("Cara", "Same."),  # 2
        ("Ann", "Right then. No marking set for Year 9 over the spring break."),  # 3
        ("Ben", "I'll propose."),  # 4: procedure, no look
        ("Cara", "I'll do it."),  # 5
    )
    engine = FakeEngine(
        reply(),
        looks=[
            {"decision": "No marking is set for Year 9 over the spring break."},
            {"task": "Do", "due": None},
        ],
    )
    draft = extract(engine, transcript, ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert len(engine.looked) == 2 and ">> 3 Ann: Right then." in engine.looked[0]
    assert [d.text for d in draft.decisions] == ["No marking is set for Year 9 over the spring break."]
    assert draft.actions == []


def test_a_worked_example_repeated_a_bare_vote_and_a_task_restated_as_a_decision_are_left_out():
    transcript = meeting(
        ("Ann", "Someone should send apologies to the trust for the late return."),  # 1
        ("Ben", "I'm not sure that's mine to send."),  # 2
        ("Ann", "All in favour? Carried, the lettings policy is adopted."),  # 3
    )
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [3], "text": "All in favour", "outcome": "agreed"},
                {"lines": [3], "text": "Sports day goes back to the old timetable.", "outcome": "agreed"},
                # the model's own task, dropped (nobody took it on), listed again as a decision
                {"lines": [1, 3], "text": "Send apologies to the trust.", "outcome": "agreed"},
                {"lines": [3], "text": "The lettings policy is adopted.", "outcome": "agreed"},
            ],
            actions=[{"lines": [1], "task": "Send apologies to the trust", "owners": ["Ben"], "due": None}],
        )
    )
    draft = extract(engine, transcript, ["Ann", "Ben"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["The lettings policy is adopted."]
    assert draft.actions == []
    assert any("too few words" in n for n in draft.notes)
    assert any("a worked example repeated" in n for n in draft.notes)


def test_a_second_look_answer_naming_a_day_the_lines_do_not_is_left_out():
    transcript = meeting(
        ("Ann", "Omar, can you bring a paper on consulting parents to the spring meeting?"),  # 1
        ("Ben", "Fine by me."),  # 2
    )
    engine = FakeEngine(reply(), looks=[{"decision": "The spring meeting will be held on a Saturday."}])
    draft = extract(engine, transcript, ["Ann", "Ben"], WEDNESDAY)
    assert len(engine.looked) == 1 and draft.decisions == []


def test_a_second_look_that_answers_with_another_lines_task_takes_the_lines_own_words():
    transcript = meeting(
        ("Ann", "Could you write a note on the phones survey for the spring meeting?"),  # 1
        ("Dan", "I can write a brief note on the phones survey, yes."),  # 2
        ("Ann", "Thank you. The SEN report, Dan, you said it isn't ready."),  # 3
        ("Dan", "No, sorry. I'll get the final version circulated to governors by Friday."),  # 4
        ("Cara", "I'll be honest, that is a relief."),  # 5
        ("Ann", "Then I'll end the meeting at, um, half six. Thanks, all."),  # 6
    )
    engine = FakeEngine(
        reply(
            actions=[
                {
                    "task": "Write a brief note on the phones survey",
                    "owners": ["Dan"],
                    "kind": "asked and agreed",
                    "due": "spring meeting",
                    "lines": [1, 2],
                }
            ]
        ),
        looks=[
            {"task": "Write a brief note on the phones survey", "due": "Friday"},  # line 2's task
            {"task": "Bring the SEN report", "due": None},  # not said at line 5, and it names no task there
            {"task": "End the meeting at 6.30 PM", "due": None},  # not said; line 6's own words are cut off
        ],
    )
    draft = extract(engine, transcript, ["Ann", "Dan", "Cara"], WEDNESDAY)
    assert [(a.task, a.owner, a.due) for a in draft.actions] == [
        ("Write a brief note on the phones survey", "Dan", "spring meeting"),
        ("Get the final version circulated to governors by Friday", "Dan", "2026-11-20"),
    ]
    assert draft.actions[1].evidence[0].quote.startswith("No, sorry. I'll get")


def test_a_decision_holding_a_question_anywhere_is_no_decision():
    """A decision is a statement: a line copied from the talk with a question inside it is not one."""
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1, 3], "text": "The uniform policy is adopted.", "outcome": "agreed"},
                {
                    "lines": [6],
                    "text": "We change the lunch times, right? And the bell moves too.",
                    "outcome": "agreed",
                },
            ]
        )
    )
    draft = extract(engine, FORMAL, ["Ann", "Ben", "Cara"], WEDNESDAY)
    assert [d.text for d in draft.decisions] == ["The uniform policy is adopted."]
    assert any("(a question): We change the lunch times, right?" in n for n in draft.notes)


def test_a_final_pass_wording_that_copies_the_quotes_it_was_shown_loses_them():
    rows, engine = two_far_decisions(
        {
            "decisions": [
                {"from": [1], "text": "The boiler repair is ratified. (said: Agreed, the boiler  } {"},
                {"from": [2], "text": "The report goes to the chair for approval."},
            ]
        }
    )
    draft = extract(engine, meeting(*rows), ["Ann"], WEDNESDAY, chunk_tokens=400, selection=False)
    assert "(said: " in engine.asked[-1][0][-1]["content"]  # what the final pass was shown
    assert [d.text for d in draft.decisions] == [
        "The boiler repair is ratified.",
        "The report goes to the chair for approval.",
    ]

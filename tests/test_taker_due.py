"""Two general fixes from the map of where drafts lose items (docs/drafting-rules.md): a task the model gives to
whoever asked for it goes to the one who answered the request by taking it on (`taker`), and a due phrase the
calendar cannot place gives way to the one date the task's lines say (`due_said`). Invented lines; a fake
engine with canned replies; no model is loaded."""

from fake_engine import WEDNESDAY, FakeEngine, meeting, reply

from minutes.core.drafting_params import DraftingParams
from minutes.drafting.extract import extract

PEOPLE = ["Ann", "Ben", "Cara"]

ASKED = meeting(
    ("Ann", "The lost coats in the staffroom need sorting before the open evening."),  # 1
    ("Ann", "Ben, could you box them up for the charity shop?"),  # 2
    ("Ben", "Yeah, can do. I'll take them on Friday."),  # 3
    ("Cara", "Good, they're a fire hazard."),  # 4
)


def test_a_task_the_model_gives_to_the_asker_goes_to_who_answered_the_request():
    engine = FakeEngine(
        reply(
            actions=[
                {"lines": [2, 3], "task": "Box up the lost coats for the charity shop", "owners": ["Ann"]}
            ]
        )
    )
    draft = extract(engine, ASKED, PEOPLE, WEDNESDAY)
    assert [(a.task, a.owner) for a in draft.actions] == [
        ("Box up the lost coats for the charity shop", "Ben")
    ]
    assert any("changed from Ann to Ben, who took it on in its lines" in n for n in draft.notes)
    off = extract(
        FakeEngine(
            reply(
                actions=[
                    {"lines": [2, 3], "task": "Box up the lost coats for the charity shop", "owners": ["Ann"]}
                ]
            )
        ),
        ASKED,
        PEOPLE,
        WEDNESDAY,
        params=DraftingParams(off=frozenset({"taker"})),
    )
    assert off.actions == []  # switched off: dropped as not taken on, as before


def test_a_bare_yes_or_a_commitment_not_answering_a_request_moves_no_task():
    """ "Yes" agrees with the matter as often as it takes a task on; an "I'll" nobody asked for may be another
    task; two who answer leave the reviewer to choose. In each case the task is dropped, as before."""
    cases = [
        meeting(
            ("Ann", "The coats need sorting. Ben, could you box them up?"),
            ("Ben", "Yes, they're a hazard."),
        ),
        meeting(
            ("Ann", "The coats need sorting before the open evening."), ("Ben", "I'll open the hall early.")
        ),
        meeting(
            ("Ann", "Could you two box the coats up?"),
            ("Ben", "I can do Monday."),
            ("Ann", "Cara, would you help him?"),
            ("Cara", "I'll help, sure."),
        ),
    ]
    for lines in cases:
        engine = FakeEngine(reply(actions=[{"lines": [1, 2], "task": "Box up the coats", "owners": ["Ann"]}]))
        assert extract(engine, lines, PEOPLE, WEDNESDAY).actions == []


def test_joint_owners_are_not_given_the_same_task_twice():
    """The model names the asker and one of the two asked: the asker's copy goes to the other one asked."""
    lines = meeting(
        ("Ann", "Ben, Cara, could you two run the book swap?"),  # 1
        ("Ben", "Yeah, can do."),  # 2
        ("Cara", "Happy to."),  # 3
    )
    engine = FakeEngine(
        reply(actions=[{"lines": [1, 2, 3], "task": "Run the book swap", "owners": ["Ann", "Cara"]}])
    )
    draft = extract(engine, lines, PEOPLE, WEDNESDAY)
    assert sorted(a.owner for a in draft.actions) == ["Ben", "Cara"]


DATED = meeting(
    ("Ann", "Next, the insurance runs out soon."),  # 1
    ("Ben", "I'll renew the minibus insurance online this afternoon."),  # 2
    ("Cara", "And the risk assessments have to be signed by the thirtieth."),  # 3
    ("Ann", "I'll get them signed once I've read them through."),  # 4
    ("Cara", "I'll start the trip letter to parents today, ready for Friday."),  # 5
)


def test_a_due_phrase_the_calendar_cannot_place_gives_way_to_the_one_date_its_lines_say():
    engine = FakeEngine(
        reply(
            actions=[
                {"lines": [2], "task": "Renew the minibus insurance", "owners": ["Ben"], "due": "afternoon"},
                {
                    "lines": [3, 4],
                    "task": "Sign the risk assessments",
                    "owners": ["Ann"],
                    "due": "after reading",
                },
                {
                    "lines": [5],
                    "task": "Send the trip letter to parents",
                    "owners": ["Cara"],
                    "due": "Friday",
                },
            ]
        )
    )
    draft = extract(engine, DATED, PEOPLE, WEDNESDAY)
    dues = {(a.owner, a.due) for a in draft.actions}
    assert ("Ben", "2026-11-18") in dues  # "this afternoon": the meeting's day
    assert ("Ann", "2026-11-30") in dues  # "by the thirtieth"
    assert (
        "Cara",
        "2026-11-20",
    ) in dues  # a due the calendar places is the model's, whatever else its lines say
    off = extract(
        FakeEngine(
            reply(
                actions=[
                    {
                        "lines": [2],
                        "task": "Renew the minibus insurance",
                        "owners": ["Ben"],
                        "due": "afternoon",
                    }
                ]
            )
        ),
        DATED,
        PEOPLE,
        WEDNESDAY,
        params=DraftingParams(off=frozenset({"due_said"})),
    )
    assert [a.due for a in off.actions] == ["afternoon"]


def test_lines_that_say_two_dates_leave_the_due_as_the_model_said_it():
    lines = meeting(("Ben", "I'll ring the coach firm on Monday, or tomorrow if they open."))
    engine = FakeEngine(
        reply(actions=[{"lines": [1], "task": "Ring the coach firm", "owners": ["Ben"], "due": "soon"}])
    )
    assert [a.due for a in extract(engine, lines, PEOPLE, WEDNESDAY).actions] == ["soon"]

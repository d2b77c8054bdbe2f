"""Settling lines without a settling phrase get a second look (issue 41): a yes answering a question that
proposes something (`yes_looks`), "go with X then" (`go_with_looks`), a call for hands or a vote's count
(`hands_looks`), and a commitment that answers a request without "I'll" (`answer_looks`). Invented lines; a
fake engine; no model is loaded."""

from fake_engine import WEDNESDAY, FakeEngine, meeting, reply

from minutes.core.drafting_params import DraftingParams
from minutes.drafting.extract import extract

PEOPLE = ["Ann", "Ben", "Cara"]

ASSENTS = meeting(
    ("Ann", "The science club keeps losing its room to the photographers."),  # 1
    ("Ben", "Shall we move the science club to the old art room?"),  # 2
    ("Ann", "Yes. The old art room from next week."),  # 3: a yes to a proposing question
    ("Cara", "For the leavers' trip there's the museum or the zoo."),  # 4
    ("Ben", "The zoo is cheaper per head."),  # 5
    ("Ann", "Okay, go with the zoo trip then."),  # 6: "go with X then"
    ("Ann", "Raise your hands for a bake sale in March? ... Three of us."),  # 7: a call for hands
    ("Cara", "Is the minibus booked for the zoo?"),  # 8
    ("Ben", "Yes, the office did that last week."),  # 9: a yes to a plain question, which proposes nothing
)


def _looked(engine: FakeEngine) -> list[int]:
    return [int(x.split(">> ", 1)[1].split()[0]) for x in engine.looked]


def test_a_yes_to_a_proposal_go_with_then_and_a_show_of_hands_get_a_look():
    engine = FakeEngine(
        reply(),
        looks=[
            {"decision": "The science club moves to the old art room"},
            {"decision": "The leavers' trip goes to the zoo"},
            {"decision": "A bake sale in March"},
        ],
    )
    draft = extract(engine, ASSENTS, PEOPLE, WEDNESDAY)
    assert _looked(engine) == [3, 6, 7]  # not line 9: its question proposed nothing
    assert [d.text for d in draft.decisions] == [
        "The science club moves to the old art room",
        "The leavers' trip goes to the zoo",
        "A bake sale in March",
    ]
    for rule, left in (("yes_looks", [6, 7]), ("go_with_looks", [3, 7]), ("hands_looks", [3, 6])):
        off = FakeEngine(reply())
        extract(off, ASSENTS, PEOPLE, WEDNESDAY, params=DraftingParams(off=frozenset({rule})))
        assert _looked(off) == left  # each switch turns its form off


def test_a_yes_to_ones_own_proposal_gets_no_look():
    transcript = meeting(
        ("Ann", "Could we start the staff briefing at eight?"),  # 1
        ("Ann", "Yes, I think that works for most people."),  # 2: the proposer answering themself
    )
    engine = FakeEngine(reply())
    extract(engine, transcript, PEOPLE, WEDNESDAY)
    assert _looked(engine) == []


ANSWERS = meeting(
    ("Ann", "The new starters need a tour of the site."),  # 1
    ("Ann", "Cara, could you show them round on their first morning?"),  # 2
    ("Cara", "I can do the tour straight after registration."),  # 3: a commitment answering the request
    ("Ann", "Thanks. Next, the car park."),  # 4
    ("Ben", "I can do without the potholes, mind."),  # 5: "I can", but nobody asked him
    ("Ann", "Would you second the motion on parking, Cara?"),  # 6
    ("Cara", "Happy to second it."),  # 7: a motion's procedure, not a task
)


def test_a_commitment_answering_a_request_gets_a_task_look_and_its_speakers_name():
    engine = FakeEngine(reply(), looks=[{"task": "Show the new starters round", "due": None}])
    draft = extract(engine, ANSWERS, PEOPLE, WEDNESDAY)
    assert _looked(engine) == [3]
    assert [(a.task, a.owner) for a in draft.actions] == [("Show the new starters round", "Cara")]
    off = FakeEngine(reply())
    extract(off, ANSWERS, PEOPLE, WEDNESDAY, params=DraftingParams(off=frozenset({"answer_looks"})))
    assert _looked(off) == []

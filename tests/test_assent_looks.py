"""A yes answering another speaker's question that proposes something ("Shall we ...?" / "Yes.") is a
settling line and gets a second look (`yes_looks`, issue 41), though it holds no settling phrase. Invented
lines; a fake engine; no model is loaded."""

from fake_engine import WEDNESDAY, FakeEngine, meeting, reply

from minutes.core.drafting_params import DraftingParams
from minutes.drafting.extract import extract

PEOPLE = ["Ann", "Ben", "Cara"]

ASSENTS = meeting(
    ("Ann", "The science club keeps losing its room to the photographers."),  # 1
    ("Ben", "Shall we move the science club to the old art room?"),  # 2
    ("Ann", "Yes. The old art room from next week."),  # 3: a yes to a proposing question
    ("Cara", "The leavers' trip could be the museum, or the zoo."),  # 4
    ("Ben", "How about the zoo, as it's cheaper per head?"),  # 5
    ("Cara", "Yeah, let's do that."),  # 6: "let's do that" to a proposing question
    ("Cara", "Is the minibus booked for the zoo?"),  # 7
    ("Ben", "Yes, the office did that last week."),  # 8: a yes to a plain question, which proposes nothing
)


def _looked(engine: FakeEngine) -> list[int]:
    return [int(x.split(">> ", 1)[1].split()[0]) for x in engine.looked]


def test_a_yes_to_a_proposing_question_gets_a_look():
    engine = FakeEngine(
        reply(),
        looks=[
            {"decision": "The science club moves to the old art room"},
            {"decision": "The leavers' trip goes to the zoo"},
        ],
    )
    draft = extract(engine, ASSENTS, PEOPLE, WEDNESDAY)
    assert _looked(engine) == [3, 6]  # not line 8: its question proposed nothing
    assert [d.text for d in draft.decisions] == [
        "The science club moves to the old art room",
        "The leavers' trip goes to the zoo",
    ]
    off = FakeEngine(reply())
    extract(off, ASSENTS, PEOPLE, WEDNESDAY, params=DraftingParams(off=frozenset({"yes_looks"})))
    assert _looked(off) == []  # the switch turns it off


def test_a_yes_to_ones_own_proposal_or_to_an_older_one_gets_no_look():
    transcript = meeting(
        ("Ann", "Could we start the staff briefing at eight?"),  # 1
        ("Ann", "Yes, I think that works for most people."),  # 2: the proposer answering themself
        ("Ben", "Should we also move the staff quiz to Fridays?"),  # 3
        ("Cara", "The hall is booked on Fridays, though."),  # 4
        ("Ann", "The quiz could go in the library."),  # 5
        ("Cara", "Yes, the library has the screen."),  # 6: three lines after the question (`answer_lines`: 2)
    )
    engine = FakeEngine(reply())
    extract(engine, transcript, PEOPLE, WEDNESDAY)
    assert _looked(engine) == []

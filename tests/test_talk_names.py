"""Speakers named from the talk (minutes.speech.talk), on invented transcripts: the cues, and when a name is
applied, only suggested, or not given at all."""

from __future__ import annotations

from minutes.core.types import Segment, Transcript
from minutes.speech.talk import ADDRESSED, INTRODUCED, OFFICE, THANKED, NamedPerson, cues, names_from_talk

PEOPLE = [
    NamedPerson("Ingrid Larsen", "chair"),
    NamedPerson("Bashir"),
    NamedPerson("Colm"),
    NamedPerson("Delyth", "treasurer"),
]


def talk(*lines: tuple[str, str]) -> Transcript:
    """(label, text) lines, 3 s apart."""
    segments = [
        Segment(start=3.0 * i, end=3.0 * i + 2.5, text=text, speaker=label)
        for i, (label, text) in enumerate(lines)
    ]
    return Transcript(language="en", duration=3.0 * len(lines), segments=segments)


def kinds(found: dict, label: str, name: str) -> list[str]:
    return [c.kind for c in found.get(label, {}).get(name, [])]


def test_the_answer_to_a_question_put_by_name_is_the_person_asked():
    t = talk(
        ("A", "Good morning. Bashir, could you take us through the rota?"),
        ("B", "Sure, there are three changes this week."),
        ("A", "Lovely. Anything on the minibus, Colm?"),
        ("C", "It's booked for Thursday."),
        ("A", "Good. Over to Delyth for the budget."),
        ("D", "Thank you. We are on track."),
    )
    support, against = cues(t, PEOPLE)
    assert kinds(support, "B", "Bashir") == [ADDRESSED]
    assert kinds(support, "C", "Colm") == [ADDRESSED]
    assert kinds(support, "D", "Delyth") == [ADDRESSED]
    assert against["A"] == {"Bashir": 1, "Colm": 1, "Delyth": 1}  # whoever asks is not the person asked
    first = support["B"]["Bashir"][0]
    assert first.said == (0.0, 2.5) and first.by == (3.0, 5.5)  # the question, then the answer


def test_a_name_alone_or_asked_mid_sentence_addresses_them():
    t = talk(
        ("A", "Next, the coach. Colm."),
        ("C", "Booked for Friday."),
        ("A", "And then Bashir, could you check the rota?"),
        ("B", "I will."),
    )
    support, _ = cues(t, PEOPLE)
    assert kinds(support, "C", "Colm") == [ADDRESSED] and kinds(support, "B", "Bashir") == [ADDRESSED]


def test_a_name_in_the_middle_of_a_turn_points_nowhere():
    """Only the turn's last sentence hands over; a name said in passing, or two names at once, is no cue."""
    t = talk(
        ("A", "Bashir, you mentioned the rota. We will come back to it. First, the minibus."),
        ("B", "Fine."),
        ("A", "Bashir and Colm, can you both look at the minibus?"),
        ("C", "Yes."),
        ("A", "I spoke to Delyth about the budget yesterday."),
        ("D", "Right."),
    )
    support, _ = cues(t, PEOPLE)
    assert support == {}


def test_a_turn_hands_over_to_the_last_person_it_addresses():
    """A question cut across two segments, then a short word after it; a later mention of someone else in the
    turn takes the handover away."""
    t = Transcript(
        language="en",
        duration=12.0,
        segments=[
            Segment(start=0.0, end=1.0, text="Yeah, Colm, can you chase", speaker="A"),
            Segment(start=1.0, end=2.5, text="the consent forms by Monday? Thanks.", speaker="A"),
            Segment(start=3.0, end=4.0, text="I will.", speaker="C"),
            Segment(start=5.0, end=6.0, text="Colm, can you do the coach? Bashir has the rota.", speaker="A"),
            Segment(start=7.0, end=8.0, text="Yes.", speaker="B"),
        ],
    )
    support, _ = cues(t, PEOPLE)
    assert support == {"C": {"Colm": support["C"]["Colm"]}}
    assert support["C"]["Colm"][0].said == (0.0, 2.5) and support["C"]["Colm"][0].by == (3.0, 4.0)


def test_thanks_look_back_to_who_just_spoke():
    t = talk(
        ("B", "The rota is done and it is on the board."),
        ("A", "Thanks, Bashir. Next item is the minibus."),
    )
    support, against = cues(t, PEOPLE)
    assert kinds(support, "B", "Bashir") == [THANKED]
    assert against["A"] == {"Bashir": 1}


def test_introductions_and_offices_name_the_speaker_themselves():
    t = talk(
        ("A", "Hello all, I'm Ingrid Larsen and I'll keep us to time."),
        ("D", "Speaking as treasurer, the figures are provisional."),
        ("C", "Colm here, sorry I'm late."),
        ("A", "As chair, I will write to the trust."),
    )
    support, _ = cues(t, PEOPLE)
    assert kinds(support, "A", "Ingrid Larsen") == [INTRODUCED, OFFICE]
    assert kinds(support, "D", "Delyth") == [OFFICE]
    assert kinds(support, "C", "Colm") == [INTRODUCED]


def test_words_that_only_look_like_names_give_no_cue():
    """A possessive, a lower-case word the recogniser did not write as a name, "here's" after a name."""
    t = talk(
        ("A", "I'm Colm's line manager, so over to you, colm?"),
        ("B", "Colm, here's the thing."),
        ("C", "Sure."),
    )
    support, _ = cues(t, [NamedPerson("Colm")])
    assert support.get("A") is None
    assert kinds(support, "C", "Colm") == [ADDRESSED]  # B's turn ends addressing Colm


def test_a_name_said_clearly_in_several_lines_is_applied():
    t = talk(
        ("A", "Colm, what did the parents say?"),
        ("C", "Mostly positive."),
        ("A", "Good. And the coach, Colm?"),
        ("C", "Booked."),
        ("B", "Thanks, Colm."),
    )
    named = names_from_talk(t, PEOPLE)
    assert named["C"].name == "Colm" and named["C"].strong
    assert len(named["C"].cues) == 3


def test_one_line_is_only_a_suggestion():
    t = talk(("A", "Bashir, any news?"), ("B", "Not yet."))
    named = names_from_talk(t, PEOPLE)
    assert named["B"].name == "Bashir" and not named["B"].strong


def test_conflicting_lines_leave_the_name_to_the_reviewer():
    """Two lines say B is Bashir and one says B is Colm: support 2 is not three times its rival."""
    t = talk(
        ("A", "Bashir, the rota?"),
        ("B", "Done."),
        ("A", "Bashir, and the cover list?"),
        ("B", "Also done."),
        ("A", "Colm, the minibus?"),
        ("B", "Booked."),
    )
    named = names_from_talk(t, PEOPLE)
    assert named["B"].name == "Bashir" and not named["B"].strong
    assert "C" not in named


def test_a_speaker_who_addresses_the_person_is_not_them():
    """Diarisation merged the chair and Bashir into one label: it answers to Bashir twice but also asks
    Bashir a question, so the name is not applied."""
    t = talk(
        ("A", "Bashir, the rota?"),
        ("B", "Done."),
        ("A", "Bashir, the cover list?"),
        ("B", "Also done. Bashir, can you check the trip list too?"),
        ("C", "Will do."),
    )
    named = names_from_talk(t, PEOPLE)
    assert named["B"].name == "Bashir" and not named["B"].strong


def test_names_and_labels_already_given_are_left_alone():
    t = talk(
        ("A", "Colm, the minibus?"),
        ("C", "Booked."),
        ("A", "Colm, and the coach?"),
        ("C", "Also booked."),
        ("A", "Bashir, the rota?"),
        ("B", "Done."),
    )
    assert "C" not in names_from_talk(t, PEOPLE, taken={"C": "Colm"})
    assert "C" not in names_from_talk(t, PEOPLE, taken={"X": "Colm"})  # Colm's voice is another label
    assert names_from_talk(t, PEOPLE, taken={"B": "Delyth"}).keys() == {"C"}


def test_each_person_names_one_speaker():
    """Two labels that both answer to Colm (one voice split in two): Colm goes to the one with more lines, and
    not as a strong name, since the other label is a rival for him."""
    t = talk(
        ("A", "Colm, the minibus?"),
        ("C", "Booked."),
        ("A", "Colm, the coach?"),
        ("C", "Booked too."),
        ("A", "Colm, the ferry?"),
        ("E", "Not yet."),
    )
    named = names_from_talk(t, PEOPLE)
    assert named["C"].name == "Colm" and not named["C"].strong
    assert "E" not in named


def test_a_shared_first_name_needs_the_full_name():
    people = [NamedPerson("Sam Okafor"), NamedPerson("Sam Reid")]
    t = talk(("A", "Sam, can you do it?"), ("B", "Yes."), ("A", "Sam Reid, and you?"), ("C", "Fine."))
    support, _ = cues(t, people)
    assert support == {"C": {"Sam Reid": support["C"]["Sam Reid"]}}

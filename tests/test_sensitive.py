"""Sensitive passages (minutes.drafting.sensitive and its layers), on invented lines: the lexicon of private
matters, the person detector, the exemption for lines about nobody, the model's yes/no layer (a fake engine
answers it), the growth of a flagged line into its passage, a reviewer's earlier decisions, and what reaches
the draft. No model is loaded here; tests/test_sensitive_model.py asks the real one."""

import re

import pytest
from fake_engine import WEDNESDAY, FakeEngine, meeting, reply

from minutes.drafting import lexicon, persons, private
from minutes.drafting.extract import extract
from minutes.drafting.sensitive import Reviewed, detect, grow, is_sensitive, lexical, safe_summary
from minutes.drafting.windows import Line


def _lines(*rows):
    return [Line(i, i * 10.0, i * 10.0 + 8, speaker, text) for i, (speaker, text) in enumerate(rows, 1)]


# -- the lexicon, by kind -----------------------------------------------------------------------------------------
KIND_LINES = [
    ("safeguarding", "Kezia's name came up at the strategy meeting with children's services."),
    ("safeguarding", "Ollie says his stepdad makes him keep secrets about the weekends."),
    ("police", "Her brother was arrested outside the chip shop on Saturday."),
    ("police", "Tyler went missing from home overnight and the police found him at the station."),
    ("exclusion", "Bradley is on a fixed-term suspension until Wednesday."),
    ("allegation", "A parent has made an allegation that Mr Doyle pushed her son."),
    ("discipline", "Mrs Flint is on gardening leave while the investigation runs."),
    ("health", "Amira has been diagnosed with type one diabetes."),
    ("self_harm", "Jade told her tutor she has been self-harming again."),
    ("bereavement", "Sophie's grandad passed away at the weekend."),
    ("family", "His parents have split up and he's staying with his nan."),
    ("care", "Kayden moved to a new foster placement last week."),
    ("young_carer", "Freya is caring for her mum, who has MS, most nights."),
    ("immigration", "Nikolai's family are waiting to hear about their leave to remain."),
    ("poverty", "The Dunn family were evicted and are in temporary accommodation."),
    ("send", "Rowan is on the waiting list for an ADHD assessment."),
    ("pregnancy", "Mr Khan's wife is pregnant with twins."),
    ("absence", "Ms Reid has been signed off until after half term."),
    ("bullying", "Lewis has been picked on in the changing rooms every week."),
    ("identity", "Sam has asked to use a preferred name and new pronouns from Monday."),
    ("pay", "I've been overpaid since September and nobody noticed."),
    ("concern", "I'm worried about Elodie, she's gone very quiet."),
    ("confidential", "I'll tell you this in confidence: there's a problem in the science department."),
]


@pytest.mark.parametrize(("kind", "text"), KIND_LINES)
def test_each_kind_of_private_matter_is_found_about_a_person(kind, text):
    assert kind in lexicon.kinds_in(text)
    assert lexical(_lines(("Someone", text)))


def test_every_kind_has_a_reason_and_an_invented_line_here():
    assert {k.name for k in lexicon.KINDS} == {k for k, _ in KIND_LINES}
    assert all(k.reason and "\n" not in k.reason for k in lexicon.KINDS)


BUSINESS = [
    "The safeguarding policy goes to the full governing body in March.",
    "Everyone must finish the safeguarding course before the inset day.",
    "Our SENCo will bring the provision map to the next meeting.",
    "Suspensions across the trust were down by a fifth.",
    "The complaints procedure needs a new appendix.",
    "The medical room needs a new fridge for the medication.",
    "We adopted the revised attendance policy unanimously.",
    "The netball court is being resurfaced in the summer.",
    "The camera died halfway through the recording.",
    "I've asked for a breakdown of the catering costs.",
    "No offence, but the old timetable was a mess.",
    "We can't look at the results in isolation.",
]


@pytest.mark.parametrize("text", BUSINESS)
def test_school_business_is_not_flagged(text):
    assert not lexical(_lines(("Someone", text)))


def test_a_matter_about_nobody_is_the_only_exemption():
    assert not lexical(_lines(("A", "Exclusions in the trust rose by a tenth.")))
    for who in ("Priya", "Mr Banks", "the boy in 10T", "her father", "he", "the cover teacher in maths"):
        line = f"Exclusions of {who} were discussed." if who != "he" else "He was excluded for three days."
        assert lexical(_lines(("A", line))), who


def test_a_request_for_confidence_needs_no_person():
    assert lexical(_lines(("Chair", "The next item is a part two item and will be minuted separately.")))


# -- the person detector ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Imogen fell asleep in registration.", "name"),  # a known first name starts the sentence
        ("Okonkwo's bag was left on the bus.", "name"),  # an unknown name, possessive
        ("We spoke to Zbigniew yesterday.", "name"),  # any capitalised word inside a sentence
        ("Dr Osei wrote to the school.", "title"),
        ("One of the girls in 8R has stopped eating lunch.", "class"),
        ("A year 7 lad was sent home.", "class"),
        ("Her stepdad rang the office twice.", "family"),
        ("She rang the office twice.", "pronoun"),
        ("The cover teacher in maths walked out.", "role"),
        ("A pupil was upset after the trip.", "person"),
    ],
)
def test_what_marks_a_line_as_about_a_person(text, kind):
    assert kind in {m.kind for m in persons.marks(text)}


@pytest.mark.parametrize(
    "text",
    [
        "We agreed the budget for the spring term.",
        "Will it be ready by Tuesday in March?",
        "Mark the registers before nine, please.",
        "The Christmas fair raised more than last year.",
        "Staff absence fell this term.",
    ],
)
def test_lines_about_nobody(text):
    assert not persons.about_person(text)


def test_a_participant_only_addressed_is_not_the_subject():
    nadia = persons.People.of(["Nadia Begum:head of English"])
    assert not persons.marks("Thanks, Nadia.", nadia)
    assert not persons.marks("Nadia, can we move on to the budget?", nadia)  # "we" is the meeting
    assert [m.kind for m in persons.marks("Nadia is off with stress.", nadia)] == ["name"]


def test_a_name_the_meeting_says_inside_a_sentence_counts_where_it_starts_one():
    texts = ["I saw Gethin at lunch.", "Gethin has been sleeping in his car."]
    assert not persons.about_person(texts[1].replace(" in his car", ""))  # no name list knows him
    assert persons.about_person(texts[1].replace(" in his car", ""), persons.People.of([], texts))


# -- growth into passages -----------------------------------------------------------------------------------------
PASSAGE = _lines(
    ("Ann", "Next, the trip letters. They go out on Monday."),  # 1
    ("Ben", "Before that, one thing. Reece in 9K, you know he's been quiet?"),  # 2: whom it is about
    ("Cat", "The one who plays the trumpet?"),  # 3: a short question
    ("Ben", "Yes. His dad's been taken into custody, so he's with his aunt."),  # 4: flagged
    ("Cat", "That's awful."),  # 5: a reaction
    ("Dev", "Is there anything we should do differently with him?"),  # 6: about him, a question
    ("Ben", "Just go gently on the homework for now."),  # 7: its answer
    ("Ann", "Okay, so, the trip letters. Dev, can you print them?"),  # 8: other business
    ("Dev", "Yes, I'll do it tomorrow."),  # 9
)


def test_a_flagged_line_grows_into_its_passage_whoever_speaks():
    people = persons.People.of(["Ann", "Ben", "Cat", "Dev"], [x.text for x in PASSAGE])
    seeds = lexical(PASSAGE, people)
    assert set(seeds) == {4}
    assert grow(PASSAGE, seeds, people) == [[2, 3, 4, 5, 6, 7]]


def test_a_passage_stops_at_a_request_even_when_it_is_short():
    lines = _lines(
        ("Ann", "Priya's mum has been in hospital since Friday."),
        ("Ben", "Ben, can you book the minibus?"),
    )
    people = persons.People.of(["Ann", "Ben"])
    assert grow(lines, lexical(lines, people), people) == [[1]]


def test_flagged_lines_close_together_are_one_passage_and_reach_a_flag_without_words():
    found = detect(PASSAGE, ["Ann", "Ben", "Cat", "Dev"])
    assert found.withheld == {2, 3, 4, 5, 6, 7}
    (flag,) = found.flags
    assert flag.kind == "police" and "lines 2-7" in flag.reason
    assert (flag.evidence[0].start, flag.evidence[0].end, flag.evidence[0].quote) == (20.0, 78.0, "")
    said = {w.lower() for x in PASSAGE[1:7] for w in re.findall(r"[A-Za-z]{4,}", x.text)}
    assert not said & {w.lower() for w in re.findall(r"[A-Za-z]{4,}", flag.reason)} - {"with", "about"}


# -- the model's layer (a fake engine answers) ---------------------------------------------------------------------
ASKED = _lines(
    ("Ann", "The hall is booked for the concert on the ninth."),  # 1: about nobody: not asked
    ("Ben", "Harvey's been sleeping in class because his mum works nights now."),  # 2: asked; the model: yes
    ("Cat", "Mr Ortiz says the new boilers arrive in March."),  # 3: asked; the model: no
    ("Dev", "Lily's been excluded again, for the vaping."),  # 4: the lexicon's: not asked
    ("Ann", "Thanks, Dev."),  # 5: too short to ask
)


def test_the_model_is_asked_only_about_lines_the_lexicon_left_and_flags_what_it_judges_private():
    engine = FakeEngine(judge=lambda q: 0.9 if "Harvey" in q else 0.1)
    found = detect(ASKED, ["Ann", "Ben", "Cat", "Dev"], engine)
    asked = "\n".join(engine.judged)
    assert "Harvey" in asked and "Ortiz" in asked
    assert "concert" not in asked and "Lily" not in asked and "Thanks, Dev" not in asked
    assert found.by_layer == {"lexicon": {4}, "model": {2}}
    (flag,) = found.flags  # lines 2 to 4: one passage, both reasons
    assert flag.kind == "private" and "the model judged it" in flag.reason and "exclusion" in flag.reason
    assert 2 in found.withheld and 4 in found.withheld and 1 not in found.withheld
    assert engine.classify_opening == private.opening()  # the fixed opening, kept in the model's cache


def test_a_group_judged_private_is_asked_line_by_line_and_only_a_line_judged_private_alone_flags():
    lines = _lines(
        *[("Ann", f"{name} said something about the weekend.") for name in ("Rhys", "Megan", "Dylan")]
    )
    engine = FakeEngine(judge=lambda q: 0.9 if q.count("\n") > 1 or "Megan" in q else 0.1)
    found = detect(lines, [], engine)
    assert found.by_layer["model"] == {2} and found.asked == 4  # one group, then its three lines
    engine = FakeEngine(judge=lambda q: 0.9 if q.count("\n") > 1 else 0.1)  # no line alone passes
    assert detect(lines, [], engine).by_layer["model"] == set()


def test_no_engine_means_the_lexical_layers_only():
    assert detect(ASKED, ["Ann", "Ben", "Cat", "Dev"]).by_layer == {"lexicon": {4}}


# -- a reviewer's decisions on an earlier draft -------------------------------------------------------------------
def test_lines_a_reviewer_cleared_are_drafted_and_lines_they_flagged_are_withheld():
    cleared = Reviewed(
        cleared=((PASSAGE[3].start, PASSAGE[3].end),), added=((PASSAGE[7].start, PASSAGE[8].end),)
    )
    found = detect(PASSAGE, ["Ann", "Ben", "Cat", "Dev"], reviewed=cleared)
    assert found.withheld == {8, 9}
    assert [f.kind for f in found.flags] == ["sensitive"]
    assert "flagged by a reviewer on an earlier draft (lines 8-9)" in found.flags[0].reason


# -- what reaches the draft ---------------------------------------------------------------------------------------
def test_nothing_of_a_model_flagged_passage_reaches_an_item_a_note_or_the_summary():
    transcript = meeting(
        ("Ann", "We'll take the Year 5s to the farm on the sixth."),
        ("Ben", "Harvey's been sleeping in class because his mum works nights now."),
        ("Ann", "Ben, could you book the coach?"),
    )
    engine = FakeEngine(
        reply(
            decisions=[
                {"lines": [1], "text": "The Year 5s go to the farm on the sixth.", "outcome": "agreed"}
            ],
            actions=[
                {"lines": [3], "task": "Book the coach", "owners": ["Ben"], "due": None},
                {"lines": [3], "task": "Check on Harvey at night", "owners": ["Ann"], "due": None},
            ],
            points=[
                {"text": "The Year 5s go to the farm on the sixth.", "lines": [1]},
                {"text": "Harvey sleeps in class.", "lines": [3]},
            ],
        ),
        judge=lambda q: 0.9 if "Harvey" in q else 0.0,
    )
    draft = extract(engine, transcript, ["Ann", "Ben"], WEDNESDAY)
    assert "Harvey" not in engine.asked[0][0][-1]["content"]
    assert [a.task for a in draft.actions] == ["Book the coach"]
    assert draft.summary == "The Year 5s go to the farm on the sixth."
    written = " ".join([draft.summary, *draft.notes, *(p.text for p in draft.points)])
    assert "harvey" not in written.lower() and "nights" not in written.lower()


def test_a_summary_sentence_on_a_withheld_matter_is_dropped():
    summary = "The trip goes ahead. Ruby's referral to the paediatrician was discussed. Lunch moves."
    assert safe_summary(summary, {"ruby"}) == "The trip goes ahead. Lunch moves."
    assert is_sensitive("Speak to Ruby's dad about the referral.")
    assert not is_sensitive("Publish the revised behaviour policy on the website.")


def test_a_line_a_reviewer_cleared_splits_a_passage_and_is_drafted():
    cleared = Reviewed(cleared=((PASSAGE[4].start, PASSAGE[4].end),))  # line 5, "That's awful."
    found = detect(PASSAGE, ["Ann", "Ben", "Cat", "Dev"], reviewed=cleared)
    assert found.withheld == {2, 3, 4, 6, 7}
    assert ["lines 2-4" in f.reason or "lines 6-7" in f.reason for f in found.flags] == [True, True]


def test_a_place_the_meeting_names_is_nobody():
    texts = ["The roof at Ashdown is leaking again.", "Ashdown had two maternity covers this term."]
    people = persons.People.of([], texts)
    assert not persons.about_person(texts[1], people) and not persons.about_person(texts[0], people)
    assert not lexical(_lines(*[("Bursar", t) for t in texts]), people)
    assert persons.about_person(
        "Zara's mum is at Ashdown tonight.", people
    )  # a person at a place still is one


def test_the_person_may_be_named_in_the_line_before():
    about = _lines(("Ann", "What about Tyler?"), ("Ben", "There was a fight at home and the police came."))
    assert detect(about, ["Ann", "Ben"]).withheld == {1, 2}
    business = _lines(
        ("Ann", "We need the figures."), ("Ben", "Exclusions across the trust fell by a third.")
    )
    assert detect(business, ["Ann", "Ben"]).withheld == set()

"""Lexical detection of sensitive passages: flagged with evidence, withheld from the model, auditable cues."""

from minutes.drafting.sensitive import cues, detect
from minutes.drafting.windows import Line


def _lines(*rows):
    return [Line(i, i * 10.0, i * 10.0 + 8, speaker, text) for i, (speaker, text) in enumerate(rows, 1)]


def test_safeguarding_passage_is_flagged_with_its_time_range_and_withheld():
    lines = _lines(
        ("Priya", "Next item, the trip."),
        ("Helen", "Before we move on, I have a safeguarding concern about a pupil in Year 8."),
        ("Helen", "He came in with bruises again on Monday and I've spoken to the DSL."),
        ("Tom", "Thanks Helen, let's pick that up separately."),
    )
    found = detect(lines)
    kinds = {f.kind for f in found.flags}
    assert "safeguarding" in kinds
    assert found.withheld == {2, 3}  # the cue line and the same speaker's continuation
    flag = next(f for f in found.flags if f.kind == "safeguarding")
    assert flag.evidence[0].start == 20.0 and flag.evidence[0].end == 38.0
    assert "safeguarding" in flag.reason
    assert all(e.quote == "" for f in found.flags for e in f.evidence)  # the passage text is not copied


def test_each_kind_has_a_cue():
    assert {k for k, _ in cues("His EHCP review is due")} == {"send"}
    assert {k for k, _ in cues("She is on sick leave after surgery")} == {"health"}
    assert {k for k, _ in cues("the disciplinary hearing for a member of staff")} == {"staffing"}
    assert {k for k, _ in cues("I'm worried about Jamie")} == {"concern"}


def test_ordinary_meeting_talk_is_not_flagged():
    lines = _lines(
        ("Sam", "Sure, I'll draft it and send it to you to check."),
        ("Priya", "We are concerned about the budget for the lab technician post."),
        ("Tom", "The coach company said April is no problem."),
    )
    assert detect(lines).flags == []


def test_roles_documents_training_and_groups_are_business_not_flags():
    lines = _lines(
        ("Yas", "What do we need from the SENCO?"),
        ("Dan", "The SEN information report isn't quite ready yet."),
        ("Kit", "I'm on the safeguarding course all day Monday."),
        ("Amy", "The criteria must not exclude students with SEND who are capable of it."),
        ("Dan", "The safeguarding policy was updated in September."),
    )
    assert detect(lines).flags == []
    assert {k for k, _ in cues("The SENCO is worried about Jamie's EHCP review.")} == {"send", "concern"}
    assert {k for k, _ in cues("A pupil with SEND disclosed abuse at home.")} == {"send", "safeguarding"}

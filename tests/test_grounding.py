"""The grounding check: quotes must be in the transcript in their time range, owners present; else unsupported."""

from minutes.core.types import Action, Decision, Draft, Evidence, Segment, Transcript
from minutes.drafting.grounding import quote_found, verify


def _reference(demo) -> Transcript:
    segments = []
    for row in (demo / "reference.stm").read_text().splitlines():
        _, _, speaker, start, end, text = row.split(maxsplit=5)
        segments.append(Segment(float(start), float(end), text, speaker=speaker))
    return Transcript("en", 98.0, segments)


def test_real_items_are_supported_and_a_planted_fake_is_not(demo):
    transcript = _reference(demo)
    draft = Draft(
        decisions=[
            Decision(
                "The trip moves to the last week of April",
                [Evidence(27.7, 34.2, "so we're agreed the trip moves to the last week of april")],
            )
        ],
        actions=[
            Action(
                "Book the coach", "Tom", "2026-11-27", [Evidence(34.7, 36.6, "Yes, I'll book it by Friday.")]
            ),
            # planted: nobody said this
            Action(
                "Buy new microscopes for the lab",
                "Helen",
                None,
                [Evidence(40.0, 55.0, "Helen will buy new microscopes for the lab")],
            ),
        ],
    )
    verify(draft, transcript)
    assert draft.decisions[0].status == "supported"
    assert [a.status for a in draft.actions] == ["supported", "unsupported"]
    assert any(n.startswith("action 2 unsupported") for n in draft.notes)


def test_asr_errors_and_punctuation_are_tolerated(demo):
    transcript = _reference(demo)
    # tiny.en heard "draft" as "drop", and punctuation and the apostrophe are gone
    assert quote_found(
        transcript, Evidence(67.7, 71.7, "sure ill drop it by next wednesday and send it to you")
    )
    assert not quote_found(transcript, Evidence(67.7, 71.7, "Sam will order new microscopes for the lab"))
    draft = Draft(
        actions=[
            Action(
                "Send the letter to Priya to check",
                "Sam",
                None,
                [Evidence(67.7, 71.7, "sure ill drop it by next wednesday and send it to you")],
            )
        ]
    )
    assert verify(draft, transcript).actions[0].status == "supported"


def test_a_real_quote_at_the_wrong_time_is_unsupported(demo):
    draft = Draft(
        actions=[Action("Book the coach", "Tom", None, [Evidence(80.0, 88.0, "I'll book it by Friday")])]
    )
    assert verify(draft, _reference(demo)).actions[0].status == "unsupported"


def test_an_owner_who_neither_speaks_nor_is_addressed_is_unsupported(demo):
    ev = [Evidence(34.7, 36.6, "Yes, I'll book it by Friday.")]
    draft = Draft(
        actions=[Action("Book the coach", "Helen", None, ev), Action("Book the coach", None, None, ev)]
    )
    verify(draft, _reference(demo))
    assert [a.status for a in draft.actions] == ["unsupported", "supported"]


def test_an_item_without_evidence_is_unsupported(demo):
    draft = Draft(decisions=[Decision("Buy a minibus")])
    assert verify(draft, _reference(demo)).decisions[0].status == "unsupported"

"""The grounding check: quotes must be in the transcript in their time range, owners present; else unsupported."""

from minutes.core.types import Action, Decision, Draft, Evidence, Segment, Transcript
from minutes.drafting.grounding import quote_found, verify


def _reference(demo) -> Transcript:
    segments = []
    for row in (demo / "reference.stm").read_text().splitlines():
        _, _, speaker, start, end, text = row.split(maxsplit=5)
        segments.append(Segment(start=float(start), end=float(end), text=text, speaker=speaker))
    return Transcript(language="en", duration=98.0, segments=segments)


def test_real_items_are_supported_and_a_planted_fake_is_not(demo):
    transcript = _reference(demo)
    draft = Draft(
        decisions=[
            Decision(
                text="The trip moves to the last week of April",
                evidence=[
                    Evidence(
                        start=27.7, end=34.2, quote="so we're agreed the trip moves to the last week of april"
                    )
                ],
            )
        ],
        actions=[
            Action(
                task="Book the coach",
                owner="Tom",
                due="2026-11-27",
                evidence=[Evidence(start=34.7, end=36.6, quote="Yes, I'll book it by Friday.")],
            ),
            # planted: nobody said this
            Action(
                task="Buy new microscopes for the lab",
                owner="Helen",
                due=None,
                evidence=[Evidence(start=40.0, end=55.0, quote="Helen will buy new microscopes for the lab")],
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
        transcript,
        Evidence(start=67.7, end=71.7, quote="sure ill drop it by next wednesday and send it to you"),
    )
    assert not quote_found(
        transcript, Evidence(start=67.7, end=71.7, quote="Sam will order new microscopes for the lab")
    )
    draft = Draft(
        actions=[
            Action(
                task="Send the letter to Priya to check",
                owner="Sam",
                due=None,
                evidence=[
                    Evidence(
                        start=67.7, end=71.7, quote="sure ill drop it by next wednesday and send it to you"
                    )
                ],
            )
        ]
    )
    assert verify(draft, transcript).actions[0].status == "supported"


def test_a_real_quote_at_the_wrong_time_is_unsupported(demo):
    draft = Draft(
        actions=[
            Action(
                task="Book the coach",
                owner="Tom",
                due=None,
                evidence=[Evidence(start=80.0, end=88.0, quote="I'll book it by Friday")],
            )
        ]
    )
    assert verify(draft, _reference(demo)).actions[0].status == "unsupported"


def test_an_owner_who_neither_speaks_nor_is_addressed_is_unsupported(demo):
    ev = [Evidence(start=34.7, end=36.6, quote="Yes, I'll book it by Friday.")]
    draft = Draft(
        actions=[
            Action(task="Book the coach", owner="Helen", due=None, evidence=ev),
            Action(task="Book the coach", owner=None, due=None, evidence=ev),
        ]
    )
    verify(draft, _reference(demo))
    assert [a.status for a in draft.actions] == ["unsupported", "supported"]


def test_an_item_without_evidence_is_unsupported(demo):
    draft = Draft(decisions=[Decision(text="Buy a minibus")])
    assert verify(draft, _reference(demo)).decisions[0].status == "unsupported"

"""Candidate windows: every line that holds a gold decision or action is selected; chunks respect the budget."""

from minutes.drafting.windows import Line, chunk, is_cue, render, select


def _demo_lines(demo):
    rows = [
        line.split(maxsplit=5) for line in (demo / "reference.stm").read_text().splitlines() if line.strip()
    ]
    return [Line(i, float(r[3]), float(r[4]), r[2], r[5]) for i, r in enumerate(rows, 1)]


def _words(text):
    return len(text.split())


def test_demo_lines_with_decisions_and_actions_are_selected(demo):
    lines = _demo_lines(demo)
    chosen = {line.number for w in select(lines, ["Priya", "Tom", "Helen", "Sam"]) for line in w}
    # 4-6: the trip decision and Tom's action; 9-12: the homework trial and Sam's letter; 15: Priya's budget check
    assert {4, 5, 6, 7, 9, 10, 11, 12, 15} <= chosen


def test_addressing_a_participant_is_a_cue():
    line = Line(1, 0, 1, "Priya", "Good. Helen, the rota.")
    assert is_cue(line, ["Helen"]) and not is_cue(line, ["Sam"])


def test_words_that_only_look_like_cues_are_not_cues():
    for text in (
        "The groups have settled in well this term.",
        "He was ill last week.",
        "They parked outside.",
    ):
        assert not is_cue(Line(1, 0, 1, "A", text)), text
    assert is_cue(Line(1, 0, 1, "A", "I’ll send it round."))  # a typographic apostrophe


def test_filler_is_not_selected_and_windows_do_not_overlap():
    filler = "The weather has been grey and the car park is being resurfaced."
    lines = [Line(i, i, i + 1, "A", filler) for i in range(1, 41)]
    lines[19] = Line(20, 20, 21, "B", "So we're agreed, the rota changes.")
    windows = select(lines, ["A", "B"])
    assert [[x.number for x in w] for w in windows] == [[19, 20, 21]]


def test_chunks_fit_the_budget_and_keep_every_line_once(demo):
    lines = [
        Line(n, n, n + 1, x.speaker, x.text)
        for n, x in enumerate((x for _ in range(30) for x in _demo_lines(demo)), 1)
    ]
    windows = select(lines, ["Priya", "Tom", "Helen", "Sam"])
    chunks = chunk(windows, _words, budget=200)
    assert len(chunks) > 5
    assert all(sum(_words(x.render()) + 1 for x in c) <= 200 for c in chunks)
    flat = [x.number for c in chunks for x in c]
    assert flat == [x.number for w in windows for x in w]


def test_render_marks_gaps():
    lines = [Line(1, 0, 1, "A", "one"), Line(2, 1, 2, None, "two"), Line(5, 4, 5, "B", "five")]
    assert render(lines) == "1 A: one\n2 Unknown: two\n...\n5 B: five"

"""Gaps in words: size and direction, never a bare sign."""

import pytest

from phm.gap_words import gap_sentence, gap_words, interval_words


@pytest.mark.parametrize(
    ("points", "low", "high", "words"),
    [
        (-17.9, -18.2, -17.6, "17.9 percentage points lower (95% CI 17.6 to 18.2 lower)"),
        (17.9, 17.6, 18.2, "17.9 percentage points higher (95% CI 17.6 to 18.2 higher)"),
        (0.4, -0.3, 1.1, "0.4 percentage points higher (95% CI 0.3 lower to 1.1 higher)"),
        (-0.4, -1.1, 0.3, "0.4 percentage points lower (95% CI 1.1 lower to 0.3 higher)"),
        (0.02, -0.5, 0.5, "no different (0.0 percentage points) (95% CI 0.5 lower to 0.5 higher)"),
    ],
)
def test_a_gap_reads_as_size_and_direction(points, low, high, words):
    assert gap_words(points, low, high) == words
    assert "+" not in words and "−" not in words and "-" not in words


def test_the_short_form_and_an_interval_alone():
    assert gap_words(-10.0, unit="points") == "10.0 points lower"
    assert interval_words(-3.0, 0.0) == "3.0 lower to 0.0 higher"


def test_a_sentence_names_both_groups_once():
    text = gap_sentence("the most deprived fifth", "the least deprived fifth", -17.9, -18.2, -17.6)
    assert text == (
        "Uptake in the most deprived fifth is 17.9 percentage points lower than in the least"
        " deprived fifth (95% CI 17.6 to 18.2 lower)."
    )
    assert gap_sentence("A", "B", 0.0, -1.0, 1.0) == (
        "Uptake in A is no different from B (0.0 percentage points; 95% CI 1.0 lower to 1.0 higher)."
    )


def test_not_a_number_is_refused():
    with pytest.raises(ValueError):
        gap_words(float("nan"))

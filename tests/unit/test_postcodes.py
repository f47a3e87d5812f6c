"""One postcode spelling for the reference, users' lists of places and NHS England's site list."""

import pandas as pd
import pytest

from phm.geo.postcodes import normalise_postcode, normalise_postcodes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" n1 9gu ", "N1 9GU"),
        ("EN11AA", "EN1 1AA"),
        ("n19 5nf", "N19 5NF"),  # from NHS England's site list
        (" N195NF ", "N19 5NF"),
        ("WC1N  3JH", "WC1N 3JH"),
        ("N1\xa09GU", "N1 9GU"),  # a non-breaking space from a spreadsheet
        ("nonsense!", ""),
        ("N1", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_postcode(raw, expected) -> None:
    assert normalise_postcode(raw) == expected


def test_a_column_of_postcodes_is_normalised_one_by_one() -> None:
    # Code-Point Open pads the outward code ('N1  9GU'); the ONS lookup spells it 'N1 9GU'.
    raw = pd.Series(["N1  9GU", "NW1 2DB", "en11aa", None], dtype="string")
    got = normalise_postcodes(raw)
    assert got.tolist() == ["N1 9GU", "NW1 2DB", "EN1 1AA", ""]
    assert got.dtype == "string"

"""Code lists (phm.codes): ethnicity categories, age bands, deprivation quintiles."""

import pytest

from phm import codes

# NHS Data Dictionary, "Ethnic Category" (2001 census categories): A-S without I, O and Q.
NHS_ETHNIC_CATEGORIES = {
    "A": "White British",
    "B": "White Irish",
    "C": "Any other White background",
    "D": "White and Black Caribbean",
    "E": "White and Black African",
    "F": "White and Asian",
    "G": "Any other mixed background",
    "H": "Indian",
    "J": "Pakistani",
    "K": "Bangladeshi",
    "L": "Any other Asian background",
    "M": "Caribbean",
    "N": "African",
    "P": "Any other Black background",
    "R": "Chinese",
    "S": "Any other ethnic group",
}
BROAD_GROUP_OF = {
    "White": "ABC",
    "Mixed": "DEFG",
    "Asian or Asian British": "HJKL",
    "Black or Black British": "MNP",
    "Other ethnic groups": "RS",
}


def test_there_are_18_ethnicity_codes_16_categories_plus_not_stated_and_not_known():
    assert len(codes.ETHNICITIES) == 18
    assert [e.code for e in codes.ETHNICITIES] == [*NHS_ETHNIC_CATEGORIES, "Z", "99"]
    assert {c: codes.ETHNICITY_LABELS[c] for c in NHS_ETHNIC_CATEGORIES} == NHS_ETHNIC_CATEGORIES
    assert codes.ETHNICITY_LABELS["Z"] == "Not stated"
    assert codes.ETHNICITY_LABELS["99"] == "Not known"


def test_each_ethnicity_code_belongs_to_its_broad_group():
    for group, letters in BROAD_GROUP_OF.items():
        for letter in letters:
            assert codes.ETHNICITY_GROUP[letter] == group
    assert codes.ETHNICITY_GROUP["Z"] == codes.ETHNICITY_GROUP["99"] == "Not stated or not known"
    assert (*BROAD_GROUP_OF, "Not stated or not known") == codes.ETHNIC_GROUPS


def test_age_bands_cover_every_age_without_gaps():
    previous_high = -1
    for _label, low, high in codes.AGE_BANDS:
        assert low == previous_high + 1
        previous_high = high if high is not None else previous_high
    assert codes.AGE_BANDS[-1][2] is None
    assert len(codes.AGE_BAND_LABELS) == 14


@pytest.mark.parametrize(
    ("decile", "quintile"),
    [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (8, 4), (9, 5), (10, 5)],
)
def test_imd_quintile_pairs_deciles_1_and_2_as_most_deprived(decile, quintile):
    assert codes.imd_quintile(decile) == quintile


@pytest.mark.parametrize("decile", [0, 11, -3])
def test_imd_quintile_rejects_deciles_outside_1_to_10(decile):
    with pytest.raises(ValueError, match="1-10"):
        codes.imd_quintile(decile)


def test_jcvi_cohorts_are_0_to_12_and_doses_are_1_to_3():
    assert sorted(codes.JCVI_COHORTS) == list(range(13))
    assert list(codes.DOSES) == ["1", "2", "3"]
    assert list(codes.IMD_QUINTILES) == [1, 2, 3, 4, 5]


def test_every_at_risk_condition_is_also_a_flag():
    assert set(codes.AT_RISK_CONDITIONS) <= set(codes.FLAGS)
    assert len(codes.AT_RISK_CONDITIONS) == 7

"""How the targeting finder names groups and places, ranks, links and protects its findings."""

import numpy as np
import pandas as pd
import pytest

from phm.analysis import targeting
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE, DisclosureRule
from tests.record_keys import with_keys

EXACT = DisclosureRule(threshold=8, rounding=1)


@pytest.mark.parametrize(
    ("conditions", "words"),
    [
        ([("main_language", "Romanian"), ("age_band", "40-44")], "Romanian speakers aged 40-44"),
        ([("ethnicity_code", "N")], "African people"),
        ([("ethnicity_code", "C")], "People of any other White background"),
        ([("ethnicity_code", "Z")], "People whose ethnicity is not stated"),
        (
            [("ethnic_group", "Mixed"), ("is_housebound", True)],
            "People of mixed ethnicity who are housebound",
        ),
        (
            [("ethnicity_code", "A"), ("main_language", "English")],
            "White British people whose first language is English",
        ),
        ([("age_band", "Under 18")], "People aged under 18"),
        (
            [("age_band", "80+"), ("is_care_home_resident", True)],
            "People aged 80 and over living in a care home",
        ),
        ([("imd_quintile", 1)], "People in the most deprived fifth of areas (Core20)"),
        (
            [("imd_quintile", 3), ("has_learning_disability", True)],
            "People with a learning disability in IMD quintile 3",
        ),
    ],
)
def test_groups_read_as_plain_english(conditions, words):
    assert targeting.describe_group(conditions) == words


def test_every_flag_has_a_phrase():
    from phm import codes

    assert set(targeting.FLAG_PHRASES) == set(codes.FLAGS)


@pytest.mark.parametrize(
    ("level", "name", "words"),
    [
        ("msoa", "Enfield 012", "in Enfield 012 (MSOA)"),
        ("borough", "Camden", "in Camden"),
        ("pcn", "Haringey North PCN", "registered with Haringey North PCN"),
    ],
)
def test_places_read_as_plain_english(level, name, words):
    assert targeting.place_phrase(level, name) == words


def test_a_finding_narrows_the_base_cohort_to_its_group_and_place():
    base = Cohort(age_min=18, languages=("Polish", "Romanian"), flags=(("is_pregnant", False),))
    cohort = targeting.finding_cohort(
        base, "msoa", "E02000123", [("main_language", "Romanian"), ("is_housebound", True)]
    )
    assert cohort.languages == ("Romanian",)
    assert cohort.msoas == ("E02000123",)
    assert dict(cohort.flags) == {"is_pregnant": False, "is_housebound": True}
    assert cohort.age_min == 18
    params = cohort.to_query_params()
    assert params["language"] == ["Romanian"] and params["is_housebound"] == "yes"


def _candidates(rows):
    """Return finder candidates with the record-key sums the scan adds to each cell."""
    base = targeting.FINDING_COLUMNS[:-2]
    return with_keys(pd.DataFrame(rows, columns=base))


def test_rank_keeps_groups_clearly_below_the_rate_by_excess_and_drops_duplicates():
    candidates = _candidates(
        [
            ("A", "a", "age_band", "18-24", None, None, 400, 1000),  # excess 300
            ("B", "b", "main_language", "Polish", None, None, 100, 500),  # excess 250
            ("C", "c", "main_language", "Greek", None, None, 68, 100),  # interval reaches 0.7
            ("D", "d", "main_language", "Greek", None, None, 50, 2000),  # excess 1350
        ]
    )
    # The same people in A reached as a pair (same counts and key sums): kept once.
    same = candidates.iloc[[0]].assign(second="imd_quintile", second_value=1)
    candidates = pd.concat([candidates.iloc[:1], same, candidates.iloc[1:]], ignore_index=True)
    ranked = targeting.rank(candidates, 0.7, EXACT, top=10)
    assert list(ranked["place_code"]) == ["D", "A", "B"]
    assert list(ranked["excess_unvaccinated"]) == pytest.approx([1350, 300, 250])
    assert ranked.loc[1, "second"] is None or pd.isna(ranked.loc[1, "second"])
    assert len(targeting.rank(candidates, 0.7, EXACT, top=2)) == 2
    assert not any(c.endswith("_key") for c in ranked.columns)


def test_rank_orders_and_chooses_by_shown_figures_ties_by_name():
    # Exact excess puts Z (299) before Y (298); shown figures put Y (300) before Z (295).
    candidates = pd.DataFrame(
        [
            ("Z", "z", "age_band", "18-24", None, None, 401, 1000, 0, 0),
            ("Y", "y", "age_band", "18-24", None, None, 402, 1000, 255 * 3, 0),
        ],
        columns=targeting.FINDING_COLUMNS,
    )
    ranked = targeting.rank(candidates, 0.7, DEFAULT_RULE, top=10)
    # 401 with cell key 0 rounds up to 405; 402 with cell key 253 rounds down to 400.
    assert list(ranked["vaccinated"]) == [400, 405]
    assert list(ranked["place_code"]) == ["Y", "Z"]
    # Equal shown figures rank by place code, whatever the exact counts behind them.
    tied = candidates.assign(vaccinated=[401, 403], vaccinated_key=[0, 0])
    assert list(targeting.rank(tied, 0.7, DEFAULT_RULE)["place_code"]) == ["Y", "Z"]
    # A group just under the minimum size is kept when its shown population reaches it.
    small = pd.DataFrame(
        [("S", "s", "age_band", "18-24", None, None, 10, 48, 0, 0)],
        columns=targeting.FINDING_COLUMNS,
    )
    assert list(targeting.rank(small, 0.7, DEFAULT_RULE, min_size=50)["population"]) == [50]


def test_present_shows_only_protected_figures():
    candidates = pd.DataFrame(
        [("E02000001", "Barnet 001", "main_language", "Polish", None, None, 81, 263, 0, 255 * 2)],
        columns=targeting.FINDING_COLUMNS,
    )
    ranked = targeting.rank(candidates, 0.7, DEFAULT_RULE)
    [finding] = targeting.present(ranked, Cohort(), "msoa", 0.7, DEFAULT_RULE)
    # 81 (cell key 0) shows as 85 and 263 (cell key 254) as 260; the rate from those: 32.7%.
    assert finding.uptake == "32.7%"
    assert finding.unvaccinated == "175"  # 260 - 85, derived from the two shown counts
    assert int(finding.excess.replace(",", "")) % 5 == 0
    sentence = finding.sentence("70.0% across X")
    assert "81" not in sentence and "263" not in sentence and "182" not in sentence
    exact = targeting.present(targeting.rank(candidates, 0.7, EXACT), Cohort(), "msoa", 0.7, EXACT)
    assert exact[0].unvaccinated == "182" and exact[0].uptake == "30.8%"


def test_build_members_maps_rows_to_places_quintiles_and_bands():
    lsoas = pd.DataFrame(
        {
            "row": [0, 1],
            "msoa_code": ["M2", "M1"],
            "msoa_name": ["Two", "One"],
            "lad_code": ["L", "L"],
            "lad_name": ["Lad", "Lad"],
            "imd_decile": [1, 10],
        }
    )
    practices = pd.DataFrame({"row": [0], "pcn_code": ["P"], "pcn_name": ["Pcn"]})
    raw = {
        "lsoa_row": np.array([0, 1, 1]),
        "practice_row": np.array([0, 0, 0]),
        "ethnicity": np.array([1, 14, 0]),
        "language": np.array([1, 2, 1]),
        "age": np.array([17, 18, 85]),
        "flags": np.array([0, 1, 3]),
        "vaccinated": np.array([False, True, True]),
        "record_key": np.array([7, 200, 13]),
    }
    members = targeting.build_members(raw, lsoas, practices, ["English", "Polish"], "msoa")
    assert members.place_codes == ("M1", "M2")
    assert list(members.place) == [1, 0, 0]
    assert list(members.characteristics["imd_quintile"]) == [1, 5, 5]
    assert [members.values["age_band"][i - 1] for i in members.characteristics["age_band"]] == [
        "Under 18",
        "18-24",
        "80+",
    ]
    assert members.characteristics["ethnic_group"][2] == 0  # not coded stays not coded
    with pytest.raises(ValueError, match="place level"):
        targeting.build_members(raw, lsoas, practices, ["English"], "lsoa")


def test_a_group_with_no_first_language_recorded_is_not_called_speakers():
    assert (
        targeting.describe_group([("main_language", "Not recorded")])
        == "People whose first language is not recorded"
    )
    assert targeting.describe_group(
        [("ethnicity_code", "A"), ("main_language", "Not recorded")]
    ).endswith("whose first language is not recorded")

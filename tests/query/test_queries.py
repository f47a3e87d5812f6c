"""phm.queries against an independent pandas computation on the tiny demo database."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from phm import codes
from phm.cohort import Cohort
from phm.queries import DIMENSIONS, filter_options, uptake_all_doses, uptake_by
from tests.query.pandas_reference import (
    DOSE_COLUMN,
    NCL_BOROUGHS,
    PANDAS_DIMENSIONS,
    cohorts,
    pandas_cohort,
    pandas_uptake,
    sql_uptake,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_uptake_by_matches_pandas_for_random_cohorts_and_breakdowns(
    data, tiny_con, people, options
):
    cohort = data.draw(cohorts(options), label="cohort")
    n_dims = data.draw(st.integers(0, 2), label="n_dims")
    dims = data.draw(
        st.lists(
            st.sampled_from(sorted(PANDAS_DIMENSIONS)),
            min_size=n_dims,
            max_size=n_dims,
            unique=True,
        ),
        label="dims",
    )
    result = uptake_by(tiny_con, cohort, dims)
    expected = pandas_uptake(people, cohort, dims)
    event("people counted" if result["population"].sum() else "nobody counted")
    assert sql_uptake(result, dims) == expected


@pytest.mark.parametrize(
    "dims",
    [
        ["age_band"],
        ["ethnic_group", "imd_quintile"],
        ["borough", "pcn"],
        ["main_language", "has_diabetes"],
    ],
)
def test_uptake_by_matches_pandas_for_everyone(tiny_con, people, dims):
    expected = pandas_uptake(people, Cohort(), dims)
    assert sql_uptake(uptake_by(tiny_con, Cohort(), dims), dims) == expected
    # Guard against a vacuous comparison: the tiny demo has thousands of people vaccinated.
    assert sum(v for v, *_ in expected.values()) > 5_000


def test_uptake_by_labels_places_with_their_names_and_codes_with_code_list_labels(tiny_con, people):
    by_borough = uptake_by(tiny_con, Cohort(), ["borough"])
    assert (
        dict(zip(by_borough["borough"], by_borough["borough_label"], strict=True)) == NCL_BOROUGHS
    )
    by_pcn = uptake_by(tiny_con, Cohort(), ["pcn"])
    names = people.drop_duplicates("pcn_code").set_index("pcn_code")["pcn_name"].to_dict()
    assert dict(zip(by_pcn["pcn"], by_pcn["pcn_label"], strict=True)) == names
    by_ethnicity = uptake_by(tiny_con, Cohort(), ["ethnicity_code"])
    for code, label in zip(
        by_ethnicity["ethnicity_code"], by_ethnicity["ethnicity_code_label"], strict=True
    ):
        assert label == codes.ETHNICITY_LABELS[code]


def test_uptake_by_returns_rows_in_code_list_order(tiny_con):
    bands = uptake_by(tiny_con, Cohort(), ["age_band"])["age_band"].tolist()
    assert bands == [b for b in codes.AGE_BAND_LABELS if b in bands]
    assert bands[0] == "Under 18" and bands[-1] == "80+"
    quintiles = uptake_by(tiny_con, Cohort(), ["imd_quintile"])["imd_quintile"].tolist()
    assert quintiles == sorted(quintiles)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_uptake_all_doses_matches_pandas_counts(data, tiny_con, people, options):
    cohort = data.draw(cohorts(options))
    frame = uptake_all_doses(tiny_con, cohort)
    assert frame["dose"].tolist() == ["1", "2", "3"]
    assert frame["dose_label"].tolist() == ["First dose", "Second dose", "Booster"]
    members = pandas_cohort(people, cohort)
    as_at = pd.Timestamp(cohort.as_at)
    expected = [int((members[DOSE_COLUMN[d]] <= as_at).sum()) for d in ("1", "2", "3")]
    assert frame["vaccinated"].tolist() == expected
    assert frame["population"].tolist() == [len(members)] * 3


def test_uptake_all_doses_for_everyone_has_fewer_boosters_than_first_doses(tiny_con, people):
    frame = uptake_all_doses(tiny_con, Cohort())
    vaccinated = frame["vaccinated"].tolist()
    assert vaccinated[0] > vaccinated[1] > vaccinated[2] > 0
    assert vaccinated == [pandas_uptake(people, Cohort(dose=d), [])[()][0] for d in "123"]


@pytest.mark.parametrize(
    "dims",
    [["postcode"], ["age_band", "sex", "borough"], ["sex", "sex"], ["p.sex; DROP TABLE person"]],
)
def test_uptake_by_rejects_unknown_repeated_or_too_many_dimensions(tiny_con, dims):
    with pytest.raises(ValueError):
        uptake_by(tiny_con, Cohort(), dims)


def test_every_declared_dimension_splits_the_whole_population(tiny_con):
    total = uptake_by(tiny_con, Cohort(), [])["population"].iat[0]
    for name in DIMENSIONS:
        frame = uptake_by(tiny_con, Cohort(), [name])
        assert frame["population"].sum() == total, name
        assert frame[f"{name}_label"].notna().all(), name


def test_a_malicious_borough_matches_nobody_and_leaves_the_person_table(tiny_con):
    malicious = "E09000003'; DROP TABLE person; --"
    frame = uptake_by(tiny_con, Cohort(boroughs=(malicious,)), [])
    assert frame["population"].tolist() == [0]
    assert tiny_con.execute("SELECT count(*) FROM person").fetchone()[0] == 16_000


def test_filter_options_lists_the_five_ncl_boroughs(tiny_con):
    options = filter_options(tiny_con)
    assert options["boroughs"] == NCL_BOROUGHS
    assert list(options["boroughs"].values()) == sorted(NCL_BOROUGHS.values())
    assert set(options) == {"boroughs", "msoas", "lsoas", "pcns", "practices", "languages"}
    assert len(options["lsoas"]) == 795
    assert next(iter(options["languages"])) == "English"
    assert set(options["languages"]) <= {*codes.LANGUAGES, codes.LANGUAGE_NOT_RECORDED}
    # 'Not recorded' is its own value, offered like any language, never folded into English.
    assert codes.LANGUAGE_NOT_RECORDED in options["languages"]

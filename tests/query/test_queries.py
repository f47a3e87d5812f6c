"""phm.queries against an independent pandas computation on the tiny demo database."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from phm import codes
from phm.cohort import Cohort
from phm.queries import DIMENSIONS, filter_options, uptake_all_doses, uptake_by

NCL_BOROUGHS = {
    "E09000003": "Barnet",
    "E09000007": "Camden",
    "E09000010": "Enfield",
    "E09000014": "Haringey",
    "E09000019": "Islington",
}
DOSE_COLUMN = {"1": "first_dose_date", "2": "second_dose_date", "3": "booster_date"}
QUINTILE_OF_DECILE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}
# Dimensions checked against pandas: dimension -> column of the `people` frame below.
PANDAS_DIMENSIONS = {
    "age_band": "age_band",
    "age": "age",
    "sex": "sex",
    "jcvi_cohort": "jcvi_cohort",
    "ethnicity_code": "ethnicity_code",
    "ethnic_group": "ethnic_group",
    "imd_quintile": "imd_quintile",
    "imd_decile": "imd_decile",
    "borough": "lad_code",
    "msoa": "msoa_code",
    "pcn": "pcn_code",
    "practice": "practice_code",
    "main_language": "main_language",
    "ltc_count": "ltc_capped",
    "has_diabetes": "has_diabetes",
    "is_housebound": "is_housebound",
    "needs_interpreter": "needs_interpreter",
}
# NHS England reporting bands, by lowest age (written out here, not taken from phm.codes).
AGE_BAND_LOWS = [0, 18, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80]
AGE_BAND_NAMES = np.array(
    [
        "Under 18",
        "18-24",
        "25-29",
        "30-34",
        "35-39",
        "40-44",
        "45-49",
        "50-54",
        "55-59",
        "60-64",
        "65-69",
        "70-74",
        "75-79",
        "80+",
    ],
    dtype=object,
)
BOOLEAN_FLAGS = ("has_diabetes", "is_housebound", "is_care_home_resident", "needs_interpreter")


@pytest.fixture(scope="module")
def people(tiny_con) -> pd.DataFrame:
    """Return person joined to its LSOA and practice, with columns that don't depend on as_at."""
    person = tiny_con.execute("SELECT * FROM person").df()
    lsoa = tiny_con.execute(
        "SELECT lsoa_code, msoa_code, lad_code, lad_name, imd_decile FROM lsoa"
    ).df()
    practice = tiny_con.execute("SELECT practice_code, pcn_code, pcn_name FROM practice").df()
    frame = person.merge(lsoa, on="lsoa_code", how="inner", validate="many_to_one")
    frame = frame.merge(practice, on="practice_code", how="inner", validate="many_to_one")
    assert len(frame) == len(person)
    frame["ethnic_group"] = frame["ethnicity_code"].map(codes.ETHNICITY_GROUP)
    frame["imd_decile"] = frame["imd_decile"].astype(int)
    frame["imd_quintile"] = frame["imd_decile"].map(QUINTILE_OF_DECILE)
    frame["ltc_capped"] = frame["ltc_count"].astype(int).clip(upper=3)
    frame["jcvi_cohort"] = frame["jcvi_cohort"].astype(int)
    return frame


def pandas_cohort(people: pd.DataFrame, cohort: Cohort) -> pd.DataFrame:
    """Return the people in the cohort, with their age and age band on the as-at date."""
    as_at = pd.Timestamp(cohort.as_at)
    birth = people["birth_date"]
    # Age in whole years: the birthday this year has not come yet if its (month, day) is later.
    before_birthday = (birth.dt.month > as_at.month) | (
        (birth.dt.month == as_at.month) & (birth.dt.day > as_at.day)
    )
    frame = people.assign(age=as_at.year - birth.dt.year - before_birthday.astype(int))
    band = np.searchsorted(AGE_BAND_LOWS, frame["age"].to_numpy(), side="right") - 1
    frame["age_band"] = np.where(band >= 0, AGE_BAND_NAMES[band.clip(0)], None)
    keep = (
        (frame["registered_from"] <= as_at)
        & (frame["registered_to"].isna() | (frame["registered_to"] > as_at))
        & (birth <= as_at)
    )
    if cohort.age_min is not None:
        keep &= frame["age"] >= cohort.age_min
    if cohort.age_max is not None:
        keep &= frame["age"] <= cohort.age_max
    for field, column in (
        ("age_bands", "age_band"),
        ("jcvi_cohorts", "jcvi_cohort"),
        ("sexes", "sex"),
        ("ethnicities", "ethnicity_code"),
        ("ethnic_groups", "ethnic_group"),
        ("languages", "main_language"),
        ("imd_quintiles", "imd_quintile"),
        ("imd_deciles", "imd_decile"),
        ("boroughs", "lad_code"),
        ("msoas", "msoa_code"),
        ("lsoas", "lsoa_code"),
        ("pcns", "pcn_code"),
        ("practices", "practice_code"),
    ):
        values = getattr(cohort, field)
        if values:
            keep &= frame[column].isin(list(values))
    for flag, wanted in cohort.flags:
        keep &= frame[flag] == wanted
    return frame[keep].copy()


def pandas_uptake(people: pd.DataFrame, cohort: Cohort, dimensions: list[str]) -> dict:
    """Return {dimension values: (vaccinated, population)} computed with plain pandas."""
    frame = pandas_cohort(people, cohort)
    frame["vaccinated"] = (frame[DOSE_COLUMN[cohort.dose]] <= pd.Timestamp(cohort.as_at)).astype(
        int
    )
    if not dimensions:
        return {(): (int(frame["vaccinated"].sum()), len(frame))}
    columns = [PANDAS_DIMENSIONS[d] for d in dimensions]
    grouped = frame.groupby(columns, dropna=False)["vaccinated"].agg(["sum", "size"])
    out = {}
    for key, row in grouped.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        out[tuple(_plain(k) for k in key)] = (int(row["sum"]), int(row["size"]))
    return out


def _plain(value):
    """Return a numpy scalar as the matching Python value."""
    return value.item() if isinstance(value, np.generic) else value


def sql_uptake(frame: pd.DataFrame, dimensions: list[str]) -> dict:
    """Return uptake_by's frame as {dimension values: (vaccinated, population)}."""
    out = {}
    for row in frame.itertuples(index=False):
        row = row._asdict()
        key = tuple(_plain(row[d]) for d in dimensions)
        assert key not in out, f"duplicate row for {key}"
        out[key] = (int(row["vaccinated"]), int(row["population"]))
    return out


FILTER_FIELDS = (
    "ages",
    "age_bands",
    "jcvi_cohorts",
    "sexes",
    "ethnicities",
    "ethnic_groups",
    "languages",
    "imd_quintiles",
    "imd_deciles",
    "boroughs",
    "msoas",
    "lsoas",
    "pcns",
    "practices",
    "flags",
)


@st.composite
def cohorts(draw, options):
    """Draw a cohort combining up to four filters, for a dose and an as-at date."""
    fixed = {
        "age_bands": codes.AGE_BAND_LABELS,
        "jcvi_cohorts": codes.JCVI_COHORTS,
        "sexes": codes.SEXES,
        "ethnicities": codes.ETHNICITY_LABELS,
        "ethnic_groups": codes.ETHNIC_GROUPS,
        "imd_quintiles": codes.IMD_QUINTILES,
        "imd_deciles": codes.IMD_DECILES,
    }
    changes: dict[str, object] = {
        "dose": draw(st.sampled_from(["1", "2", "3"])),
        "as_at": draw(st.dates(date(2020, 12, 1), date(2022, 3, 31))),
    }
    for field in draw(st.lists(st.sampled_from(FILTER_FIELDS), max_size=4, unique=True)):
        if field == "ages":
            low, high = sorted(draw(st.lists(st.integers(0, 95), min_size=2, max_size=2)))
            bounds = draw(st.sampled_from([(low, None), (None, high), (low, high)]))
            changes["age_min"], changes["age_max"] = bounds
        elif field == "flags":
            changes["flags"] = {draw(st.sampled_from(BOOLEAN_FLAGS)): draw(st.booleans())}
        else:
            values = sorted(fixed[field] if field in fixed else options[field], key=str)
            changes[field] = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
    return Cohort().with_(**changes)


@pytest.fixture(scope="module")
def options(tiny_con) -> dict:
    return filter_options(tiny_con)


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
    assert sum(v for v, _ in expected.values()) > 5_000


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
    assert set(options["languages"]) <= set(codes.LANGUAGES)

"""phm.queries.geography against pandas on the tiny demo database."""

from datetime import date

import pandas as pd
import pytest
import shapely

from phm import codes
from phm.cohort import Cohort
from phm.queries import geography


@pytest.fixture(scope="module")
def people(tiny_con) -> pd.DataFrame:
    """Every person with the columns the flag query needs."""
    flags = ", ".join(codes.FLAGS)
    sql = (
        "SELECT p.person_id, p.lsoa_code, l.lad_code, p.birth_date, p.registered_from,"
        " p.registered_to, p.first_dose_date, p.second_dose_date, "
        + flags
        + " FROM person p JOIN lsoa l USING (lsoa_code)"
    )
    return tiny_con.execute(sql).df()


def registered(people: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """Return the people registered and born at as_at."""
    stamp = pd.Timestamp(as_at)
    return people[
        (people["registered_from"] <= stamp)
        & (people["registered_to"].isna() | (people["registered_to"] > stamp))
        & (people["birth_date"] <= stamp)
    ]


@pytest.mark.parametrize(
    "cohort",
    [
        Cohort(),
        Cohort(dose="2", as_at=date(2021, 6, 30)),
        Cohort(boroughs=("E09000010",)),
    ],
)
def test_flag_uptake_matches_pandas(tiny_con, people, cohort):
    got = geography.flag_uptake(tiny_con, cohort).set_index("flag")
    frame = registered(people, cohort.as_at)
    if cohort.boroughs:
        frame = frame[frame["lad_code"].isin(cohort.boroughs)]
    dose = {"1": "first_dose_date", "2": "second_dose_date"}[cohort.dose]
    done = frame[dose] <= pd.Timestamp(cohort.as_at)
    for flag, label in codes.FLAGS.items():
        has = frame[flag].astype(bool)
        if has.sum() == 0:
            assert flag not in got.index
            continue
        assert got.loc[flag, "flag_label"] == label
        assert got.loc[flag, "population"] == int(has.sum())
        assert got.loc[flag, "vaccinated"] == int((has & done).sum())


def test_open_sites_are_those_open_on_the_date(tiny_con):
    sites = tiny_con.execute("SELECT * FROM site").df()
    for as_at in (date(2021, 1, 15), date(2022, 3, 31)):
        stamp = pd.Timestamp(as_at)
        want = sites[
            (sites["opened"] <= stamp) & (sites["closed"].isna() | (sites["closed"] >= stamp))
        ]
        got = geography.open_sites(tiny_con, as_at)
        assert set(got["site_id"]) == set(want["site_id"])
        assert set(got["delivery_model"]) <= set(codes.DELIVERY_MODELS)
    assert len(geography.open_sites(tiny_con, date(2020, 1, 1))) == 0


def test_lsoa_boundaries_decode_and_match_the_table(tiny_con):
    frame = geography.lsoa_boundaries(tiny_con)
    assert len(frame) == tiny_con.execute("SELECT count(*) FROM lsoa").fetchone()[0]
    assert frame["lsoa_code"].is_unique
    shapes = shapely.from_wkb([bytes(g) for g in frame["geometry"]])
    assert all(s.is_valid or s.buffer(0).is_valid for s in shapes)
    inside = shapely.contains_xy(
        shapely.buffer(shapes, 0.01), frame["centroid_lon"], frame["centroid_lat"]
    )
    assert inside.all()

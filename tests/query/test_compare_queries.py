"""phm.queries.compare and phm.queries.trends against a plain pandas computation on the tiny demo."""

from datetime import date

import pandas as pd
import pytest

from phm.cohort import Cohort
from phm.queries.compare import uptake_by_level, uptake_by_level_and_deprivation
from phm.queries.trends import weekly_doses

AS_AT = date(2021, 9, 30)


@pytest.fixture(scope="module")
def people(tiny_con) -> pd.DataFrame:
    """Return every person with residence, registration and dose dates, read without phm SQL."""
    frame = tiny_con.execute(
        "SELECT p.*, l.lad_code, l.msoa_code, l.imd_decile, pr.pcn_code FROM person p"
        " JOIN lsoa l USING (lsoa_code) JOIN practice pr USING (practice_code)"
    ).df()
    for column in (
        "birth_date",
        "registered_from",
        "registered_to",
        "first_dose_date",
        "booster_date",
    ):
        frame[column] = pd.to_datetime(frame[column])
    frame["imd_quintile"] = (frame["imd_decile"] + 1) // 2
    return frame


def in_cohort(people: pd.DataFrame, as_at: date, age_min: int | None = None) -> pd.DataFrame:
    """Return the people registered and alive at as_at (and old enough), as the docs define it."""
    t = pd.Timestamp(as_at)
    keep = (
        (people["registered_from"] <= t)
        & (people["registered_to"].isna() | (people["registered_to"] > t))
        & (people["birth_date"] <= t)
    )
    if age_min is not None:
        months = (
            (t.year - people["birth_date"].dt.year) * 12 + t.month - people["birth_date"].dt.month
        )
        keep &= months // 12 >= age_min
    return people[keep]


@pytest.mark.parametrize(
    ("level", "column"),
    [
        ("borough", "lad_code"),
        ("pcn", "pcn_code"),
        ("msoa", "msoa_code"),
        ("practice", "practice_code"),
    ],
)
def test_uptake_by_level_matches_pandas(tiny_con, people, level, column):
    cohort = Cohort(as_at=AS_AT, age_min=50)
    got = uptake_by_level(tiny_con, cohort, level).set_index(level)
    who = in_cohort(people, AS_AT, 50)
    want = who.groupby(column).agg(
        population=("person_id", "size"),
        vaccinated=("first_dose_date", lambda s: int((s <= pd.Timestamp(AS_AT)).sum())),
    )
    assert got["population"].sort_index().to_dict() == want["population"].sort_index().to_dict()
    assert got["vaccinated"].sort_index().to_dict() == want["vaccinated"].sort_index().to_dict()


def test_uptake_by_level_and_quintile_matches_pandas(tiny_con, people):
    cohort = Cohort(as_at=AS_AT)
    got = uptake_by_level_and_deprivation(tiny_con, cohort, "borough", "imd_quintile")
    who = in_cohort(people, AS_AT)
    want = who.groupby(["lad_code", "imd_quintile"]).size()
    got_pop = got.set_index(["borough", "imd_quintile"])["population"]
    assert got_pop.sort_index().to_dict() == want.sort_index().to_dict()


def test_unknown_level_is_refused(tiny_con):
    with pytest.raises(ValueError, match="unknown place level"):
        uptake_by_level(tiny_con, Cohort(), "lsoa; DROP TABLE person")


def test_weekly_doses_by_quintile_match_pandas_and_cover_every_week(tiny_con, people):
    cohort = Cohort(as_at=AS_AT, dose="3")
    got = weekly_doses(tiny_con, cohort, "imd_quintile")
    who = in_cohort(people, AS_AT)
    dosed = who[who["booster_date"] <= pd.Timestamp(AS_AT)]
    monday = dosed["booster_date"] - pd.to_timedelta(dosed["booster_date"].dt.day_of_week, unit="D")
    want = dosed.assign(week=monday).groupby(["imd_quintile", "week"]).size()
    nonzero = got[got["vaccinated"] > 0].set_index(["imd_quintile", "week"])["vaccinated"]
    assert nonzero.sort_index().to_dict() == want.sort_index().to_dict()
    weeks = got.groupby("imd_quintile")["week"].agg(["min", "max", "size"])
    assert (weeks["min"] == pd.Timestamp("2020-12-07")).all()
    assert (weeks["max"] == pd.Timestamp("2021-09-27")).all()
    assert weeks["size"].nunique() == 1
    pops = got.drop_duplicates("imd_quintile").set_index("imd_quintile")["population"]
    assert pops.to_dict() == who.groupby("imd_quintile").size().to_dict()


def test_weekly_doses_for_the_whole_cohort_add_up_to_its_uptake(tiny_con, people):
    cohort = Cohort(as_at=AS_AT)
    got = weekly_doses(tiny_con, cohort)
    who = in_cohort(people, AS_AT)
    assert int(got["vaccinated"].sum()) == int(
        (who["first_dose_date"] <= pd.Timestamp(AS_AT)).sum()
    )
    assert set(got["population"]) == {len(who)}

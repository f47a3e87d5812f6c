"""The synthetic demo generator: deterministic, the right size, and shaped like the programme."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from phm import codes, geo
from phm.cohort import Cohort
from phm.queries import uptake_by
from phm.synth.build import generate

NCL_REF_DIR = geo.REFERENCE_ROOT / "north-central-london"

SMALL_SCALE = 0.005
PERSONS_AT_SCALE_1 = 1_600_000  # NCL GP registrations (phm/synth/assumptions.py)
ROVING_TEAMS_FROM = date(2020, 12, 15)  # housebound/care-home teams open (docs/synthetic-data.md)


@pytest.fixture(scope="module")
def generated_twice() -> tuple[dict, dict, dict]:
    """Return generate() with seed 11, again with seed 11, and with seed 12."""
    return (
        generate(NCL_REF_DIR, SMALL_SCALE, 11, None),
        generate(NCL_REF_DIR, SMALL_SCALE, 11, None),
        generate(NCL_REF_DIR, SMALL_SCALE, 12, None),
    )


def test_same_seed_gives_identical_tables(generated_twice):
    first, again, _other = generated_twice
    for table in ("person", "vaccination", "practice", "site", "lsoa"):
        pd.testing.assert_frame_equal(first[table], again[table], check_exact=True)


def test_different_seeds_give_different_people(generated_twice):
    first, _again, other = generated_twice
    assert not first["person"].equals(other["person"])
    assert not first["person"]["birth_date"].equals(other["person"]["birth_date"])
    assert not first["vaccination"].equals(other["vaccination"])


def test_person_count_is_about_1_6_million_times_the_scale(generated_twice):
    expected = PERSONS_AT_SCALE_1 * SMALL_SCALE  # 8,000
    assert len(generated_twice[0]["person"]) == pytest.approx(expected, rel=0.01)


def test_tiny_demo_has_about_16000_people(tiny_con):
    count = tiny_con.execute("SELECT count(*) FROM person").fetchone()[0]
    assert count == pytest.approx(16_000, rel=0.01)


def test_scale_outside_0_to_10_is_refused():
    for scale in (0, -1, 11):
        with pytest.raises(ValueError, match="scale"):
            generate(NCL_REF_DIR, scale, 1, None)


def test_every_delivery_model_has_sites_and_doses(tiny_con):
    site_models = {
        r[0] for r in tiny_con.execute("SELECT DISTINCT delivery_model FROM site").fetchall()
    }
    dose_models = {
        r[0] for r in tiny_con.execute("SELECT DISTINCT delivery_model FROM vaccination").fetchall()
    }
    assert site_models == set(codes.DELIVERY_MODELS)
    assert dose_models == set(codes.DELIVERY_MODELS)


def _age_on(column: str, on: date) -> str:
    """Return SQL for whole years of age on a date (birth dates are the first of the month)."""
    return f"(({on.year} - year({column})) * 12 + {on.month} - month({column})) // 12"


def test_first_doses_follow_jcvi_order_oldest_before_youngest(tiny_con):
    age = _age_on("birth_date", date(2021, 3, 31))  # JCVI cohorts use age at 31 March 2021
    median = "SELECT median(first_dose_date) FROM person WHERE first_dose_date IS NOT NULL AND "
    oldest = tiny_con.execute(median + f"{age} >= 80").fetchone()[0]
    youngest = tiny_con.execute(median + f"{age} BETWEEN 18 AND 29").fetchone()[0]
    # 80+ were invited from 8 Dec 2020, 18-29 from 8 June 2021 (JCVI / NHS England).
    assert oldest < pd.Timestamp("2021-02-01")
    assert youngest > pd.Timestamp("2021-06-08")
    assert oldest < youngest


def _uptake(frame: pd.DataFrame, column: str) -> dict:
    return dict(zip(frame[column], frame["vaccinated"] / frame["population"], strict=True))


def test_first_dose_uptake_is_higher_at_80_plus_than_at_18_to_29(tiny_con):
    by_band = _uptake(uptake_by(tiny_con, Cohort(), ["age_band"]), "age_band")
    young = uptake_by(tiny_con, Cohort(age_min=18, age_max=29), [])
    young_uptake = young["vaccinated"].iat[0] / young["population"].iat[0]
    assert by_band["80+"] > young_uptake + 0.2
    assert by_band["Under 18"] < young_uptake


def test_adult_first_dose_uptake_is_lower_in_the_most_deprived_quintile(tiny_con):
    by_quintile = _uptake(uptake_by(tiny_con, Cohort(age_min=18), ["imd_quintile"]), "imd_quintile")
    assert by_quintile[1] < by_quintile[5] - 0.08
    assert by_quintile[1] < by_quintile[3] < by_quintile[5]


def test_housebound_peoples_doses_are_all_housebound_visits(tiny_con):
    models = tiny_con.execute(
        "SELECT DISTINCT v.delivery_model FROM vaccination v JOIN person p USING (person_id) "
        "WHERE p.is_housebound"
    ).fetchall()
    assert models == [("housebound_visit",)]


def test_care_home_doses_from_when_the_roving_teams_start_are_housebound_visits(tiny_con):
    rows = tiny_con.execute(
        "SELECT v.delivery_model, count(*) FROM vaccination v JOIN person p USING (person_id) "
        "WHERE p.is_care_home_resident AND v.vaccination_date >= $start GROUP BY ALL",
        {"start": ROVING_TEAMS_FROM},
    ).fetchall()
    assert dict(rows).keys() == {"housebound_visit"}
    assert dict(rows)["housebound_visit"] > 50


def test_every_care_home_residents_dose_is_a_housebound_visit(tiny_con):
    models = tiny_con.execute(
        "SELECT DISTINCT v.delivery_model FROM vaccination v JOIN person p USING (person_id) "
        "WHERE p.is_care_home_resident"
    ).fetchall()
    assert models == [("housebound_visit",)]


def test_interventions_are_listed_in_the_dataset_with_their_places(tiny_con):
    from phm.interventions.record import META_KEY, loads
    from phm.synth.interventions import PLANTED

    text = tiny_con.execute("SELECT value FROM dataset_meta WHERE key = ?", [META_KEY]).fetchone()
    records = loads(text[0])
    assert [r.name for r in records] == [p.name for p in PLANTED]
    known = {m for (m,) in tiny_con.execute("SELECT DISTINCT msoa_code FROM lsoa").fetchall()}
    for record in records:
        assert record.msoas and set(record.msoas) <= known
        assert record.source == "synthetic dataset"
    bus = records[0]
    boroughs = tiny_con.execute(
        "SELECT DISTINCT lad_code FROM lsoa WHERE list_contains(?, msoa_code)", [list(bus.msoas)]
    ).fetchall()
    assert {b for (b,) in boroughs} == {"E09000014", "E09000010"}  # Haringey and Enfield


def test_interventions_add_first_doses_only_in_their_place_period_and_group(tiny_con):
    from phm.interventions.record import META_KEY, loads
    from phm.synth.interventions import PLANTED, site_prefix, true_effects

    vaccination = tiny_con.execute("SELECT * FROM vaccination").df()
    effects = true_effects(vaccination)
    assert effects["leaflets"] == 0  # built with no effect
    assert effects["bus"] > 0 and effects["stadium"] > 0
    records = loads(
        tiny_con.execute("SELECT value FROM dataset_meta WHERE key = ?", [META_KEY]).fetchone()[0]
    )
    for planted, record in zip(PLANTED, records, strict=True):
        given = tiny_con.execute(
            "SELECT v.vaccination_date, v.dose, p.ethnicity_code, p.main_language, l.msoa_code, "
            "p.first_dose_date, (SELECT count(*) FROM vaccination w WHERE w.person_id = "
            "v.person_id AND w.dose = '1') AS first_doses "
            "FROM vaccination v JOIN person p USING (person_id) JOIN lsoa l USING (lsoa_code) "
            "WHERE regexp_full_match(v.site_id, ?)",
            [site_prefix(planted) + "[A-Z]"],
        ).df()
        assert len(given) == effects[planted.key]
        if given.empty:
            continue
        assert (given["dose"] == "1").all() and (given["first_doses"] == 1).all()
        days = pd.to_datetime(given["vaccination_date"]).dt.date
        assert days.between(record.start, record.end).all()
        assert given["msoa_code"].isin(record.msoas).all()
        if planted.cohort.ethnicities:
            assert given["ethnicity_code"].isin(planted.cohort.ethnicities).all()
        if planted.cohort.languages:
            assert given["main_language"].isin(planted.cohort.languages).all()


def test_solve_intercept_meets_the_target_sum():
    from phm.synth.random import sigmoid
    from phm.synth.recording import solve_intercept

    offsets = np.array([-2.0, -1.0, 0.0, 1.0, 3.0])
    a = solve_intercept(offsets, 2.5)
    assert abs(sigmoid(a + offsets).sum() - 2.5) < 1e-9


def test_ethnicity_recording_meets_the_seed_and_varies_by_practice(tiny_con):
    """GP-only about 70%, linked about 93.6% (SNEE), wide variation between practices."""
    gp, linked, language = tiny_con.execute(
        "SELECT avg(CAST(ethnicity_source = 'gp' AS DOUBLE)),"
        " avg(CAST(ethnicity_code <> '99' AS DOUBLE)),"
        " avg(CAST(main_language = 'Not recorded' AS DOUBLE)) FROM person"
    ).fetchone()
    assert abs(gp - 0.70) < 0.01 and abs(linked - 0.936) < 0.01
    assert abs(language - 0.18) < 0.01
    spread = tiny_con.execute(
        "SELECT quantile_cont(r, 0.1), quantile_cont(r, 0.9) FROM (SELECT"
        " avg(CAST(ethnicity_source = 'gp' AS DOUBLE)) AS r FROM person GROUP BY practice_code"
        " HAVING count(*) >= 50)"
    ).fetchone()
    assert spread[1] - spread[0] > 0.25
    # 'none' is exactly code 99; 'not stated' (Z) is an answer held in the GP record.
    assert tiny_con.execute(
        "SELECT count(*) FROM person WHERE (ethnicity_source = 'none') <> (ethnicity_code = '99')"
        " OR (ethnicity_code = 'Z' AND ethnicity_source <> 'gp')"
    ).fetchone() == (0,)


def test_language_goes_unrecorded_more_often_where_ethnicity_is_missing(tiny_con):
    rows = dict(
        tiny_con.execute(
            "SELECT ethnicity_source = 'gp', avg(CAST(main_language = 'Not recorded' AS DOUBLE))"
            " FROM person GROUP BY 1"
        ).fetchall()
    )
    assert rows[False] > rows[True] + 0.1

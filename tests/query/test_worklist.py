"""The due rules of practice worklists: SQL against a pandas reference, and at their boundaries."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from phm import codes, schema
from phm.cohort import Cohort
from phm.directcare import rules
from phm.queries.worklist import due_patients


def reference_due(people: pd.DataFrame, as_at: date) -> pd.Series:
    """Return each registered person's due dose by the rules in words (None: nothing due)."""
    day = pd.Timestamp(as_at)
    birth = pd.to_datetime(people["birth_date"])
    age = ((day.year - birth.dt.year) * 12 + day.month - birth.dt.month) // 12

    def given(column: str) -> pd.Series:
        dates = pd.to_datetime(people[column])
        return dates.notna() & (dates <= day)

    out = []
    for i in range(len(people)):
        row, years = people.iloc[i], int(age.iloc[i])
        if not given("first_dose_date").iloc[i]:
            offered = rules.first_dose_offered(int(row["jcvi_cohort"]), years)
            out.append("first" if offered is not None and offered <= as_at else None)
        elif not given("second_dose_date").iloc[i]:
            gap = rules.SECOND_DOSE_MIN_DAYS_UNDER_18 if years < 18 else rules.SECOND_DOSE_MIN_DAYS
            first = pd.Timestamp(row["first_dose_date"]).date()
            out.append("second" if first + timedelta(days=gap) <= as_at else None)
        elif not given("booster_date").iloc[i]:
            second = pd.Timestamp(row["second_dose_date"]).date()
            due = False
            for rule in rules.BOOSTER_RULES:
                if as_at < rule.from_day or second + timedelta(days=rule.min_days) > as_at:
                    continue
                if rule.max_jcvi_cohort is not None:
                    due |= 1 <= int(row["jcvi_cohort"]) <= rule.max_jcvi_cohort
                else:
                    due |= years >= (rule.min_age or 0)
            out.append("booster" if due else None)
        else:
            out.append(None)
    return pd.Series(out, index=people.index, dtype=object)


@pytest.mark.parametrize(
    "as_at", [date(2021, 2, 1), date(2021, 10, 1), date(2021, 12, 15), date(2022, 3, 31)]
)
def test_due_patients_match_the_pandas_reference(tiny_con, as_at):
    person = tiny_con.execute("SELECT * FROM person").df()
    identity = tiny_con.execute("SELECT person_id, is_deceased FROM identity").df()
    practices = person["practice_code"].value_counts().index[:3]
    for practice in practices:
        mine = person[person["practice_code"] == practice]
        day = pd.Timestamp(as_at)
        registered = (
            (pd.to_datetime(mine["registered_from"]) <= day)
            & (
                pd.to_datetime(mine["registered_to"]).isna()
                | (pd.to_datetime(mine["registered_to"]) > day)
            )
            & (pd.to_datetime(mine["birth_date"]) <= day)
        )
        mine = mine[registered]
        expected = reference_due(mine, as_at)
        expected = expected[expected.notna()]
        got = due_patients(tiny_con, Cohort(as_at=as_at, practices=(practice,)), practice)
        assert got["person_id"].tolist() == sorted(mine.loc[expected.index, "person_id"].tolist())
        got_due = dict(zip(got["person_id"], got["due"], strict=True))
        want_due = dict(zip(mine.loc[expected.index, "person_id"], expected, strict=True))
        assert got_due == want_due
        # Identity comes from the same person (joined on id and practice), never another's.
        joined = got.merge(identity, on="person_id", suffixes=("", "_id"))
        assert (joined["is_deceased"] == joined["is_deceased_id"]).all()
    assert len(got) > 0


def _database(path: Path, people: list[dict]) -> duckdb.DuckDBPyConnection:
    """Return a connection to a database holding only the given people (two practices, one LSOA)."""
    con = duckdb.connect(str(path))
    for table in schema.TABLES:
        con.execute(schema.create_table_sql(table))
    con.execute(
        "INSERT INTO lsoa VALUES ('E01000001', 'L', 'E02000001', 'M', 'E09000007', 'Camden',"
        " 'QMJ', 'NCL', -0.14, 51.55, 0.2, 3, 9000, 'synthetic', ''::BLOB)"
    )
    for code in ("P1", "P2"):
        con.execute(
            "INSERT INTO practice VALUES (?, ?, 'U1', 'PCN one', 'E09000007', -0.14, 51.55)",
            [code, f"Practice {code}"],
        )
    con.execute(
        "INSERT INTO site VALUES ('S1', 'Site one', 'gp_pcn_site', NULL, -0.14, 51.551,"
        " DATE '2020-12-08', NULL, 'synthetic')"
    )
    for i, person in enumerate(people, start=1):
        row = {
            "person_id": i,
            "record_key": 1,
            "practice_code": "P1",
            "lsoa_code": "E01000001",
            "sex": "F",
            "ethnicity_code": "A",
            "ethnicity_source": "gp",
            "main_language": "English",
            **{flag: False for flag in codes.FLAGS},
            "ltc_count": 0,
            "registered_from": date(2000, 1, 1),
            "registered_to": None,
            "registration_end_reason": None,
            "first_dose_date": None,
            "second_dose_date": None,
            "booster_date": None,
            **person,
        }
        con.execute(
            f"INSERT INTO person ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        con.execute(
            "INSERT INTO identity VALUES (?, ?, ?, 'Test', 'Person', ?, '07700 900001', NULL,"
            " 'sms', true, false)",
            [i, row["practice_code"], f"99900000{i:02d}", row["birth_date"]],
        )
    return con


BOUNDARIES = [
    # (what, person, as_at, due)
    (
        "second dose on the 56th day",
        {"birth_date": date(1960, 1, 1), "jcvi_cohort": 9, "first_dose_date": date(2021, 6, 1)},
        date(2021, 6, 1) + timedelta(56),
        "second",
    ),
    (
        "not on the 55th",
        {"birth_date": date(1960, 1, 1), "jcvi_cohort": 9, "first_dose_date": date(2021, 6, 1)},
        date(2021, 6, 1) + timedelta(55),
        None,
    ),
    (
        "a 16-year-old waits 84 days",
        {"birth_date": date(2005, 1, 1), "jcvi_cohort": 0, "first_dose_date": date(2021, 9, 1)},
        date(2021, 9, 1) + timedelta(84),
        "second",
    ),
    (
        "not 83",
        {"birth_date": date(2005, 1, 1), "jcvi_cohort": 0, "first_dose_date": date(2021, 9, 1)},
        date(2021, 9, 1) + timedelta(83),
        None,
    ),
    (
        "cohort 5 booster at 182 days",
        {
            "birth_date": date(1954, 1, 1),
            "jcvi_cohort": 5,
            "first_dose_date": date(2021, 2, 1),
            "second_dose_date": date(2021, 4, 1),
        },
        date(2021, 4, 1) + timedelta(182),
        "booster",
    ),
    (
        "not at 181",
        {
            "birth_date": date(1954, 1, 1),
            "jcvi_cohort": 5,
            "first_dose_date": date(2021, 2, 1),
            "second_dose_date": date(2021, 4, 1),
        },
        date(2021, 4, 1) + timedelta(181),
        None,
    ),
    (
        "a 30-year-old before 29 Nov 2021",
        {
            "birth_date": date(1991, 1, 1),
            "jcvi_cohort": 11,
            "first_dose_date": date(2021, 5, 20),
            "second_dose_date": date(2021, 7, 20),
        },
        date(2021, 11, 28),
        None,
    ),
    (
        "from 29 Nov after 91 days",
        {
            "birth_date": date(1991, 1, 1),
            "jcvi_cohort": 11,
            "first_dose_date": date(2021, 5, 20),
            "second_dose_date": date(2021, 8, 30),
        },
        date(2021, 8, 30) + timedelta(91),
        "booster",
    ),
    (
        "not at 90 days",
        {
            "birth_date": date(1991, 1, 1),
            "jcvi_cohort": 11,
            "first_dose_date": date(2021, 5, 20),
            "second_dose_date": date(2021, 8, 30),
        },
        date(2021, 8, 30) + timedelta(90),
        None,
    ),
    (
        "a dose after the as-at date is not yet given",
        {"birth_date": date(1950, 1, 1), "jcvi_cohort": 4, "first_dose_date": date(2021, 3, 1)},
        date(2021, 2, 1),
        "first",
    ),
    (
        "cohort 12 not offered before 8 June 2021",
        {"birth_date": date(2000, 1, 1), "jcvi_cohort": 12},
        date(2021, 6, 7),
        None,
    ),
    (
        "offered from 8 June",
        {"birth_date": date(2000, 1, 1), "jcvi_cohort": 12},
        date(2021, 6, 8),
        "first",
    ),
    (
        "an 11-year-old is never due",
        {"birth_date": date(2010, 6, 1), "jcvi_cohort": 0},
        date(2022, 3, 31),
        None,
    ),
    (
        "a 12-year-old from 20 Sep 2021",
        {"birth_date": date(2009, 1, 1), "jcvi_cohort": 0},
        date(2021, 9, 20),
        "first",
    ),
    (
        "fully boosted",
        {
            "birth_date": date(1950, 1, 1),
            "jcvi_cohort": 4,
            "first_dose_date": date(2021, 1, 20),
            "second_dose_date": date(2021, 4, 10),
            "booster_date": date(2021, 10, 12),
        },
        date(2022, 3, 31),
        None,
    ),
    (
        "left the practice",
        {
            "birth_date": date(1950, 1, 1),
            "jcvi_cohort": 4,
            "registered_to": date(2021, 1, 1),
            "registration_end_reason": "moved",
        },
        date(2021, 3, 1),
        None,
    ),
]


@pytest.mark.parametrize(
    ("what", "person", "as_at", "due"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES]
)
def test_due_rules_at_their_boundaries(tmp_path, what, person, as_at, due):
    con = _database(tmp_path / "edge.duckdb", [person])
    got = due_patients(con, Cohort(as_at=as_at, practices=("P1",)), "P1")
    assert got["due"].tolist() == ([] if due is None else [due]), what
    expected = reference_due(con.execute("SELECT * FROM person").df(), as_at).tolist()
    assert expected == [due] or person.get("registered_to"), what


def test_another_practice_is_never_read(tmp_path):
    con = _database(
        tmp_path / "two.duckdb",
        [
            {"birth_date": date(1950, 1, 1), "jcvi_cohort": 4},
            {"birth_date": date(1950, 1, 1), "jcvi_cohort": 4, "practice_code": "P2"},
        ],
    )
    got = due_patients(con, Cohort(as_at=date(2021, 3, 1), practices=("P1",)), "P1")
    assert got["person_id"].tolist() == [1]
    with pytest.raises(ValueError, match="narrowed to exactly its practice"):
        due_patients(con, Cohort(as_at=date(2021, 3, 1)), "P1")
    with pytest.raises(ValueError):
        due_patients(con, Cohort(as_at=date(2021, 3, 1), practices=("P1", "P2")), "P1")
    assert np.array_equal(got["nhs_number"].to_numpy(), np.array(["9990000001"]))

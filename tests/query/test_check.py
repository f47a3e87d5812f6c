"""phm.check: a good demo database passes; each kind of damage fails its named rule."""

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from phm.check import check_database
from phm.settings import ROOT

# A person with at least a first and a second dose (so every break below has a target).
TARGET_SQL = (
    "SELECT min(person_id) FROM person WHERE second_dose_date IS NOT NULL AND booster_date IS NULL"
)

BREAKS = {
    "person_id is unique": [
        # person_id is a primary key, so rebuild the table without it and add a copy.
        "CREATE TABLE person_copy AS SELECT * FROM person",
        "INSERT INTO person_copy SELECT * FROM person WHERE person_id = $target",
        "DROP TABLE person",
        "ALTER TABLE person_copy RENAME TO person",
    ],
    "every vaccination's person exists": [
        "INSERT INTO vaccination SELECT -1, programme, dose, vaccination_date, site_id,"
        " delivery_model FROM vaccination WHERE person_id = $target AND dose = '1'",
    ],
    "second dose follows a first dose by at least 19 days": [
        "UPDATE vaccination SET vaccination_date = (SELECT vaccination_date + INTERVAL 5 DAY"
        " FROM vaccination WHERE person_id = $target AND dose = '1')"
        " WHERE person_id = $target AND dose = '2'",
    ],
    "ethnicity codes valid": [
        "UPDATE person SET ethnicity_code = 'Q' WHERE person_id = $target",
    ],
    "vaccination dates within the programme (8 Dec 2020 to the as-at date)": [
        "UPDATE vaccination SET vaccination_date = DATE '2022-04-05'"
        " WHERE person_id = $target AND dose = '2'",
    ],
}


@pytest.fixture(scope="module")
def broken_dbs(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Return one damaged copy of the tiny database per rule in BREAKS."""
    folder = tmp_path_factory.mktemp("broken")
    out = {}
    for i, (rule, statements) in enumerate(BREAKS.items()):
        path = folder / f"broken_{i}.duckdb"
        shutil.copyfile(tiny_db, path)
        con = duckdb.connect(str(path))
        try:
            target = con.execute(TARGET_SQL).fetchone()[0]
            assert target is not None
            for sql in statements:
                con.execute(sql, {"target": target} if "$target" in sql else None)
        finally:
            con.close()
        out[rule] = path
    return out


def test_the_tiny_demo_database_passes_every_rule(tiny_db):
    assert check_database(tiny_db) == []


@pytest.mark.parametrize("rule", list(BREAKS))
def test_each_kind_of_damage_fails_its_named_rule(broken_dbs, rule):
    problems = check_database(broken_dbs[rule])
    failed = {p.rule: p for p in problems}
    assert rule in failed, [str(p) for p in problems]
    assert failed[rule].count == 1
    assert str(failed[rule]).startswith(f"FAIL {rule}: 1 row(s)")


def test_a_missing_database_is_a_problem_not_a_crash(tmp_path):
    problems = check_database(tmp_path / "nowhere.duckdb")
    assert len(problems) == 1
    assert "database exists" in problems[0].rule


def test_a_missing_column_is_reported_before_the_rules_run(tiny_db, tmp_path):
    path = tmp_path / "no_column.duckdb"
    shutil.copyfile(tiny_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE person DROP COLUMN booster_date")
    problems = check_database(path)
    assert [p.rule for p in problems] == ["table person has every column"]
    assert problems[0].examples == "booster_date"


def _run_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phm", "check", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_command_line_check_exits_0_on_the_good_database(tiny_db):
    result = _run_check(tiny_db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_command_line_check_exits_1_and_names_the_rule_on_a_broken_database(broken_dbs):
    result = _run_check(broken_dbs["ethnicity codes valid"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL ethnicity codes valid: 1 row(s)" in result.stdout

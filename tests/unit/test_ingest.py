"""Loading linked extracts: round trip, refusals, warnings, reports, Excel, atomic swap."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from phm import geo
from phm.check import check_database
from phm.ingest.contract import render_markdown
from phm.ingest.load import ingest
from phm.ingest.sample import write_sample_extract
from phm.record_keys import demo_secret
from tests.conftest import TINY_SEED

ROOT = Path(__file__).resolve().parents[2]
REF = geo.REFERENCE_ROOT / "north-central-london"
AS_AT = date(2022, 3, 31)


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def extract(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Return the tiny demo written out as contract CSV files."""
    return write_sample_extract(tiny_db, tmp_path_factory.mktemp("extract"), "csv")


def test_committed_contract_matches_the_schema() -> None:
    committed = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "run: python -m phm contract"


def test_round_trip_loads_every_row_unchanged(extract, tiny_db, tmp_path) -> None:
    out = tmp_path / "extract.duckdb"
    # The demo's record keys come from its seed; the same secret gives the same keys.
    result = ingest(extract, out, REF, as_at=AS_AT, record_key_secret=demo_secret(TINY_SEED))
    assert result.loaded, result.reason
    assert check_database(out) == []
    before = duckdb.connect(str(tiny_db), read_only=True)
    after = duckdb.connect(str(out), read_only=True)
    for table in ("person", "vaccination", "practice"):
        sql = f"SELECT * FROM {table} ORDER BY ALL"
        pd.testing.assert_frame_equal(before.execute(sql).df(), after.execute(sql).df())
    meta = dict(after.execute("SELECT key, value FROM dataset_meta").fetchall())
    assert meta["kind"] == "linked extract"
    assert json.loads(meta["validation"])["errors"] == 0
    report = json.loads((tmp_path / "extract.report.json").read_text())
    assert report["status"] == "loaded"
    assert (
        report["rows_loaded"]["person"]
        == before.execute("SELECT count(*) FROM person").fetchall()[0][0]
    )


def test_record_keys_stay_the_same_across_refreshes_and_need_the_secret(
    extract, tmp_path, monkeypatch
) -> None:
    secret_file = tmp_path / "keys" / "record-key.secret"
    monkeypatch.setenv("PHM_RECORD_KEY_FILE", str(secret_file))
    first, second, other = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "c.duckdb"
    assert ingest(extract, first, REF, as_at=AS_AT).loaded
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert len(secret_file.read_text().strip()) >= 32
    assert ingest(extract, second, REF, as_at=AS_AT).loaded  # the weekly refresh
    assert ingest(extract, other, REF, as_at=AS_AT, record_key_secret="x" * 40).loaded
    sql = "SELECT person_id, record_key FROM person ORDER BY person_id"
    keys = [
        duckdb.connect(str(p), read_only=True).execute(sql).df() for p in (first, second, other)
    ]
    pd.testing.assert_frame_equal(keys[0], keys[1])
    assert (keys[0]["record_key"] != keys[2]["record_key"]).mean() > 0.9
    assert keys[0]["record_key"].between(0, 255).all()
    assert keys[0]["record_key"].nunique() > 200  # spread over the whole key range
    fingerprints = [
        dict(
            duckdb.connect(str(p), read_only=True).execute("SELECT * FROM dataset_meta").fetchall()
        )["record_key_fingerprint"]
        for p in (first, second, other)
    ]
    assert fingerprints[0] == fingerprints[1] != fingerprints[2]


def test_parquet_input_loads_like_csv(tiny_db, tmp_path) -> None:
    files = write_sample_extract(tiny_db, tmp_path / "pq", "parquet")
    out = tmp_path / "pq.duckdb"
    assert ingest(files, out, REF, as_at=AS_AT).loaded
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(*) FROM vaccination").fetchall()[0][0] > 0


def test_errors_refuse_the_load_and_name_file_row_and_column(extract, tmp_path) -> None:
    persons = pd.read_csv(extract["persons"], dtype=str, keep_default_na=False)
    persons.loc[4, "sex"] = "X"
    persons.loc[9, "birth_date"] = "2031-01-01"
    bad = tmp_path / "persons.csv"
    persons.to_csv(bad, index=False)
    out = tmp_path / "live.duckdb"
    result = ingest({**extract, "persons": bad}, out, REF, as_at=AS_AT)
    assert not result.loaded and not out.exists()
    found = {(p.check, p.file, p.row, p.column, p.value) for p in result.findings.problems}
    assert ("code not allowed", "persons.csv", 5, "sex", "X") in found
    assert ("implausible birth date", "persons.csv", 10, "birth_date", "2031-01-01") in found
    report = json.loads((tmp_path / "live.rejected.json").read_text())
    counts = {(c["check"], c["column"]): c["count"] for c in report["counts"]}
    assert counts[("code not allowed", "sex")] == 1
    assert "REFUSED" in (tmp_path / "live.rejected.md").read_text()
    assert "persons.csv" in (tmp_path / "live.rejected.html").read_text()


def test_warnings_refuse_unless_accepted(extract, tmp_path) -> None:
    practices = pd.read_csv(extract["practices"], dtype=str, keep_default_na=False)
    dropped = practices.loc[0, "practice_code"]
    short = tmp_path / "practices.csv"
    practices.iloc[1:].to_csv(short, index=False)
    files = {**extract, "practices": short}
    out = tmp_path / "w.duckdb"
    refused = ingest(files, out, REF, as_at=AS_AT)
    assert not refused.loaded and "accept-warnings" in refused.reason
    assert not out.exists()
    loaded = ingest(files, out, REF, as_at=AS_AT, accept_warnings=True)
    assert loaded.loaded
    con = duckdb.connect(str(out), read_only=True)
    name = con.execute(
        "SELECT pcn_code FROM practice WHERE practice_code = $c", {"c": dropped}
    ).fetchall()
    assert name == [("UNLISTED",)]


def test_without_practices_and_sites_files_codes_are_listed(extract, tmp_path) -> None:
    files = {k: extract[k] for k in ("persons", "vaccinations")}
    out = tmp_path / "bare.duckdb"
    result = ingest(files, out, REF, as_at=AS_AT, accept_warnings=True)
    assert result.loaded
    assert {c.check for c in result.findings.counts} >= {"no practices file", "no sites file"}
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(*) FROM site WHERE source <> 'unlisted'").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM site WHERE isnan(lon)").fetchall() == [(0,)]


def test_jcvi_cohort_is_derived_when_absent(extract, tmp_path) -> None:
    persons = pd.read_csv(extract["persons"], dtype=str, keep_default_na=False)
    people = persons.head(3).copy()
    people["birth_date"] = ["1930-01-01", "1990-05-01", "2010-01-01"]
    people["is_care_home_resident"] = "false"
    people["is_health_care_worker"] = "false"
    people["is_clinically_extremely_vulnerable"] = "false"
    for flag in ("has_diabetes", "has_learning_disability", "is_unpaid_carer"):
        people[flag] = "false"
    path = tmp_path / "persons.csv"
    people.drop(columns=["jcvi_cohort"]).to_csv(path, index=False)
    vacc = tmp_path / "vaccinations.csv"
    pd.DataFrame(
        {
            "person_id": [people.iloc[0]["person_id"]],
            "programme": ["covid19"],
            "dose": ["1"],
            "vaccination_date": ["2021-01-05"],
            "site_id": ["S0001"],
            "delivery_model": ["vaccination_centre"],
        }
    ).to_csv(vacc, index=False)
    out = tmp_path / "j.duckdb"
    result = ingest(
        {
            "persons": path,
            "vaccinations": vacc,
            "practices": extract["practices"],
            "sites": extract["sites"],
        },
        out,
        REF,
        as_at=AS_AT,
        accept_warnings=True,
    )
    assert result.loaded, result.findings.counts
    con = duckdb.connect(str(out), read_only=True)
    got = dict(con.execute("SELECT birth_date::VARCHAR, jcvi_cohort FROM person").fetchall())
    # 91 at 31 March 2021 -> cohort 2; 30 -> cohort 11 (30-39); 11 -> 0 (under 18)
    assert got == {"1930-01-01": 2, "1990-05-01": 11, "2010-01-01": 0}


def test_excel_input_is_read(extract, tmp_path) -> None:
    persons = pd.read_csv(extract["persons"], dtype=str, keep_default_na=False).head(50)
    ids = set(persons["person_id"])
    vacc = pd.read_csv(extract["vaccinations"], dtype=str, keep_default_na=False)
    vacc = vacc[vacc["person_id"].isin(ids)]
    book = tmp_path / "persons.xlsx"
    persons.replace("", None).to_excel(book, index=False, sheet_name="persons")
    vpath = tmp_path / "vaccinations.csv"
    vacc.to_csv(vpath, index=False)
    who = pd.read_csv(extract["identities"], dtype=str, keep_default_na=False)
    ipath = tmp_path / "identities.csv"
    who[who["person_id"].isin(ids)].to_csv(ipath, index=False)
    out = tmp_path / "x.duckdb"
    files = {**extract, "persons": book, "vaccinations": vpath, "identities": ipath}
    result = ingest(files, out, REF, as_at=AS_AT, accept_warnings=True)
    assert result.loaded, [c for c in result.findings.counts if c.severity == "error"]
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(*) FROM person").fetchall() == [(50,)]


def test_a_good_load_replaces_the_live_database(extract, tmp_path) -> None:
    live = tmp_path / "live.duckdb"
    live.write_bytes(b"old")
    assert ingest(extract, live, REF, as_at=AS_AT).loaded
    assert live.read_bytes()[:3] != b"old"
    assert [
        p.name for p in tmp_path.iterdir() if ".building" in p.name or "staging" in p.name
    ] == []


def test_missing_language_is_not_recorded_and_99_has_no_source(extract, tmp_path) -> None:
    """An empty first language loads as 'Not recorded', never English; code 99 gets 'none'."""
    persons = pd.read_csv(extract["persons"], dtype=str, keep_default_na=False)
    people = persons.head(4).copy()
    people["main_language"] = ["", "Polish", "  ", "English"]
    people["ethnicity_code"] = ["99", "A", "Z", "N"]
    people["ethnicity_source"] = ["", "", "hospital", "gp"]
    path = tmp_path / "persons.csv"
    people.to_csv(path, index=False)
    vacc = tmp_path / "vaccinations.csv"
    pd.DataFrame(
        {
            "person_id": [people.iloc[3]["person_id"]],
            "programme": ["covid19"],
            "dose": ["1"],
            "vaccination_date": ["2021-01-05"],
            "site_id": ["S0001"],
            "delivery_model": ["vaccination_centre"],
        }
    ).to_csv(vacc, index=False)
    out = tmp_path / "lang.duckdb"
    files = {
        "persons": path,
        "vaccinations": vacc,
        **{k: extract[k] for k in ("practices", "sites")},
    }
    result = ingest(files, out, REF, as_at=AS_AT, accept_warnings=True)
    assert result.loaded, result.findings.counts
    con = duckdb.connect(str(out), read_only=True)
    got = con.execute(
        "SELECT ethnicity_code, ethnicity_source, main_language FROM person ORDER BY person_id"
    ).fetchall()
    ids = people["person_id"].astype(int).tolist()
    expected = dict(
        zip(
            ids,
            [
                ("99", "none", "Not recorded"),
                ("A", "gp", "Polish"),
                ("Z", "hospital", "Not recorded"),
                ("N", "gp", "English"),
            ],
            strict=True,
        )
    )
    assert got == [expected[i] for i in sorted(ids)]


def test_report_has_a_data_quality_section_against_the_contract(extract, tmp_path) -> None:
    out = tmp_path / "dq.duckdb"
    result = ingest(extract, out, REF, as_at=AS_AT, accept_warnings=True)
    assert result.loaded, result.reason
    data = json.loads((tmp_path / "dq.report.json").read_text())
    rows = {row["column"]: row for row in data["data_quality"]}
    assert rows["ethnicity_code"]["expected_pct"] == 95.0
    assert rows["main_language"]["expected_pct"] == 90.0
    con = duckdb.connect(str(out), read_only=True)
    language = con.execute(
        "SELECT 100 * avg(CAST(main_language <> 'Not recorded' AS DOUBLE)) FROM person"
        " WHERE registered_to IS NULL OR registered_to > $d",
        {"d": AS_AT},
    ).fetchone()[0]
    # From protected counts (rounded to 5), so within a point of the exact share.
    assert abs(rows["main_language"]["completeness_pct"] - language) < 1.0
    assert rows["main_language"]["meets"] is False  # the demo records about 82%
    assert "has_diabetes" in rows and rows["has_diabetes"]["expected_pct"] is None
    markdown = (tmp_path / "dq.report.md").read_text()
    assert "## Data quality" in markdown and "| main_language |" in markdown
    assert "<h2>Data quality</h2>" in (tmp_path / "dq.report.html").read_text()

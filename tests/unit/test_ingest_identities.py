"""Identifiable details through `phm ingest`: NHS numbers checked, kept apart, in practice order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import nhs_number
import numpy as np
import pandas as pd
import pytest

from phm import geo
from phm.ingest.load import ingest
from phm.ingest.sample import write_sample_extract
from phm.synth.identities import check_digits, demo_nhs_numbers

REF = geo.REFERENCE_ROOT / "north-central-london"
AS_AT = date(2022, 3, 31)


@pytest.fixture
def extract(tiny_db: Path, tmp_path: Path) -> dict[str, Path]:
    return write_sample_extract(tiny_db, tmp_path / "extract")


def _with_identities(extract: dict[str, Path], tmp_path: Path, change) -> dict[str, Path]:
    """Return the extract with its identities file changed by `change` (a frame -> frame)."""
    frame = pd.read_csv(extract["identities"], dtype=str, keep_default_na=False)
    path = tmp_path / "identities-changed.csv"
    change(frame).to_csv(path, index=False)
    return {**extract, "identities": path}


def test_identities_load_beside_their_people_in_practice_order(extract, tmp_path, tiny_db):
    out = tmp_path / "loaded.duckdb"
    result = ingest(extract, out, REF, as_at=AS_AT, accept_warnings=True)
    assert result.loaded, result.reason
    with duckdb.connect(str(out), read_only=True) as con:
        got = con.execute("SELECT * FROM identity ORDER BY person_id").df()
        person = con.execute("SELECT person_id, practice_code FROM person").df()
        stored = con.execute("SELECT practice_code FROM identity").df()["practice_code"]
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        original = con.execute("SELECT * FROM identity ORDER BY person_id").df()
    pd.testing.assert_frame_equal(got[original.columns], original, check_dtype=False)
    merged = got.merge(person, on="person_id", suffixes=("", "_person"))
    assert (merged["practice_code"] == merged["practice_code_person"]).all()
    assert stored.is_monotonic_increasing  # one practice's rows together


@pytest.mark.parametrize(
    ("what", "change", "check", "column"),
    [
        (
            "a wrong check digit",
            lambda f: f.assign(
                nhs_number=f["nhs_number"].where(
                    f.index != 3,
                    f["nhs_number"].str[:9]
                    + ((f["nhs_number"].str[9].astype(int) + 1) % 10).astype(str),
                )
            ),
            "NHS number check digit",
            "nhs_number",
        ),
        (
            "nine digits",
            lambda f: f.assign(nhs_number=f["nhs_number"].where(f.index != 3, "943476591")),
            "not an NHS number",
            "nhs_number",
        ),
        (
            "a shared NHS number",
            lambda f: f.assign(nhs_number=f["nhs_number"].where(f.index != 3, f["nhs_number"][0])),
            "duplicate id",
            "nhs_number",
        ),
        (
            "another person's birth month",
            lambda f: f.assign(birth_date=f["birth_date"].where(f.index != 3, "1901-01-15")),
            "birth date differs from persons file",
            "birth_date",
        ),
        (
            "a person not in the persons file",
            lambda f: f.assign(person_id=f["person_id"].where(f.index != 3, "123")),
            "person not in persons file",
            "person_id",
        ),
        (
            "a formula for a name",
            lambda f: f.assign(given_name=f["given_name"].where(f.index != 3, "=HYPERLINK(1)")),
            "spreadsheet formula",
            "given_name",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_identities_are_refused_by_file_row_and_column(
    extract, tmp_path, what, change, check, column
):
    out = tmp_path / "refused.duckdb"
    result = ingest(
        _with_identities(extract, tmp_path, change), out, REF, as_at=AS_AT, accept_warnings=True
    )
    assert not result.loaded, what
    problems = [p for p in result.findings.problems if p.check == check]
    assert problems and problems[0].file == "identities-changed.csv", what
    assert problems[0].column == column
    # The 4th data row (a shared number names both rows: the first and the 4th).
    assert {p.row for p in problems} == ({1, 4} if check == "duplicate id" else {4})
    assert not out.exists()


def test_the_check_digit_agrees_with_the_nhs_number_package():
    rng = np.random.default_rng(5)
    bases = rng.integers(100_000_000, 999_999_999, size=3000)
    check = check_digits(bases)
    expected = [nhs_number.calculate_checksum(str(base)) for base in bases.tolist()]
    # 10: no check digit makes a valid number of that base (both say so the same way).
    assert check.tolist() == expected
    assert 10 in check.tolist()  # some bases have no valid number


def test_the_demos_nhs_numbers_are_distinct_valid_and_never_issued():
    numbers = demo_nhs_numbers(20_000, seed=3)
    assert len(set(numbers)) == len(numbers)
    synthetic = nhs_number.REGION_SYNTHETIC.ranges[0]
    assert all(nhs_number.is_valid(n) for n in numbers)
    assert all(synthetic.start <= int(n) <= synthetic.end for n in numbers)

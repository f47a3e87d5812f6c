"""The generator takes real area data where it is given (IMD 2019, Census 2011, NHS England)."""

import duckdb
import numpy as np
import pandas as pd

from phm.check import check_database
from phm.synth.calibration import load_calibration, parse_count


def test_published_counts_parse_padding_and_thousands_without_inventing_zeros():
    raw = pd.Series([" 1,499 ", " 577 ", "#VALUE!", "", None])
    got = parse_count(raw)
    assert got.iloc[0] == 1499 and got.iloc[1] == 577
    assert got.iloc[2:].isna().all()


def test_calibrated_lsoas_carry_the_real_imd_2019_deciles(reference_dir, calibrated_db):
    real = load_calibration(reference_dir).imd.set_index("lsoa_code")
    con = duckdb.connect(str(calibrated_db), read_only=True)
    lsoa = con.execute("SELECT lsoa_code, imd_decile, imd_rank, imd_source FROM lsoa").df()
    assert len(lsoa) == 795
    assert set(lsoa["imd_source"]) == {"IoD2019"}
    expected = real.loc[lsoa["lsoa_code"], "imd_decile"].to_numpy()
    assert np.array_equal(lsoa["imd_decile"].to_numpy(), expected)
    # Published fact (IoD 2019): E01000001 (City of London 001A) is not in NCL; NCL's most
    # deprived LSOAs are in decile 1, and no NCL LSOA lacks a rank.
    assert lsoa["imd_rank"].between(1, 32844).all()


def test_calibrated_ethnic_mix_follows_census_2011_by_msoa(reference_dir, calibrated_db):
    census = load_calibration(reference_dir).ethnic_groups.set_index("msoa_code")
    con = duckdb.connect(str(calibrated_db), read_only=True)
    got = (
        con.execute(
            "SELECT l.msoa_code, avg(CAST(p.ethnicity_code IN ('M', 'N', 'P') AS DOUBLE)) AS black, "
            "avg(CAST(p.ethnicity_code NOT IN ('Z', '99') AS DOUBLE)) AS stated "
            "FROM person p JOIN lsoa l USING (lsoa_code) GROUP BY l.msoa_code"
        )
        .df()
        .set_index("msoa_code")
    )
    share = got["black"] / got["stated"]
    target = census.loc[share.index, "black"]
    assert np.corrcoef(share, target)[0, 1] > 0.7


def test_calibrated_uptake_is_lower_where_nhs_england_published_lower_uptake(
    reference_dir, calibrated_db
):
    effect = load_calibration(reference_dir).msoa_uptake_effect.set_index("msoa_code")["effect"]
    con = duckdb.connect(str(calibrated_db), read_only=True)
    got = (
        con.execute(
            "SELECT l.msoa_code, avg(CAST(p.first_dose_date IS NOT NULL AS DOUBLE)) AS uptake "
            "FROM person p JOIN lsoa l USING (lsoa_code) "
            "WHERE p.birth_date <= DATE '1961-03-01' GROUP BY l.msoa_code"
        )
        .df()
        .set_index("msoa_code")["uptake"]
    )
    common = got.index.intersection(effect.index)
    assert len(common) > 150
    assert np.corrcoef(got[common], effect[common])[0, 1] > 0.3


def test_calibrated_database_passes_the_integrity_check(calibrated_db):
    assert check_database(calibrated_db) == []

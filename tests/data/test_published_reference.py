"""NHS England's real MSOA file: borough totals from the MSOA rows equal NHS England's published figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from phm import geo
from phm.ingest.published import import_published, parse_file

REF = geo.REFERENCE_ROOT / "north-central-london"
FOLDER = "nhse_msoa_vaccinations"
VACCINATIONS = "vaccinations-MSOA-20210311.csv"
NIMS = "NIMS-MSOA-population.csv"
NCL_BOROUGHS = {"E09000003", "E09000007", "E09000010", "E09000014", "E09000019"}

# NHS England, COVID-19 Vaccinations weekly publication of 11 March 2021 (counts to 7 March),
# ICS/STP of residence table, "North London Partners in Health and Care" (the five NCL boroughs),
# first doses by age band; re-published as CSV by odileeds/covid-19 at
# vaccines/data/vaccinations-20210311.csv (commit d1523b37).
PUBLISHED_STP_FIRST_DOSES = {
    "Under 60": 191_288,
    "60-64": 48_827,
    "65-69": 43_235,
    "70-74": 40_001,
    "75-79": 28_880,
    "80+": 41_733,
}


@pytest.fixture(scope="module")
def published_db(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Import the real March 2021 file and NIMS populations."""
    out = tmp_path_factory.mktemp("published") / "published.duckdb"
    files = [reference_dir / FOLDER / VACCINATIONS, reference_dir / FOLDER / NIMS]
    import_published(files, out, REF)
    return out


def test_layouts_are_recognised_from_the_header(reference_dir: Path) -> None:
    assert parse_file(reference_dir / FOLDER / VACCINATIONS).layout == "vaccinations"
    assert parse_file(reference_dir / FOLDER / NIMS).layout == "population"


def test_borough_totals_equal_nhs_englands_published_figures(published_db: Path) -> None:
    con = duckdb.connect(str(published_db), read_only=True)
    rows = con.execute(
        "SELECT area_code, age_band, vaccinated FROM published_uptake"
        " WHERE level = 'lad' AND dose = '1' AND as_at = DATE '2021-03-07'"
    ).fetchall()
    assert {code for code, _, _ in rows} == NCL_BOROUGHS
    totals: dict[str, int] = {}
    for _, band, vaccinated in rows:
        totals[band] = totals.get(band, 0) + vaccinated
    assert totals == PUBLISHED_STP_FIRST_DOSES


def test_borough_totals_are_sums_of_their_msoas(published_db: Path) -> None:
    con = duckdb.connect(str(published_db), read_only=True)
    mismatches = con.execute(
        "SELECT b.area_code, b.age_band FROM published_uptake b JOIN ("
        " SELECT l.lad_code, m.age_band, sum(m.vaccinated) AS v, sum(m.population) AS n"
        " FROM published_uptake m JOIN (SELECT DISTINCT msoa_code, lad_code FROM lsoa) l"
        " ON l.msoa_code = m.area_code WHERE m.level = 'msoa' GROUP BY ALL) s"
        " ON s.lad_code = b.area_code AND s.age_band = b.age_band"
        " WHERE b.level = 'lad' AND (b.vaccinated <> s.v OR b.population <> s.n)"
    ).fetchall()
    assert mismatches == []


def test_every_cell_was_readable_and_populations_attached(published_db: Path) -> None:
    con = duckdb.connect(str(published_db), read_only=True)
    missing = con.execute(
        "SELECT count(*) FROM published_uptake WHERE vaccinated IS NULL OR population IS NULL"
    ).fetchall()[0][0]
    assert missing == 0
    meta = dict(con.execute("SELECT key, value FROM dataset_meta").fetchall())
    assert meta["as_at"] == date(2021, 3, 7).isoformat()  # Sunday before the 11 March publication


# NHS England's list of vaccination sites (26 Feb 2021): four sheets with different columns.
SITES = "nhse_vaccination_sites/list-of-vaccination-sites-26-feb-2021.xlsx"


def test_real_site_list_keeps_icb_sites_of_every_kind(reference_dir: Path) -> None:
    from phm.ingest.sites import import_sites

    result = import_sites(reference_dir / SITES, REF)
    models = set(result.sites["delivery_model"])
    assert models == {"hospital_hub", "gp_pcn_site", "community_pharmacy", "vaccination_centre"}
    assert result.sites["site_name"].str.contains("\n").sum() == 0
    assert (result.sites["site_name"] == result.sites["site_name"].str.strip()).all()
    assert (
        result.sites["lon"].between(-0.6, 0.4).all()
        and result.sites["lat"].between(51.2, 51.8).all()
    )
    assert len(result.sites) + result.outside > 1_500  # the whole national list was read
    # sites the list places in North Central London whose postcode is outside it are reported
    assert all("North Central London" in area for area in result.unmatched["area"])

"""NHS England's real MSOA file: borough totals from the MSOA rows equal NHS England's published figures."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from phm import geo
from phm.ingest.published import import_published, parse_count, parse_file, parse_tables
from tests.published_workbook import Table, write_workbook

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


# The same rows laid out as NHS England's workbook: Contents and LTLA sheets, title blocks, merged
# cells, footnotes, the NIMS sheet beside the MSOA sheet, the date only in the file name.
WORKBOOK = "COVID-19-weekly-announced-vaccinations-11-March-2021.xlsx"
COLUMNS = "level, area_code, area_name, age_band, dose, as_at, vaccinated, population"
VALUE_ERROR = ("E02000025", "65-69")  # Hadley Wood, Barnet


def _csv_table(path: Path) -> tuple[list[str], list[list[object]]]:
    """Return a published CSV's header and rows without its empty edge columns, counts as numbers.

    The first row keeps the published text (" 1,499 "): workbooks hold such cells too.
    """
    with path.open(newline="", encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    edge = 1 if lines[0][0] == "" else 0
    end = len(lines[0]) - (1 if lines[0][-1] == "" else 0)
    header = [c.strip() for c in lines[0][edge:end]]
    first_count = next(i for i, name in enumerate(header) if name[0].isdigit() or name[0] == "U")
    rows: list[list[object]] = []
    for n, line in enumerate(lines[1:]):
        cells: list[object] = list(line[edge:end])
        if n:
            cells[first_count:] = [parse_count(str(c))[0] for c in cells[first_count:]]
        rows.append(cells)
    return header, rows


def _write_real_workbook(folder: Path, reference_dir: Path, two_row_header: bool) -> Path:
    """Write the real March 2021 rows and NIMS populations as NHS England's workbook."""
    header, rows = _csv_table(reference_dir / FOLDER / VACCINATIONS)
    nims_header, nims_rows = _csv_table(reference_dir / FOLDER / NIMS)
    bands = [i for i, name in enumerate(header) if name in PUBLISHED_STP_FIRST_DOSES]
    nims_bands = (nims_header.index("Under 18"), len(nims_header) - 1)
    if two_row_header:
        code, band = VALUE_ERROR
        row = next(r for r in rows if r[header.index("MSOA Code")] == code)
        row[header.index(band)] = "#VALUE!"
        msoa = Table("MSOA", header, rows, doses=[("1st dose", bands[0], bands[-1])])
        msoa.blank_after_header = True
        nims = Table(
            "Population estimates (NIMS)",
            nims_header,
            nims_rows,
            doses=[("Population estimates by age band", *nims_bands)],
            names_in_dose_row=False,
            first_row=9,
        )
    else:
        msoa = Table("MSOA", header, rows)
        nims = Table("Population estimates (NIMS)", nims_header, nims_rows, first_row=11)
    return write_workbook(folder / WORKBOOK, [msoa, nims])


def _rows(database: Path) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    return con.execute(f"SELECT {COLUMNS} FROM published_uptake ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def workbook_db(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Import the real March 2021 rows from a workbook laid out as NHS England publishes it."""
    folder = tmp_path_factory.mktemp("workbook")
    out = folder / "workbook.duckdb"
    import_published([_write_real_workbook(folder, reference_dir, False)], out, REF)
    return out


def test_workbook_imports_exactly_what_the_csv_imports(
    workbook_db: Path, published_db: Path
) -> None:
    from_csv = _rows(published_db)
    assert len(from_csv) == 164 * 6 + 5 * 6
    assert _rows(workbook_db) == from_csv


def test_workbook_borough_totals_equal_nhs_englands_published_figures(workbook_db: Path) -> None:
    con = duckdb.connect(str(workbook_db), read_only=True)
    totals = dict(
        con.execute(
            "SELECT age_band, sum(vaccinated) FROM published_uptake WHERE level = 'lad'"
            " AND dose = '1' AND as_at = DATE '2021-03-07' GROUP BY age_band"
        ).fetchall()
    )
    assert totals == PUBLISHED_STP_FIRST_DOSES
    [(source,)] = con.execute("SELECT DISTINCT source FROM published_uptake").fetchall()
    assert source == (
        f"{WORKBOOK}, sheet 'MSOA'; population: {WORKBOOK}, sheet 'Population estimates (NIMS)'"
    )


def test_workbook_with_a_dose_row_and_a_value_error_cell(
    reference_dir: Path, published_db: Path, tmp_path: Path
) -> None:
    book = _write_real_workbook(tmp_path, reference_dir, True)
    vaccinations, population = parse_tables(book)
    assert (vaccinations.layout, population.layout) == ("vaccinations", "population")
    [problem] = vaccinations.findings.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        f"{WORKBOOK}, sheet 'MSOA'",
        2,
        "1st dose 65-69",
        "#VALUE!",
    )
    assert problem.message == "stored as missing (cell J17)"  # header rows 13-14, a blank, row 2
    out = tmp_path / "workbook.duckdb"
    import_published([book], out, REF)
    code, band = VALUE_ERROR
    barnet = "E09000003"
    expected = [
        (*row[:6], None, row[7])
        if row[:2] in (("msoa", code), ("lad", barnet)) and row[3] == band
        else row
        for row in _rows(published_db)
    ]
    assert _rows(out) == expected  # missing, never zero, and Barnet's total is not a partial sum
    assert _rows(out) != _rows(published_db)


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

"""NHS England published statistics: layouts from the header, messy numbers, populations."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from phm import geo
from phm.ingest.published import (
    dose_heading,
    import_published,
    parse_count,
    parse_file,
    parse_tables,
    population_for,
    publication_date,
)
from tests.published_workbook import Table, write_workbook

REF = geo.REFERENCE_ROOT / "north-central-london"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 1,499 ", (1499, None)),
        (" 577 ", (577, None)),
        ("0", (0, None)),
        ("#VALUE!", (None, "unreadable cell")),
        ("12.5", (None, "unreadable cell")),
        ("-3", (None, "negative count")),
        ("  ", (None, "empty cell")),
        (None, (None, "empty cell")),
    ],
)
def test_parse_count(text, expected) -> None:
    assert parse_count(text) == expected


LATER = (
    ",Region Code (Administrative),Region Name (administrative),LTLA Code,LTLA Name,MSOA Code,"
    "MSOA Name,1st dose Under 25,1st dose 25-29,1st dose 80+,,2nd dose Under 25,2nd dose 25-29,"
    "2nd dose 80+,,Cumulative Total Doses to Date\n"
    ',E12000007,London,E09000003,Barnet,E02000024,High Barnet, 312,190," 1,451 ",, 86,#VALUE!,446 ,,"9"\n'
    ',E12000007,London,E09000003,Barnet,E02000025,Hadley Wood, 10,20,30,, 1,2,3,,"9"\n'
    ",,,,,,,,,,,,,,\n"
)
NIMS = (
    "MSOA Code,MSOA Name,Under 18,18-24,25-29,30-79,80+,18+,16+\n"
    'E02000024,High Barnet,"2,000",800,700,"5,000",600,"7,100","7,300"\n'
    "E02000025,Hadley Wood,100,50,40,300,30,420,440\n"
)


def test_later_layout_names_doses_and_reports_unreadable_cells(tmp_path: Path) -> None:
    path = tmp_path / "week.csv"
    path.write_text(LATER)
    parsed = parse_file(path)
    assert parsed.layout == "vaccinations"
    frame = parsed.frame.set_index(["msoa_code", "dose", "age_band"])["value"]
    assert frame[("E02000024", "1", "80+")] == 1451
    assert frame[("E02000024", "2", "Under 25")] == 86
    assert frame.isna()[("E02000024", "2", "25-29")]  # #VALUE! is missing, not zero
    [problem] = parsed.findings.problems
    assert (problem.check, problem.row, problem.column, problem.value) == (
        "unreadable cell",
        1,
        "2nd dose 25-29",
        "#VALUE!",
    )


def test_early_layout_is_first_doses_and_nims_is_population(tmp_path: Path) -> None:
    early = tmp_path / "early.csv"
    early.write_text(
        ",LTLA Code,LTLA Name,MSOA Code,MSOA Name,Under 60,60-64,80+,\n"
        ',E09000003,Barnet,E02000024,High Barnet," 1,499 ", 577 , 583 ,\n'
    )
    nims = tmp_path / "nims.csv"
    nims.write_text(NIMS)
    assert parse_file(early).layout == "vaccinations"
    assert set(parse_file(early).frame["dose"]) == {"1"}
    assert parse_file(nims).layout == "population"


def test_population_for_sums_whole_bands_and_derives_under_n() -> None:
    nims = {"Under 18": 2000, "18-24": 800, "25-29": 700, "30-79": 5000, "80+": 600, "16+": 7300}
    assert population_for("80+", nims) == 600
    assert population_for("18-29", nims) == 1500
    assert population_for("Under 25", nims) == 7300 - 700 - 5000 - 600  # 16-24
    assert population_for("25-34", nims) is None  # 30-79 does not fit inside
    assert population_for("80+", {**nims, "80+": None}) is None


def _uptake_rows(con: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    """Return published_uptake as {(level, area, dose, band): (vaccinated, population)}."""
    return {
        (level, code, dose, band): (vacc, pop)
        for level, code, dose, band, vacc, pop in con.execute(
            "SELECT level, area_code, dose, age_band, vaccinated, population FROM published_uptake"
        ).fetchall()
    }


def test_import_builds_msoa_and_borough_rows_missing_never_zero(tmp_path: Path) -> None:
    week, nims = tmp_path / "week.csv", tmp_path / "nims.csv"
    week.write_text(LATER)
    nims.write_text(NIMS)
    out = tmp_path / "pub.duckdb"
    result = import_published([week, nims], out, REF, as_at=date(2021, 6, 27))
    con = duckdb.connect(str(out), read_only=True)
    rows = _uptake_rows(con)
    assert rows[("msoa", "E02000024", "1", "80+")] == (1451, 600)
    assert rows[("msoa", "E02000024", "2", "25-29")] == (None, 700)
    assert rows[("lad", "E09000003", "1", "80+")] == (1481, 630)
    assert rows[("lad", "E09000003", "2", "25-29")] == (None, 740)  # not the partial sum 2
    assert rows[("lad", "E09000003", "1", "Under 25")] == (
        322,
        7300 - 700 - 5000 - 600 + 440 - 40 - 300 - 30,
    )
    meta = dict(con.execute("SELECT key, value FROM dataset_meta").fetchall())
    assert (meta["kind"], meta["as_at"]) == ("published aggregate", "2021-06-27")
    assert json.loads(meta["sources"]) == [
        "NHS England published statistics: week.csv",
        "NHS England published statistics: nims.csv",
    ]
    assert result.report_paths[0].exists()


# NHS England publishes these as Excel workbooks: a Contents sheet, title blocks, merged cells,
# a dose row over the age-band row, footnotes. They must read exactly as the CSV copies do.
WEEK_XLSX = "COVID-19-weekly-announced-vaccinations-01-July-2021.xlsx"
LATER_HEADER = [
    "Region Code (Administrative)",
    "Region Name (administrative)",
    "LTLA Code",
    "LTLA Name",
    "MSOA Code",
    "MSOA Name",
    "Under 25",
    "25-29",
    "80+",
    "Under 25",
    "25-29",
    "80+",
    "Cumulative Total Doses to Date",
]
LATER_ROWS: list[list[object]] = [
    ["E12000007", "London", "E09000003", "Barnet", "E02000024", "High Barnet"]
    + [312, 190, " 1,451 ", 86, "#VALUE!", 446, 9],
    ["E12000007", "London", "E09000003", "Barnet", "E02000025", "Hadley Wood"]
    + [10, 20, 30.0, 1, 2, 3, 9],
]
LATER_DOSES = [("1st dose", 6, 8), ("2nd dose", 9, 11)]


def _later_table(**options: object) -> Table:
    return replace(Table("MSOA", LATER_HEADER, LATER_ROWS, doses=LATER_DOSES), **options)


def _sorted(frame):
    return frame.sort_values(["msoa_code", "dose", "age_band"]).reset_index(drop=True)


@pytest.mark.parametrize(
    ("names_in_dose_row", "blank_after_header", "data_row"),
    [(True, False, 15), (False, False, 15), (True, True, 16)],
)
def test_workbook_with_a_dose_row_over_bands_reads_as_the_csv(
    tmp_path: Path, names_in_dose_row: bool, blank_after_header: bool, data_row: int
) -> None:
    csv_path = tmp_path / "week.csv"
    csv_path.write_text(LATER)
    table = _later_table(names_in_dose_row=names_in_dose_row, blank_after_header=blank_after_header)
    book = write_workbook(tmp_path / WEEK_XLSX, [table])
    [parsed] = parse_tables(book)  # Contents and LTLA sheets hold no MSOA table
    assert (parsed.layout, parsed.sheet) == ("vaccinations", "MSOA")
    expected = parse_file(csv_path).frame
    assert _sorted(parsed.frame).equals(_sorted(expected))
    [problem] = parsed.findings.problems
    assert (problem.check, problem.file, problem.row, problem.column, problem.value) == (
        "unreadable cell",
        f"{WEEK_XLSX}, sheet 'MSOA'",
        1,
        "2nd dose 25-29",
        "#VALUE!",
    )
    assert problem.message == f"stored as missing (cell L{data_row})"  # column A is empty
    [count] = parsed.findings.counts
    assert (count.check, count.file, count.count) == ("unreadable cell", problem.file, 1)


def test_footnotes_below_the_table_are_not_rows(tmp_path: Path) -> None:
    table = _later_table(
        footnotes=("Notes:", "E02 codes are 2011 MSOAs", "Total 999", "#VALUE! means not known")
    )
    [parsed] = parse_tables(write_workbook(tmp_path / WEEK_XLSX, [table]))
    assert sorted(parsed.frame["msoa_code"].unique()) == ["E02000024", "E02000025"]
    assert len(parsed.frame) == 2 * 6


def _nims_table(title: str, scale: int) -> Table:
    header = ["MSOA Code", "MSOA Name", "Under 18", "18-24", "25-29", "30-79", "80+", "18+", "16+"]
    rows: list[list[object]] = [
        ["E02000024", "High Barnet", 2000, 800, 700, 5000, 600, 7100, 7300],
        ["E02000025", "Hadley Wood", 100, 50, 40, 300, 30, 420, 440],
    ]
    rows = [r[:2] + [v * scale for v in r[2:]] for r in rows]  # type: ignore[operator]
    # a heading merged over the band columns that names no dose
    return Table(title, header, rows, doses=[("Population by age band", 2, 8)], first_row=10)


def test_workbook_import_uses_the_nims_sheet_and_the_date_in_the_name(tmp_path: Path) -> None:
    book = write_workbook(
        tmp_path / WEEK_XLSX,
        [_later_table(), _nims_table("Population estimates (NIMS)", 1)]
        + [_nims_table("Population estimates (ONS)", 3)],
    )
    out = tmp_path / "pub.duckdb"
    result = import_published([book], out, REF)
    assert result.as_at == ["2021-06-27"]  # the Sunday before the 1 July 2021 publication
    con = duckdb.connect(str(out), read_only=True)
    rows = _uptake_rows(con)
    assert rows[("msoa", "E02000024", "1", "80+")] == (1451, 600)  # NIMS, not ONS (1800)
    assert rows[("msoa", "E02000024", "2", "25-29")] == (None, 700)
    assert rows[("lad", "E09000003", "1", "80+")] == (1481, 630)
    assert rows[("lad", "E09000003", "2", "25-29")] == (None, 740)
    [source] = {
        s for (s,) in con.execute("SELECT DISTINCT source FROM published_uptake").fetchall()
    }
    assert source == (
        f"{WEEK_XLSX}, sheet 'MSOA'; population: {WEEK_XLSX}, sheet 'Population estimates (NIMS)'"
    )
    notes = {c.check: c for c in result.findings.counts}
    assert "'Population estimates (ONS)'" in notes["population sheet not used"].message


def test_a_sheet_listing_msoas_without_counts_is_passed_over(tmp_path: Path) -> None:
    lookup = Table("MSOA names", ["MSOA Code", "MSOA Name", "LTLA Code"], [["E02000024", "X", "Y"]])
    book = write_workbook(tmp_path / WEEK_XLSX, [lookup, _later_table()])
    [parsed] = parse_tables(book)
    assert parsed.sheet == "MSOA"
    [note] = [c for c in parsed.findings.counts if c.check == "sheet not used"]
    assert "'MSOA names'" in note.message
    with pytest.raises(ValueError, match="sheet 'MSOA names': no age-band columns"):
        parse_tables(write_workbook(tmp_path / "only-lookup.xlsx", [lookup]))


def test_the_same_week_twice_is_refused(tmp_path: Path) -> None:
    week = tmp_path / "vaccinations-MSOA-20210701.csv"  # the CSV copy of the same week
    week.write_text(LATER)
    book = write_workbook(tmp_path / WEEK_XLSX, [_later_table()])
    with pytest.raises(ValueError, match="appears more than once"):
        import_published([week, book], tmp_path / "pub.duckdb", REF)
    assert not (tmp_path / "pub.duckdb").exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("vaccinations-MSOA-20210311.csv", date(2021, 3, 11)),
        ("COVID-19-weekly-announced-vaccinations-11-March-2021.xlsx", date(2021, 3, 11)),
        ("COVID-19-weekly-announced-vaccinations-1-Jul-2021.xlsx", date(2021, 7, 1)),
        ("COVID-19-weekly-announced-vaccinations.xlsx", None),
        ("week-31-Smarch-2021.xlsx", None),
    ],
)
def test_publication_date_is_read_from_either_spelling(name: str, expected: date | None) -> None:
    assert publication_date(name) == expected


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("1st dose", "1st dose"),
        ("Second dose", "2nd dose"),
        ("Cumulative 1st doses", "1st dose"),
        ("Booster dose", "booster dose"),
        ("Population by age band", None),
        ("Cumulative Total Doses to Date", None),
    ],
)
def test_dose_heading(heading: str, expected: str | None) -> None:
    assert dose_heading(heading) == expected


# NHS England's files have held cells with more people vaccinated than the NIMS population
# (LATER has one: High Barnet's 1,451 first doses at 80+, of 600 people). They are reported by
# file, row and column, stored as published, and left out of rates by the queries.
OVER = LATER.replace("Hadley Wood, 10,20,30,, 1,2,3,", 'Hadley Wood, 10,20,"1,030",, 1,2,31,')


def test_vaccinated_above_population_is_reported_by_file_row_and_column(tmp_path: Path) -> None:
    assert OVER != LATER
    week, nims = tmp_path / "week.csv", tmp_path / "nims.csv"
    week.write_text(OVER)
    nims.write_text(NIMS)  # 80+: High Barnet 600 people, Hadley Wood 30
    out = tmp_path / "pub.duckdb"
    result = import_published([week, nims], out, REF, as_at=date(2021, 6, 27))
    found = [p for p in result.findings.problems if p.check == "vaccinated above population"]
    assert [(p.severity, p.file, p.row, p.column, p.value) for p in found] == [
        ("warning", "week.csv", 1, "1st dose 80+", " 1,451 "),
        ("warning", "week.csv", 2, "1st dose 80+", "1,030"),
        ("warning", "week.csv", 2, "2nd dose 80+", "31"),
    ]
    assert found[1].message == (
        "1,030 vaccinated, population 30 (nims.csv): left out of rates, as unreadable cells are"
    )
    [count] = [c for c in result.findings.counts if c.check == "vaccinated above population"]
    assert (count.severity, count.file, count.count) == ("warning", "week.csv", 3)
    assert any("vaccinated above population: 3 (week.csv)" in line for line in result.lines())
    report = json.loads(next(p for p in result.report_paths if p.suffix == ".json").read_text())
    assert "vaccinated above population" in json.dumps(report)
    con = duckdb.connect(str(out), read_only=True)
    rows = _uptake_rows(con)
    assert rows[("msoa", "E02000025", "1", "80+")] == (1030, 30)  # stored as published
    assert rows[("lad", "E09000003", "1", "80+")] == (1451 + 1030, 630)  # NHS England's sum
    con.close()


def test_vaccinated_above_population_in_a_workbook_names_the_cell(tmp_path: Path) -> None:
    rows = [list(r) for r in LATER_ROWS]
    rows[1][8] = 31  # Hadley Wood, 1st dose 80+ (column I of the sheet), population 30
    book = write_workbook(tmp_path / WEEK_XLSX, [_later_table(rows=rows)])
    nims = tmp_path / "nims.csv"
    nims.write_text(NIMS)
    result = import_published([book, nims], tmp_path / "pub.duckdb", REF)
    found = [p for p in result.findings.problems if p.check == "vaccinated above population"]
    assert [p.row for p in found] == [1, 2]  # High Barnet's 1,451 of 600 too
    found = found[1]
    assert (found.file, found.row, found.column, found.value) == (
        f"{WEEK_XLSX}, sheet 'MSOA'",
        2,
        "1st dose 80+",
        "31",
    )
    assert found.message.endswith("(cell J16)")


def test_a_band_whose_derived_population_is_below_zero_has_none(tmp_path: Path) -> None:
    week, nims = tmp_path / "week.csv", tmp_path / "nims.csv"
    week.write_text(LATER)
    # Hadley Wood's 16+ total is below its bands from 25 up (40 + 300 + 30), so 16-24 is -70.
    nims.write_text(NIMS.replace("420,440\n", "420,300\n"))
    out = tmp_path / "pub.duckdb"
    result = import_published([week, nims], out, REF, as_at=date(2021, 6, 27))
    [found] = [p for p in result.findings.problems if p.check == "population below zero"]
    assert (found.file, found.row, found.column, found.value) == ("nims.csv", 2, "16+", "300")
    assert "Under 25" in found.message and "-70" in found.message
    con = duckdb.connect(str(out), read_only=True)
    assert _uptake_rows(con)[("msoa", "E02000025", "1", "Under 25")] == (10, None)
    con.close()

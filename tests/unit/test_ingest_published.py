"""NHS England published statistics: layouts from the header, messy numbers, populations."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from phm import geo
from phm.ingest.published import import_published, parse_count, parse_file, population_for

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


def test_import_builds_msoa_and_borough_rows_missing_never_zero(tmp_path: Path) -> None:
    week, nims = tmp_path / "week.csv", tmp_path / "nims.csv"
    week.write_text(LATER)
    nims.write_text(NIMS)
    out = tmp_path / "pub.duckdb"
    result = import_published([week, nims], out, REF, as_at=date(2021, 6, 27))
    con = duckdb.connect(str(out), read_only=True)
    rows = {
        (level, code, dose, band): (vacc, pop)
        for level, code, dose, band, vacc, pop in con.execute(
            "SELECT level, area_code, dose, age_band, vaccinated, population FROM published_uptake"
        ).fetchall()
    }
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

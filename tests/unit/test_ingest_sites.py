"""NHS England's site list: sheets to delivery models, messy names and headers, geocoding in the ICB."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from phm import geo
from phm.ingest.sites import (
    add_sites_to_database,
    delivery_model_of,
    import_sites,
)

REF = geo.REFERENCE_ROOT / "north-central-london"


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write a workbook with the given sheets and rows."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_sheet_names_map_to_delivery_models() -> None:
    assert delivery_model_of("Hospital hubs") == "hospital_hub"
    assert delivery_model_of("GP-led sites") == "gp_pcn_site"
    assert delivery_model_of("Pharmacies ") == "community_pharmacy"
    assert delivery_model_of("Vaccination centres") == "vaccination_centre"
    with pytest.raises(ValueError, match="cannot tell which kind"):
        delivery_model_of("Care homes")


def test_sites_in_the_icb_are_kept_and_unmatched_reported(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "list-of-vaccination-sites-26-feb-2021.xlsx",
        {
            "Hospital hubs": [
                ["Region", "ICS/STP", "Trust or site name", "Address", "Postcode"],
                [
                    "London",
                    "North London Partners",
                    "Whittington\nHealth ",
                    "Magdala Ave",
                    "n19 5nf",
                ],
                ["London", "Elsewhere", "Far Away Hospital", "Road", "LS1 3EX"],
            ],
            "GP-led sites": [
                ["Region", "CCG", "Site_name", "Address", "Postcode "],
                ["London", "NHS North Central London CCG", "Lost Surgery", "Somewhere", "ZZ9 9ZZ"],
            ],
            "Notes": [["These lists are updated weekly"]],
        },
    )
    result = import_sites(path, REF)
    assert result.sites[["site_name", "delivery_model", "postcode"]].values.tolist() == [
        ["Whittington Health", "hospital_hub", "N19 5NF"]
    ]
    assert result.sites["opened"].tolist() == [date(2021, 2, 26)]
    assert result.outside == 2
    assert result.unmatched["site_name"].tolist() == ["Lost Surgery"]
    assert result.skipped_sheets == ["Notes"]


def test_sites_are_added_to_a_database_atomically(tiny_db: Path, tmp_path: Path) -> None:
    database = tmp_path / "live.duckdb"
    shutil.copy(tiny_db, database)
    path = workbook(
        tmp_path / "sites.xlsx",
        {"Vaccination centres": [["Centre", "Postcode"], ["Emirates Stadium", "N5 1BU"]]},
    )
    result = import_sites(path, REF, date(2021, 3, 1))
    add_sites_to_database(database, result.sites)
    add_sites_to_database(database, result.sites)  # a second import replaces, not duplicates
    con = duckdb.connect(str(database), read_only=True)
    rows = con.execute(
        "SELECT site_name, delivery_model FROM site WHERE source = 'sites.xlsx'"
    ).fetchall()
    assert rows == [("Emirates Stadium", "vaccination_centre")]


def test_a_site_name_over_200_characters_is_refused_naming_file_sheet_row_and_column(
    tmp_path: Path,
) -> None:
    path = workbook(
        tmp_path / "list-of-vaccination-sites-26-feb-2021.xlsx",
        {
            "Hospital hubs": [
                ["Region", "ICS/STP", "Trust or site name", "Address", "Postcode"],
                ["London", "North London Partners", "Whittington Health", "Road", "N19 5NF"],
                ["London", "North London Partners", "X" * 10_000, "Road", "N19 5NF"],
            ],
        },
    )
    with pytest.raises(ValueError) as refused:
        import_sites(path, REF)
    message = str(refused.value)
    assert message.startswith(
        "list-of-vaccination-sites-26-feb-2021.xlsx, sheet 'Hospital hubs', row 2,"
        " column 'trust or site name': the value has 10,000 characters; at most 200"
    )
    assert "XXX" not in message

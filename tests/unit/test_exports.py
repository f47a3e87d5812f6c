"""Every CSV and GeoJSON export neutralises text a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from phm.output import exports
from phm.outreach import export

FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
]
HEADER = ["Cohort: People; first dose", "Dataset: Demo"]


def sites() -> pd.DataFrame:
    """Return a displayed table of sites named by an attacker, with numbers of each kind."""
    return pd.DataFrame(
        {
            "Site": FORMULAS + ["Library"],
            "Change": ["-3.2", "+1,245", "-5%", "12", "–", "<8", "=1"],
            "Rank": range(-3, 4),
            "Gap": [-1.5, 0.0, 2.5, -0.25, 1.0, -7.0, 3.0],
        }
    )


def csv_rows(text: str) -> list[dict[str, str]]:
    """Return the rows of an exported CSV after its '# ' header lines."""
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("# ")]
    return list(csv.DictReader(lines))


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_gets_a_leading_quote(value: str) -> None:
    assert exports.neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Library", "-3.2", "+1,245", "-5%", "12", "", "–", -1, -2.5])
def test_text_and_numbers_that_are_not_formulas_stay_as_they_are(value) -> None:
    assert exports.neutralise_formula(value) == value


def test_csv_export_neutralises_text_cells_and_keeps_numbers() -> None:
    rows = csv_rows(exports.to_csv(sites(), HEADER))
    assert [r["Site"] for r in rows] == [f"'{f}" for f in FORMULAS] + ["Library"]
    assert [r["Change"] for r in rows] == ["-3.2", "+1,245", "-5%", "12", "–", "<8", "'=1"]
    assert [r["Rank"] for r in rows] == ["-3", "-2", "-1", "0", "1", "2", "3"]
    assert rows[0]["Gap"] == "-1.5"


def test_csv_export_neutralises_column_names_too() -> None:
    table = pd.DataFrame({"=cmd()": ["a"], "Site": ["b"]})
    assert exports.to_csv(table, []).splitlines()[0] == "'=cmd(),Site"


def test_points_geojson_neutralises_text_properties_and_keeps_numbers() -> None:
    table = sites()
    lon, lat = [0.1] * len(table), [51.5] * len(table)
    collection = json.loads(export.points_geojson(table, lon, lat, HEADER))
    properties = [f["properties"] for f in collection["features"]]
    assert [p["Site"] for p in properties] == [f"'{f}" for f in FORMULAS] + ["Library"]
    assert [p["Rank"] for p in properties] == list(range(-3, 4))
    assert properties[0]["Gap"] == -1.5 and properties[0]["Change"] == "-3.2"
    assert collection["metadata"] == HEADER


def test_areas_geojson_neutralises_text_properties() -> None:
    polygons = {"E1": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]], "E2": [[[[0, 0], [1, 1], [0, 0]]]]}
    shown = pd.DataFrame(
        {"LSOA": ["E1", "E2"], "Name": ["@SUM(1+1)", "Camden"], "Gap": [-2.0, 1.0]}
    )
    collection = json.loads(export.areas_geojson(shown, polygons, "LSOA", HEADER))
    properties = [f["properties"] for f in collection["features"]]
    assert [p["Name"] for p in properties] == ["'@SUM(1+1)", "Camden"]
    assert [p["Gap"] for p in properties] == [-2.0, 1.0]

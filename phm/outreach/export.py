"""Exports of outreach plans and map areas: labelled CSV, GeoJSON and a printable itinerary."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence

import pandas as pd

from phm.output.exports import neutralise_formula


def points_geojson(
    display: pd.DataFrame, lon: Sequence[float], lat: Sequence[float], header: Sequence[str]
) -> str:
    """Return points with the displayed (protected) columns as properties, labelled."""
    features = []
    for (_, row), x, y in zip(display.iterrows(), lon, lat, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(x), 6), round(float(y), 6)],
                },
                "properties": {neutralise_formula(k): _plain(v) for k, v in row.items()},
            }
        )
    return _collection(features, header)


def areas_geojson(
    display: pd.DataFrame, polygons: Mapping[str, list], code_column: str, header: Sequence[str]
) -> str:
    """Return area polygons (code -> list of polygons of rings) with displayed figures, labelled."""
    features = []
    for _, row in display.iterrows():
        parts = polygons.get(row[code_column], [])
        if not parts:
            continue
        geometry = (
            {"type": "Polygon", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiPolygon", "coordinates": parts}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {neutralise_formula(k): _plain(v) for k, v in row.items()},
            }
        )
    return _collection(features, header)


def _collection(features: list[dict], header: Sequence[str]) -> str:
    """Return a FeatureCollection whose 'metadata' member carries the export labels."""
    return json.dumps(
        {
            "type": "FeatureCollection",
            "metadata": [neutralise_formula(line) for line in header],
            "features": features,
        },
        ensure_ascii=False,
    )


def _plain(value: object) -> object:
    """Return a JSON-friendly value (NA as null, numpy scalars as Python ones, tuples joined).

    Text that a spreadsheet would run as a formula is neutralised (phm.output.exports).
    """
    if isinstance(value, tuple | list):
        return neutralise_formula(" ".join(str(v) for v in value))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return neutralise_formula(value)


def itinerary_html(
    title: str, display: pd.DataFrame, header: Sequence[str], notes: Sequence[str] = ()
) -> str:
    """Return a printable HTML page: labels, the itinerary table by day, and the assumptions."""
    days = []
    for day, rows in display.groupby("Day", sort=True):
        days.append(
            f"<h2>Day {html.escape(str(day))}</h2>"
            + rows.drop(columns="Day").to_html(index=False, escape=True, border=0, classes="it")
        )
    labels = "".join(f"<li>{html.escape(line)}</li>" for line in header)
    assumptions = "".join(f"<li>{html.escape(line)}</li>" for line in notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: Arial, sans-serif; margin: 2em; color: #212b32; }}
h1 {{ color: #005eb8; }} h2 {{ border-bottom: 2px solid #005eb8; margin-top: 1.5em; }}
table.it {{ border-collapse: collapse; width: 100%; font-size: 0.95em; }}
table.it th, table.it td {{ border: 1px solid #aeb7bd; padding: 4px 8px; text-align: left; }}
table.it th {{ background: #f0f4f5; }}
.labels {{ font-size: 0.85em; color: #425563; }}
@media print {{ h2 {{ page-break-before: auto; }} table {{ page-break-inside: avoid; }} }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<ul class="labels">{labels}</ul>
{"".join(days)}
<h2>Assumptions</h2><ul>{assumptions}</ul>
</body></html>
"""

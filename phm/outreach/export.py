"""Exports of outreach plans and map areas: labelled CSV, GeoJSON and a printable itinerary."""

from __future__ import annotations

import html
import json
import math
import re
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


_COUNT_TEXT = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$")


def numbers_for_csv(display: pd.DataFrame) -> pd.DataFrame:
    """Return a displayed table with its counts as numbers ('1,234' -> 1234) for a CSV.

    Shown text such as '<8' (suppressed) stays as it is, so a spreadsheet reads counts as
    numbers and a suppressed cell as text.
    """
    out = display.copy()
    for column in out.columns:
        values = out[column]
        if not pd.api.types.is_string_dtype(values) and values.dtype != object:
            continue
        text = values.astype(str)
        if not text.str.match(_COUNT_TEXT).any():
            continue
        out[column] = pd.Series(
            [
                int(v.replace(",", "")) if isinstance(v, str) and _COUNT_TEXT.match(v) else v
                for v in values
            ],
            index=out.index,
            dtype=object,
        )
    return out


DAY_COLOURS = ("#005eb8", "#da291c", "#007f3b", "#ed8b00", "#330072", "#00a499", "#7c2855")


def route_svg(
    depot: tuple[float, float], stops: pd.DataFrame, width: int = 640, height: int = 420
) -> str:
    """Return a small SVG map of a bus route: the depot, each day's loop and numbered stops.

    `stops`: day, order, lon, lat (an itinerary). Drawn offline, without tiles or scripts,
    on an equirectangular projection scaled to the route.
    """
    lon = [depot[0], *stops["lon"].astype(float)]
    lat = [depot[1], *stops["lat"].astype(float)]
    squeeze = math.cos(math.radians(sum(lat) / len(lat)))
    span_x = max((max(lon) - min(lon)) * squeeze, 1e-4)
    span_y = max(max(lat) - min(lat), 1e-4)
    pad = 24
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(x: float, y: float) -> tuple[float, float]:
        return (
            pad + (x - min(lon)) * squeeze * scale,
            height - pad - (y - min(lat)) * scale,
        )

    parts = [f'<rect width="{width}" height="{height}" fill="#f0f4f5"/>']
    dx, dy = xy(*depot)
    for k, (day, rows) in enumerate(stops.sort_values(["day", "order"]).groupby("day")):
        colour = DAY_COLOURS[k % len(DAY_COLOURS)]
        points = [(dx, dy), *(xy(a, b) for a, b in zip(rows["lon"], rows["lat"], strict=True))]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*points, (dx, dy)])
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), order in zip(points[1:], rows["order"], strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}"/>'
                f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="10" text-anchor="middle"'
                f' fill="#ffffff">{int(day)}.{int(order)}</text>'
            )
    parts.append(
        f'<rect x="{dx - 7:.1f}" y="{dy - 7:.1f}" width="14" height="14" fill="#212b32"/>'
        f'<text x="{dx + 10:.1f}" y="{dy - 10:.1f}" font-size="12" fill="#212b32">Depot</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="Route map: depot and'
        f' stops by day (day.stop)">{"".join(parts)}</svg>'
    )


def itinerary_html(
    title: str,
    display: pd.DataFrame,
    header: Sequence[str],
    notes: Sequence[str] = (),
    headings: Mapping[int, str] | None = None,
    map_svg: str = "",
) -> str:
    """Return a printable HTML page: labels, a small map, the itinerary by day, the assumptions.

    `headings` gives each day's heading (its date, leaving and return-to-depot times);
    `map_svg` is an inline SVG of the route (made offline, no tiles).
    """
    days = []
    for day, rows in display.groupby("Day", sort=True):
        heading = (headings or {}).get(int(day), f"Day {day}")  # type: ignore[call-overload]
        days.append(
            f"<h2>{html.escape(heading)}</h2>"
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
figure.map svg {{ max-width: 100%; height: auto; }}
@media print {{ h2 {{ page-break-before: auto; }} table {{ page-break-inside: avoid; }} }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<ul class="labels">{labels}</ul>
{f'<figure class="map">{map_svg}</figure>' if map_svg else ""}
{"".join(days)}
<h2>Assumptions</h2><ul>{assumptions}</ul>
</body></html>
"""

"""Pure pydeck map builders (no Streamlit): area shapes, colour scales, legends and layers.

Maps draw without a basemap by default (no internet is normal here): boundaries and points
are the map. Every frame drawn has passed disclosure control; suppressed areas and areas
with nobody in the cohort have their own colours, legend entries and tooltip text.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from phm import codes
from phm.gap_words import gap_words
from phm.levels import MAP_LEVELS, level_of

SUPPRESSED_RGBA = (150, 150, 150, 200)
SUPPRESSED_LINE = (90, 90, 90, 255)
EMPTY_RGBA = (255, 255, 255, 0)
EMPTY_LINE = (200, 200, 200, 255)
AREA_LINE = (255, 255, 255, 160)
SELECTED_LINE = (0, 0, 0, 255)
# ColorBrewer sequential/diverging classes (colour-blind safe).
LOW_IS_DARK = ("#b30000", "#e34a33", "#fc8d59", "#fdcc8a", "#fef0d9")  # OrRd, reversed
HIGH_IS_DARK = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")  # OrRd
DIVERGING = ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")  # RdBu
GAP_BREAKS = (-10.0, -5.0, -2.0, 2.0, 5.0, 10.0)  # percentage points
SITE_COLOURS: dict[str, tuple[int, int, int]] = {
    "vaccination_centre": (0, 94, 184),
    "hospital_hub": (122, 40, 138),
    "gp_pcn_site": (0, 150, 57),
    "community_pharmacy": (0, 169, 206),
    "pop_up": (237, 139, 0),
    "vaccine_bus": (218, 41, 28),
    "housebound_visit": (66, 85, 99),
}
PLAN_RGB = (0, 48, 135)  # chosen pop-up sites and bus stops
NAIVE_RGB = (120, 120, 120)
DAY_COLOURS = ((0, 94, 184), (218, 41, 28), (0, 150, 57), (237, 139, 0), (122, 40, 138))
METRICS = {
    "uptake": "Uptake %",
    "unvaccinated": "Number unvaccinated",
    "gap": "Gap to the ICS-wide uptake (percentage points)",
}
# Short labels for the metric switch; METRICS above titles the legend.
METRIC_BUTTONS = {"uptake": "Uptake %", "unvaccinated": "Unvaccinated", "gap": "Gap to ICS"}


@dataclass(frozen=True)
class LegendEntry:
    """One swatch of a legend: its colour and label."""

    colour: str
    label: str
    outline: str = "#666666"


def hex_to_rgba(colour: str, alpha: int = 210) -> list[int]:
    """Return [r, g, b, a] for a #rrggbb colour."""
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def rgba_hex(rgba: Sequence[int]) -> str:
    """Return #rrggbb for an [r, g, b, ...] colour."""
    return "#" + "".join(f"{int(v):02x}" for v in rgba[:3])


def area_shapes(lsoas: pd.DataFrame, level: str) -> pd.DataFrame:
    """Return one row per polygon part of each area: code, name, polygon (lon/lat rings).

    `lsoas`: lsoa_code, lsoa_name, msoa_code, msoa_name, lad_code, lad_name, geometry (WKB).
    MSOAs and boroughs are the union of their LSOAs.
    """
    chosen = level_of(level, MAP_LEVELS)
    code_col, name_col = chosen.code_column, chosen.name_column
    geometry = shapely.from_wkb([bytes(g) for g in lsoas["geometry"]])
    frame = pd.DataFrame(
        {"code": lsoas[code_col].to_numpy(), "name": lsoas[name_col].to_numpy(), "g": geometry}
    )
    if level != "lsoa":
        frame = (
            frame.groupby(["code", "name"], sort=True)["g"]
            .agg(lambda parts: shapely.union_all(shapely.make_valid(parts.to_numpy())))
            .reset_index()
        )
    rows = []
    for code, name, geom in frame.itertuples(index=False):
        for part in shapely.get_parts(geom):
            if part.geom_type != "Polygon" or part.area == 0:
                continue
            rings = [np.round(np.asarray(part.exterior.coords)[:, :2], 5).tolist()]
            rings += [np.round(np.asarray(r.coords)[:, :2], 5).tolist() for r in part.interiors]
            rows.append({"code": code, "name": name, "polygon": rings})
    return pd.DataFrame(rows, columns=["code", "name", "polygon"])


def class_breaks(values: pd.Series, metric: str) -> tuple[float, ...]:
    """Return the inner class breaks for a metric: quintiles of the shown values, fixed for gaps."""
    if metric == "gap":
        return GAP_BREAKS
    shown = values.dropna().astype(float)
    if shown.empty:
        return ()
    decimals = 1 if metric == "uptake" else 0
    breaks = np.unique(np.round(np.quantile(shown, [0.2, 0.4, 0.6, 0.8]), decimals))
    # A break at or below the lowest value would label an empty class.
    return tuple(float(b) for b in breaks if b > shown.min())


def palette(metric: str, n_classes: int) -> tuple[str, ...]:
    """Return the class colours of a metric (low uptake, many unvaccinated and big gaps dark)."""
    if metric == "gap":
        return DIVERGING
    colours = LOW_IS_DARK if metric == "uptake" else HIGH_IS_DARK
    if n_classes >= len(colours):
        return colours
    # Fewer classes than colours: spread them over the ramp, keeping its ends.
    picks = np.linspace(0, len(colours) - 1, max(n_classes, 1)).round().astype(int)
    return tuple(colours[i] for i in picks)


def legend(metric: str, breaks: Sequence[float], shown: Sequence[float] = ()) -> list[LegendEntry]:
    """Return the legend: one entry per class, then suppressed and no-residents entries.

    Classes are closed below and open above: an area exactly on a break (50.0 with breaks
    50, 60) is in the class that starts there ("50.0 to 60.0%"), as `class_colours` colours
    it. With no breaks (one area, or every area alike) the one class is labelled with the
    range of the `shown` values.
    """
    colours = palette(metric, len(breaks) + 1)
    unit = "%" if metric == "uptake" else (" pp" if metric == "gap" else "")
    fmt = (
        (lambda v: f"{v:+.0f}")
        if metric == "gap"
        else ((lambda v: f"{v:.1f}") if metric == "uptake" else (lambda v: f"{v:,.0f}"))
    )
    entries = []
    edges = list(breaks)
    for i, colour in enumerate(colours):
        if not edges:
            low, high = (min(shown), max(shown)) if len(shown) else (None, None)
            if low is None:
                label = "areas shown"
            elif fmt(low) == fmt(high):
                label = f"{fmt(low)}{unit}"
            else:
                label = f"{fmt(low)} to {fmt(high)}{unit}"
        elif i == 0:
            label = f"below {fmt(edges[0])}{unit}"
        elif i == len(edges):
            label = f"{fmt(edges[-1])}{unit} or more"
        else:
            label = f"{fmt(edges[i - 1])} to {fmt(edges[i])}{unit}"
        entries.append(LegendEntry(colour, label))
    entries.append(LegendEntry(rgba_hex(SUPPRESSED_RGBA), "Suppressed (small numbers)", "#5a5a5a"))
    entries.append(LegendEntry("#ffffff", "No one in this cohort lives here", "#c8c8c8"))
    return entries


def legend_html(title: str, entries: Sequence[LegendEntry]) -> str:
    """Return the legend as a small HTML block of swatches (shown beside the map)."""
    items = "".join(
        f'<span style="display:inline-flex;align-items:center;margin:0 14px 4px 0">'
        f'<span style="width:18px;height:14px;background:{e.colour};border:1.5px solid '
        f'{e.outline};display:inline-block;margin-right:6px"></span>{html.escape(e.label)}</span>'
        for e in entries
    )
    return f'<div style="font-size:0.9rem"><b>{html.escape(title)}</b><br>{items}</div>'


def metric_values(protected: pd.DataFrame, metric: str, overall_pct: float | None) -> pd.Series:
    """Return the value each area is coloured by, NaN where suppressed or empty."""
    if metric == "uptake":
        return protected["uptake_pct"].astype(float)
    if metric == "unvaccinated":
        return protected["unvaccinated"].astype("Float64").astype(float)
    if metric == "gap":
        if overall_pct is None:
            return pd.Series(np.nan, index=protected.index)
        return protected["uptake_pct"].astype(float) - overall_pct
    raise ValueError(f"unknown metric {metric!r}; choose from {sorted(METRICS)}")


def class_colours(values: pd.Series, breaks: Sequence[float], metric: str) -> list[list[int]]:
    """Return the fill colour of each value by its class (a value on a break starts a class)."""
    colours = [hex_to_rgba(c) for c in palette(metric, len(breaks) + 1)]
    classes = np.searchsorted(np.asarray(breaks, dtype=float), values.to_numpy(), side="right")
    return [colours[min(int(k), len(colours) - 1)] for k in classes]


def _count_text(value: object, suppressed: object, suppressed_text: str) -> str:
    """Return a protected count for a tooltip: '<8' or the number."""
    if bool(suppressed):
        return suppressed_text
    return f"{int(value):,}"


TOOLTIP_STYLE = {
    "backgroundColor": "white",
    "color": "#212b32",
    "fontSize": "13px",
    "whiteSpace": "pre-line",
    "maxWidth": "min(340px, 80vw)",
    "overflowWrap": "anywhere",
}


def tooltip_text(*lines: str) -> str:
    """Return a map tooltip as plain text, one line each (empty lines left out)."""
    return "\n".join(line for line in lines if line)


def area_tooltips(
    frame: pd.DataFrame, level_label: str, metric: str, suppressed_text: str
) -> list[str]:
    """Return the tooltip text of each area from its protected figures."""
    n = len(frame)
    columns = zip(
        frame["name"],
        frame["code"],
        frame["state"],
        frame["uptake_pct"],
        frame["ci_low_pct"],
        frame["ci_high_pct"],
        *(frame[c] for c in ("vaccinated", "population", "unvaccinated")),
        *(frame[f"{c}_suppressed"] for c in ("vaccinated", "population", "unvaccinated")),
        frame["value"],
        strict=True,
    )
    tips = []
    for name, code, state, pct, low, high, v, p, u, vs, ps, us, value in columns:
        head = (str(name), f"{level_label} {code}")
        if state == "empty":
            tips.append(tooltip_text(*head, "No one in this cohort lives here"))
            continue
        if state == "suppressed":
            tips.append(tooltip_text(*head, f"Suppressed: small numbers ({suppressed_text})"))
            continue
        lines = [
            *head,
            f"Uptake {pct:.1f}% (95% CI {low:.1f}–{high:.1f}%)",
            f"{_count_text(v, vs, suppressed_text)} vaccinated of"
            f" {_count_text(p, ps, suppressed_text)}",
            f"{_count_text(u, us, suppressed_text)} unvaccinated",
        ]
        if metric == "gap" and pd.notna(value):
            lines.append(f"Gap to ICS: {gap_words(value)}")
        tips.append(tooltip_text(*lines))
    assert len(tips) == n
    return tips


def area_frame(
    shapes: pd.DataFrame,
    protected: pd.DataFrame,
    code_column: str,
    metric: str,
    level_label: str,
    suppressed_text: str,
    overall_pct: float | None = None,
) -> tuple[pd.DataFrame, list[LegendEntry]]:
    """Join protected uptake to area shapes; return the frame to draw and its legend.

    Areas missing from `protected` have no one in the cohort ('empty'); areas whose
    uptake is hidden by disclosure control are 'suppressed'.
    """
    figures = protected.rename(columns={code_column: "code"})
    figures = figures.drop(columns=[c for c in figures.columns if c.endswith("_label")])
    frame = shapes.merge(figures, on="code", how="left")
    has_people = frame["population"].notna() | frame["population_suppressed"].fillna(False).astype(
        bool
    )
    suppressed = frame["uptake_suppressed"].fillna(False).astype(bool)
    frame["state"] = np.where(~has_people, "empty", np.where(suppressed, "suppressed", "shown"))
    frame["value"] = metric_values(frame, metric, overall_pct).where(frame["state"] == "shown")
    shown_values = frame.drop_duplicates("code")["value"]
    breaks = class_breaks(shown_values, metric)
    fills = class_colours(frame["value"].fillna(0), breaks, metric)
    frame["fill"] = [
        list(SUPPRESSED_RGBA) if s == "suppressed" else list(EMPTY_RGBA) if s == "empty" else f
        for s, f in zip(frame["state"], fills, strict=True)
    ]
    frame["line"] = [
        list(SUPPRESSED_LINE)
        if s == "suppressed"
        else list(EMPTY_LINE)
        if s == "empty"
        else list(AREA_LINE)
        for s in frame["state"]
    ]
    frame["tooltip"] = area_tooltips(frame, level_label, metric, suppressed_text)
    keep = ["code", "name", "polygon", "state", "value", "fill", "line", "tooltip"]
    shown = [float(v) for v in shown_values.dropna()]
    return frame[keep], legend(metric, breaks, shown)


def area_layer(frame: pd.DataFrame, selected: str | None = None) -> pdk.Layer:
    """Return the choropleth layer (id 'areas', pickable for tooltips and selection)."""
    data = frame
    if selected is not None:
        data = frame.copy()
        data["line"] = [
            list(SELECTED_LINE) if c == selected else line
            for c, line in zip(data["code"], data["line"], strict=True)
        ]
        data["width"] = np.where(data["code"] == selected, 4, 1)
    else:
        data = frame.assign(width=1)
    return pdk.Layer(
        "PolygonLayer",
        # Drawn (polygon, colours, width), shown (tooltip) and read on selection (code).
        data=data[["code", "polygon", "fill", "line", "width", "tooltip"]],
        id="areas",
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color="line",
        get_line_width="width",
        line_width_units="'pixels'",
        stroked=True,
        filled=True,
        pickable=True,
        auto_highlight=True,
        highlight_color=[0, 0, 0, 60],
    )


def site_points(sites: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """Return the existing sites of the chosen delivery models with colour and tooltip."""
    shown = sites[sites["delivery_model"].isin(list(models))].copy()
    shown["colour"] = [
        list(SITE_COLOURS.get(m, (0, 0, 0))) + [255] for m in shown["delivery_model"]
    ]
    shown["tooltip"] = [
        tooltip_text(str(n), codes.DELIVERY_MODELS.get(m, m), p if isinstance(p, str) else "")
        for n, m, p in zip(
            shown["site_name"], shown["delivery_model"], shown["postcode"], strict=True
        )
    ]
    return shown[["site_id", "site_name", "delivery_model", "lon", "lat", "colour", "tooltip"]]


def _dot_layer(
    points: pd.DataFrame, layer_id: str, radius_px: float = 6, edge_px: float = 1.5
) -> pdk.Layer:
    """Return points as dots of their colour with a white edge and a tooltip, sized in pixels."""
    return pdk.Layer(
        "ScatterplotLayer",
        data=points[["lon", "lat", "colour", "tooltip"]],
        id=layer_id,
        get_position=["lon", "lat"],
        get_fill_color="colour",
        get_line_color=[255, 255, 255, 255],
        get_radius=radius_px,
        radius_units="'pixels'",
        line_width_min_pixels=edge_px,
        stroked=True,
        pickable=True,
    )


def site_layer(points: pd.DataFrame, layer_id: str = "sites") -> pdk.Layer:
    """Return existing sites as coloured dots with a white edge."""
    return _dot_layer(points, layer_id)


def ring_layer(
    points: pd.DataFrame, radius_m: float, layer_id: str = "rings", rgb: Sequence[int] | None = None
) -> pdk.Layer:
    """Return circles of a straight-line radius (metres) around points, outline only."""
    data = points[["lon", "lat"]].copy()
    if rgb is not None:
        data["ring"] = [list(rgb) + [220]] * len(data)
    elif "colour" in points.columns:
        data["ring"] = [list(c[:3]) + [220] for c in points["colour"]]
    else:
        data["ring"] = [[0, 48, 135, 220]] * len(data)
    return pdk.Layer(
        "ScatterplotLayer",
        data=data,
        id=layer_id,
        get_position=["lon", "lat"],
        get_radius=float(radius_m),
        radius_units="'meters'",
        filled=False,
        stroked=True,
        get_line_color="ring",
        line_width_min_pixels=1.5,
        pickable=False,
    )


def plan_points(frame: pd.DataFrame, tooltips: Sequence[str], rgb: Sequence[int]) -> pd.DataFrame:
    """Return chosen sites or stops as points with a label, colour and tooltip."""
    label_column = "order" if "order" in frame.columns else "rank"
    out = frame[["lon", "lat"]].copy()
    out["label"] = [str(v) for v in frame[label_column]]
    out["colour"] = [list(rgb) + [255]] * len(frame)
    out["tooltip"] = list(tooltips)
    return out


def plan_layers(points: pd.DataFrame, radius_m: float, layer_id: str) -> list[pdk.Layer]:
    """Return a plan's catchment circles, numbered markers and their labels."""
    return [
        ring_layer(points, radius_m, f"{layer_id}-catchments"),
        _dot_layer(points, layer_id, radius_px=11, edge_px=2),
        pdk.Layer(
            "TextLayer",
            data=points[["lon", "lat", "label"]],
            id=f"{layer_id}-labels",
            get_position=["lon", "lat"],
            get_text="label",
            get_size=12,
            get_color=[255, 255, 255, 255],
            font_weight=700,
            pickable=False,
        ),
    ]


def route_paths(
    itinerary: pd.DataFrame, depot: tuple[float, float], depot_name: str
) -> pd.DataFrame:
    """Return one path per day, depot to stops in order and back, with a colour and tooltip."""
    rows = []
    for day, stops in itinerary.groupby("day", sort=True):
        stops = stops.sort_values("order")
        path = [list(depot)] + stops[["lon", "lat"]].to_numpy().tolist() + [list(depot)]
        colour = list(DAY_COLOURS[(int(day) - 1) % len(DAY_COLOURS)]) + [230]
        tooltip = tooltip_text(f"Day {int(day)}: {len(stops)} stops from {depot_name}")
        rows.append({"day": int(day), "path": path, "colour": colour, "tooltip": tooltip})
    return pd.DataFrame(rows, columns=["day", "path", "colour", "tooltip"])


def route_layer(paths: pd.DataFrame) -> pdk.Layer:
    """Return the bus routes as straight lines between stops (no road network offline)."""
    return pdk.Layer(
        "PathLayer",
        data=paths[["path", "colour", "tooltip"]],
        id="routes",
        get_path="path",
        get_color="colour",
        get_width=4,
        width_units="'pixels'",
        pickable=True,
    )


MIN_SPAN_DEG = 0.03  # about 2 km across: one small area is shown with its neighbours


CENTROID_PADDING = 1.3


# The Map page's map follows the window's height: what is left under the page's title, banner
# and cohort sentence (more of it when presenting: larger text), never shorter than the first
# figure nor taller than the second.
MAP_HEIGHT_PX = (300, 640)
MAP_CHROME_PX = {False: 330, True: 450}
# Areas fill this share of the map's height (room for the zoom buttons and a margin).
FIT_SHARE = 0.92
# Windows are told apart in steps of this many pixels (a few cached views, not one per pixel).
WINDOW_STEP_PX = 20
# Assumed until the browser says otherwise: the workshop projector's height.
DEFAULT_WINDOW_PX = 768


def fit_px_for_height(height_px: int) -> int:
    """Return the pixels of height a view fits the areas into on a map this many pixels high."""
    return int(round(FIT_SHARE * height_px / WINDOW_STEP_PX) * WINDOW_STEP_PX)


def map_height_css(presenting: bool) -> str:
    """Return the CSS height of the Map page's map: the window's height less the page above it."""
    low, high = MAP_HEIGHT_PX
    return f"clamp({low}px, calc(100vh - {MAP_CHROME_PX[presenting]}px), {high}px)"


def fit_px_for_window(window_px: int | None, presenting: bool) -> int:
    """Return the pixels of height a view fits the areas into on the Map page in this window.

    The same arithmetic as `map_height_css`, so the areas fill the map the browser draws:
    small on a projector, larger on a 1920x1080 screen (unknown windows count as 768 high).
    """
    low, high = MAP_HEIGHT_PX
    window = DEFAULT_WINDOW_PX if window_px is None else window_px
    return fit_px_for_height(min(max(window - MAP_CHROME_PX[presenting], low), high))


# The map's height in pixels that a view is fitted to on a 1366x768 screen, normally and
# when presenting.
FIT_PX = fit_px_for_window(DEFAULT_WINDOW_PX, presenting=False)
FIT_PX_PRESENTING = fit_px_for_window(DEFAULT_WINDOW_PX, presenting=True)


def view_for(lon: Sequence[float], lat: Sequence[float], fit_px: float = FIT_PX) -> pdk.ViewState:
    """Return a view that fits the points (the whole ICS for area centroids) in fit_px pixels."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    # Areas reach beyond their centroids: pad the centroids' span so their edges fit too
    # (unpadded, the ICS's northern and southern edges were cut off at 1366x768).
    span = CENTROID_PADDING * max(
        float(np.ptp(lon)) if len(lon) else 0.1,
        1.6 * float(np.ptp(lat)) if len(lat) else 0.1,
        MIN_SPAN_DEG,
    )
    # deck.gl's Web Mercator: 512 * 2**zoom pixels span 360 degrees; fit about fit_px pixels.
    zoom = float(np.clip(np.log2(fit_px * 360 / (512 * max(span, 1e-3))), 3, 15))
    return pdk.ViewState(
        longitude=float(np.mean([lon.min(), lon.max()])),
        latitude=float(np.mean([lat.min(), lat.max()])),
        zoom=round(zoom, 2),
    )


def view_for_areas(
    lsoas: pd.DataFrame, level: str, codes: Sequence[str], fit_px: float = FIT_PX
) -> pdk.ViewState:
    """Return a view that fits the areas of a level with these codes (all LSOAs when none).

    `lsoas` has the level's code column and centroid_lon/centroid_lat: a cohort narrowed to
    places is shown where it lives, not across the whole ICS.
    """
    column = level_of(level, MAP_LEVELS).code_column
    chosen = lsoas[lsoas[column].isin(list(codes))]
    if chosen.empty:
        chosen = lsoas
    return view_for(chosen["centroid_lon"], chosen["centroid_lat"], fit_px)


# Scrolling the page over a map scrolls the page: zoom with the map's buttons, a double
# click, a pinch or the keyboard (+ and -), never with the wheel.
CONTROLLER = {
    "scrollZoom": False,
    "dragPan": True,
    "dragRotate": False,
    "doubleClickZoom": True,
    "touchZoom": True,
    "touchRotate": False,
    "keyboard": True,
}


class CompactDeck(pdk.Deck):
    """A Deck that serialises without indentation, so Python's fast C JSON encoder does the work.

    pydeck indents its JSON, which forces the pure-Python encoder: about 4x slower and 3x
    larger for a choropleth of 800 areas, on every rerun.
    """

    def to_json(self) -> str:
        """Return the deck as compact JSON."""
        return json.dumps(self, default=default_serialize, separators=(",", ":"))


# Streamlit escapes every value it puts into the template, so the text is data, not markup:
# lines are separated by newlines, which pre-line turns into line breaks.
DECK_TOOLTIP = {"html": "<div>{tooltip}</div>", "style": TOOLTIP_STYLE}


def deck(layers: Sequence[pdk.Layer], view: pdk.ViewState, basemap: bool = False) -> pdk.Deck:
    """Return a Deck with a shared HTML tooltip; no basemap unless asked (it needs internet)."""
    return CompactDeck(
        layers=list(layers),
        views=[pdk.View(type="MapView", controller=CONTROLLER)],
        initial_view_state=view,
        map_provider="carto" if basemap else None,
        map_style="light" if basemap else None,
        tooltip=DECK_TOOLTIP,
    )


class SerialisedDeck(CompactDeck):
    """A deck already turned into JSON (by `deck(...).to_json()`, e.g. cached): sent as it is.

    Streamlit reads the JSON and the tooltip from the object; rebuilding the layers' records
    and serialising them again on every rerun that changes nothing is skipped.
    """

    def __init__(self, spec: str, basemap: bool = False) -> None:
        super().__init__(
            layers=[],
            map_provider="carto" if basemap else None,
            map_style="light" if basemap else None,
            tooltip=DECK_TOOLTIP,
        )
        self.spec = spec

    def to_json(self) -> str:
        """Return the JSON the deck was made from."""
        return self.spec


def area_map_layers(
    frame: pd.DataFrame,
    selected: str | None,
    points: pd.DataFrame,
    ring_m: float | None = None,
) -> list[pdk.Layer]:
    """Return the Map page's layers: the choropleth, walking rings (if asked) and site dots.

    `frame` is area_frame's with its polygons, `points` site_points', `ring_m` the rings'
    straight-line radius in metres (None: no rings).
    """
    layers = [area_layer(frame, selected)]
    if ring_m is not None and not points.empty:
        layers.append(ring_layer(points, ring_m))
    layers.append(site_layer(points))
    return layers


def site_legend(models: Sequence[str]) -> list[LegendEntry]:
    """Return legend entries for the existing sites' delivery models."""
    return [
        LegendEntry(rgba_hex(SITE_COLOURS[m]), codes.DELIVERY_MODELS[m], "#ffffff")
        for m in models
        if m in SITE_COLOURS
    ]

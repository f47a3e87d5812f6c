"""Map builders, candidate lists and exports: suppressed vs empty areas, geocoding, labels."""

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from phm.disclosure import DisclosureRule, protect
from phm.output import exports, maps
from phm.outreach import export
from phm.outreach.candidates import read_candidates
from phm.outreach.coverage import Reach
from phm.outreach.plan import plan_sites
from phm.outreach.tables import (
    default_depot,
    depot_tooltip,
    reach_summary,
    site_table,
    site_tooltips,
    stop_tooltips,
)
from tests.record_keys import with_keys

RULE = DisclosureRule(8, 5)


def square(x: float, y: float, size: float = 0.01) -> bytes:
    """Return the WKB of a square with its lower-left corner at (x, y)."""
    return shapely.to_wkb(shapely.box(x, y, x + size, y + size))


def three_lsoas() -> pd.DataFrame:
    """Three LSOAs side by side, two in one MSOA."""
    return pd.DataFrame(
        {
            "lsoa_code": ["E1", "E2", "E3"],
            "lsoa_name": ["One", "Two", "Three"],
            "msoa_code": ["M1", "M1", "M2"],
            "msoa_name": ["Em one", "Em one", "Em two"],
            "lad_code": ["B1"] * 3,
            "lad_name": ["Borough"] * 3,
            "geometry": [square(0, 51.5), square(0.01, 51.5), square(0.02, 51.5)],
        }
    )


def test_area_shapes_dissolve_lsoas_into_msoas_and_boroughs():
    lsoas = three_lsoas()
    assert maps.area_shapes(lsoas, "lsoa")["code"].tolist() == ["E1", "E2", "E3"]
    msoas = maps.area_shapes(lsoas, "msoa")
    assert msoas["code"].tolist() == ["M1", "M2"]
    merged = shapely.Polygon(msoas["polygon"].iloc[0][0])
    assert merged.area == pytest.approx(0.0002, rel=1e-3)  # two squares, no seam
    assert len(maps.area_shapes(lsoas, "borough")) == 1
    with pytest.raises(ValueError):
        maps.area_shapes(lsoas, "ward")


def protected_areas() -> pd.DataFrame:
    """E1 shown (500 of 1,000), E2 with 5 people (suppressed), E3 absent (no residents)."""
    raw = pd.DataFrame(
        {
            "lsoa": ["E1", "E2"],
            "lsoa_label": ["One", "Two"],
            "vaccinated": [500, 3],
            "population": [1000, 5],
        }
    )
    return protect(with_keys(raw), RULE)


def test_area_frame_draws_suppressed_and_empty_areas_differently():
    shapes = maps.area_shapes(three_lsoas(), "lsoa")
    frame, legend = maps.area_frame(shapes, protected_areas(), "lsoa", "uptake", "LSOA", "<8")
    states = dict(zip(frame["code"], frame["state"], strict=True))
    assert states == {"E1": "shown", "E2": "suppressed", "E3": "empty"}
    fills = dict(zip(frame["code"], map(tuple, frame["fill"]), strict=True))
    assert fills["E2"] == maps.SUPPRESSED_RGBA
    assert fills["E3"] == maps.EMPTY_RGBA
    assert len({fills["E1"], fills["E2"], fills["E3"]}) == 3
    tips = dict(zip(frame["code"], frame["tooltip"], strict=True))
    assert "\nUptake 50.0% (95% CI" in tips["E1"] and "<" not in tips["E1"]
    assert "500 vaccinated of 1,000" in tips["E1"] and "500 unvaccinated" in tips["E1"]
    assert "Suppressed" in tips["E2"] and "5" not in tips["E2"].replace("E2", "")
    assert "No one in this cohort lives here" in tips["E3"]
    labels = [e.label for e in legend]
    assert "Suppressed (small numbers)" in labels
    assert "No one in this cohort lives here" in labels


def test_gap_metric_is_area_minus_ics_uptake():
    shapes = maps.area_shapes(three_lsoas(), "lsoa")
    frame, legend = maps.area_frame(shapes, protected_areas(), "lsoa", "gap", "LSOA", "<8", 60.0)
    assert frame.loc[frame["code"] == "E1", "value"].iloc[0] == pytest.approx(-10.0)
    assert (
        "Gap to ICS: 10.0 percentage points lower"
        in frame.loc[frame["code"] == "E1", "tooltip"].iloc[0]
    )
    assert legend[0].label == "below -10 pp"


def test_class_breaks_and_palette_match_the_legend():
    values = pd.Series(np.arange(100, dtype=float))
    breaks = maps.class_breaks(values, "uptake")
    assert len(breaks) == 4
    entries = maps.legend("uptake", breaks)
    assert len(entries) == 5 + 2
    assert entries[0].colour == maps.LOW_IS_DARK[0]  # low uptake is the darkest


def test_deck_has_no_basemap_unless_asked():
    view = maps.view_for([0, 0.02], [51.5, 51.52])
    offline = json.loads(maps.deck([], view).to_json())
    online = json.loads(maps.deck([], view, basemap=True).to_json())
    assert offline.get("mapStyle") is None and offline.get("mapProvider") is None
    assert online.get("mapProvider") == "carto"


def map_points() -> pd.DataFrame:
    """Two existing sites, as site_points returns them."""
    sites = pd.DataFrame(
        {
            "site_id": ["S1", "S2"],
            "site_name": ["Centre", "Pharmacy"],
            "delivery_model": ["vaccination_centre", "community_pharmacy"],
            "postcode": ["N1 9GU", None],
            "lon": [0.005, 0.015],
            "lat": [51.505, 51.505],
        }
    )
    return maps.site_points(sites, ["vaccination_centre", "community_pharmacy"])


@pytest.mark.parametrize("ring_m", [None, 800.0])
def test_area_map_layers_are_areas_rings_if_asked_then_sites(ring_m):
    shapes = maps.area_shapes(three_lsoas(), "lsoa")
    frame, _ = maps.area_frame(shapes, protected_areas(), "lsoa", "uptake", "LSOA", "<8")
    layers = maps.area_map_layers(frame, "E2", map_points(), ring_m)
    expected = ["areas", "rings", "sites"] if ring_m else ["areas", "sites"]
    assert [layer.id for layer in layers] == expected
    no_sites = maps.area_map_layers(frame, None, map_points().iloc[:0], 800.0)
    assert [layer.id for layer in no_sites] == ["areas", "sites"]  # no rings around nothing


@pytest.mark.parametrize("basemap", [False, True])
def test_a_serialised_deck_sends_the_same_json_and_tooltip_as_the_deck(basemap):
    shapes = maps.area_shapes(three_lsoas(), "lsoa")
    frame, _ = maps.area_frame(shapes, protected_areas(), "lsoa", "uptake", "LSOA", "<8")
    view = maps.view_for([0, 0.03], [51.5, 51.51])
    built = maps.deck(maps.area_map_layers(frame, "E1", map_points(), 800.0), view, basemap)
    spec = built.to_json()
    sent = maps.SerialisedDeck(spec, basemap)
    assert sent.to_json() == spec  # the bytes a cached rerun sends are the built deck's
    assert json.loads(spec)["layers"][0]["id"] == "areas"
    assert sent._tooltip == built._tooltip == maps.DECK_TOOLTIP  # what Streamlit reads
    assert sent.map_provider == built.map_provider


def test_read_candidates_geocodes_postcodes_and_reports_the_rest():
    postcodes = pd.DataFrame(
        {"postcode": ["N1 9GU", "EN1 1AA"], "lon": [-0.12, -0.08], "lat": [51.53, 51.65]}
    )
    csv = (
        b"Name,Postcode,lon,lat\n"
        b"Mosque,n19gu,,\n"
        b"Stadium,ZZ9 9ZZ,,\n"
        b"Library,,-0.081,51.651\n"
        b"Bad,,east,north\n"
    )
    frame, problems = read_candidates(csv, postcodes)
    assert frame["name"].tolist() == ["Mosque", "Library"]
    assert frame.loc[0, ["lon", "lat"]].tolist() == [-0.12, 51.53]
    assert frame.loc[1, "postcode"] == "EN1 1AA"  # nearest postcode to its coordinates
    assert any("Stadium" in p and "not found" in p for p in problems)
    assert any("Bad" in p for p in problems)
    with pytest.raises(ValueError, match="needs a 'name' column"):
        read_candidates(b"where\nsomewhere\n", postcodes)


@pytest.mark.parametrize("column", ["name", "postcode"])
def test_read_candidates_refuses_a_cell_over_200_characters_naming_file_row_and_column(column):
    postcodes = pd.DataFrame({"postcode": ["N1 9GU"], "lon": [-0.12], "lat": [51.53]})
    cells = {"name": "Mosque", "postcode": "N1 9GU"}
    long_row = {**cells, column: "x" * 10_000}
    data = (
        "Name,Postcode\n" + ",".join(cells.values()) + "\n" + ",".join(long_row.values()) + "\n"
    ).encode()
    with pytest.raises(ValueError) as refused:
        read_candidates(data, postcodes, "my places.csv")
    message = str(refused.value)
    heading = column.capitalize()
    assert message == (
        f"my places.csv, row 3, column '{heading}': the value has 10,000 characters;"
        " at most 200 are allowed"
    )


def test_read_candidates_refuses_a_file_over_the_upload_limit():
    postcodes = pd.DataFrame({"postcode": ["N1 9GU"], "lon": [-0.12], "lat": [51.53]})
    data = b"name,postcode\n" + b"Mosque,N1 9GU\n" * 400_000  # 5.6 MB
    with pytest.raises(ValueError, match="big.csv is larger than 5 MB"):
        read_candidates(data, postcodes, "big.csv")


def small_plan():
    """A one-site plan whose catchment holds 5 unvaccinated people (a small number)."""
    demand = with_keys(
        pd.DataFrame(
            {
                "lsoa_code": ["L1", "L2"],
                "lon": [0.0, 0.5],
                "lat": [51.5, 51.5],
                "vaccinated": [100, 200],
                "population": [105, 400],
            }
        )
    )
    candidates = demand[["lsoa_code", "lon", "lat"]].assign(name=["A", "B"], postcode="")
    return plan_sites(demand, candidates, 1, Reach(500, 1.0))


def test_plan_tables_pass_through_disclosure_control():
    plan = small_plan()
    assert plan.sites["name"].tolist() == ["B"]  # 200 unvaccinated beat 5
    table = site_table(plan.naive, RULE)  # the naive plan also picks B (50% uptake)
    assert table["Unvaccinated within reach (counted once)"].tolist() == ["200"]
    a_only = plan.sites.assign(vaccinated=[100], population=[105])
    a_only = with_keys(a_only.drop(columns=["vaccinated_key", "population_key"]))
    shown = site_table(a_only, RULE)
    assert shown["Unvaccinated within reach (counted once)"].tolist() == ["<8"]
    # 312 people (2 past 310) are shown as 310 when their cell key is 102 or more, else 315.
    rounded = plan.sites.assign(vaccinated=[100], population=[312], vaccinated_key=[12_800])
    for population_key, people in ((38_655, "310"), (38_400, "315")):  # cell keys 255 and 0
        table = site_table(rounded.assign(population_key=[population_key]), RULE)
        assert table["People in cohort within reach"].tolist() == [people]
        unvaccinated = str(int(people) - 100)
        assert table["Unvaccinated within reach (counted once)"].tolist() == [unvaccinated]
    summary = reach_summary(plan, RULE)
    assert summary.optimised == "200" and summary.eligible == "205"


def test_exports_are_labelled_and_carry_only_displayed_values():
    header = exports.header_lines(
        "People aged 50 and over; first dose",
        {"name": "Demo", "kind": "synthetic", "as_at": "2022-03-31"},
        RULE,
    )
    assert header[0] == "Cohort: People aged 50 and over; first dose"
    assert "SYNTHETIC" in header[2] and header[3] == "Data as at: 2022-03-31"
    assert header[4].startswith("Disclosure control: Counts from 1 to 7")
    table = pd.DataFrame({"Site": ["A"], "Unvaccinated": ["<8"]})
    csv = exports.to_csv(table, header)
    assert csv.splitlines()[0].startswith("# Cohort:") and "A,<8" in csv
    geojson = json.loads(export.points_geojson(table, [0.1], [51.5], header))
    assert geojson["metadata"] == header
    assert geojson["features"][0]["properties"] == {"Site": "A", "Unvaccinated": "<8"}
    assert geojson["features"][0]["geometry"]["coordinates"] == [0.1, 51.5]
    page = export.itinerary_html(
        "Vaccine bus itinerary", pd.DataFrame({"Day": [1, 2], "Stop": ["A<b>", "B"]}), header, ["x"]
    )
    assert "<h2>Day 1</h2>" in page and "<h2>Day 2</h2>" in page
    assert "A&lt;b&gt;" in page and "SYNTHETIC" in page


def test_areas_geojson_writes_polygons_with_figures():
    polygons = {"E1": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}
    shown = pd.DataFrame({"LSOA": ["E1", "E9"], "Uptake": ["50.0%", "suppressed"]})
    collection = json.loads(export.areas_geojson(shown, polygons, "LSOA", ["label"]))
    assert len(collection["features"]) == 1
    assert collection["features"][0]["geometry"]["type"] == "Polygon"
    assert collection["features"][0]["properties"]["Uptake"] == "50.0%"


def test_tooltips_escape_names_and_show_protected_counts():
    sites = pd.DataFrame(
        {
            "Rank": [1, 2],
            "Site": ["<script>x</script>", "Hall & Library"],
            "Unvaccinated within reach (counted once)": ["120", "<8"],
        }
    )
    assert site_tooltips(sites) == [
        "<b>1. &lt;script&gt;x&lt;/script&gt;</b><br>120 unvaccinated within reach",
        "<b>2. Hall &amp; Library</b><br><8 unvaccinated within reach",
    ]
    stops = pd.DataFrame({"Day": [1], "Order": [2], "Stop": ["A<b>"], "Arrive": ["09:40"]})
    assert stop_tooltips(stops) == ["<b>Day 1, stop 2</b><br>A&lt;b&gt;<br>Arrive 09:40"]
    assert depot_tooltip("St <Ann>'s") == "<b>Depot</b><br>St &lt;Ann&gt;&#x27;s"


def test_default_depot_is_the_first_centre_or_hub_else_the_first_site():
    sites = pd.DataFrame(
        {"delivery_model": ["community_pharmacy", "hospital_hub", "vaccination_centre"]}
    )
    assert default_depot(sites) == 1
    assert default_depot(sites.iloc[[0]]) == 0


def test_an_area_on_a_class_break_gets_the_colour_of_the_entry_that_names_it():
    breaks = (50.0, 60.0, 70.0, 80.0)
    entries = {e.label: maps.hex_to_rgba(e.colour) for e in maps.legend("uptake", breaks)}
    values = pd.Series([49.9, 50.0, 59.9, 60.0, 70.0, 80.0, 100.0])
    got = maps.class_colours(values, breaks, "uptake")
    assert got == [
        entries["below 50.0%"],
        entries["50.0 to 60.0%"],  # exactly on the break: the class that starts there
        entries["50.0 to 60.0%"],
        entries["60.0 to 70.0%"],
        entries["70.0 to 80.0%"],
        entries["80.0% or more"],
        entries["80.0% or more"],
    ]
    # Gaps use fixed breaks: -10 pp exactly is in "-10 to -5 pp", not "below -10 pp".
    gap = {e.label: maps.hex_to_rgba(e.colour) for e in maps.legend("gap", maps.GAP_BREAKS)}
    assert maps.class_colours(pd.Series([-10.0]), maps.GAP_BREAKS, "gap") == [gap["-10 to -5 pp"]]


def test_the_map_zooms_to_the_cohorts_places_and_the_wheel_scrolls_the_page():
    lsoas = pd.DataFrame(
        {
            "lsoa_code": ["A", "B", "C"],
            "msoa_code": ["M1", "M1", "M2"],
            "centroid_lon": [-0.20, -0.19, 0.10],
            "centroid_lat": [51.50, 51.51, 51.70],
        }
    )
    whole = maps.view_for_areas(lsoas, "msoa", [])
    one = maps.view_for_areas(lsoas, "msoa", ["M1"])
    assert one.zoom > whole.zoom
    assert one.longitude == pytest.approx(-0.195) and one.latitude == pytest.approx(51.505)
    sent = json.loads(maps.deck([], one).to_json())
    assert sent["views"][0]["controller"]["scrollZoom"] is False
    assert sent["views"][0]["controller"]["doubleClickZoom"] is True


def test_a_presenting_map_is_fitted_to_its_smaller_height():
    lon, lat = [-0.25, -0.05], [51.50, 51.68]
    normal = maps.view_for(lon, lat)
    presenting = maps.view_for(lon, lat, maps.FIT_PX_PRESENTING)
    # 300 of 400 pixels: zoomed out by log2(4/3), so the same areas fit the shorter map.
    assert normal.zoom - presenting.zoom == pytest.approx(0.415, abs=0.01)


@pytest.mark.parametrize("presenting", [False, True])
def test_the_map_view_fits_the_height_the_page_css_gives_the_map(presenting):
    low, high = maps.MAP_HEIGHT_PX
    css = maps.map_height_css(presenting)
    assert css == (f"clamp({low}px, calc(100vh - {maps.MAP_CHROME_PX[presenting]}px), {high}px)")
    # The browser's map height for a window, as the CSS computes it.
    for window in (600, 768, 900, 1080, 1440):
        height = min(max(window - maps.MAP_CHROME_PX[presenting], low), high)
        fit = maps.fit_px_for_window(window, presenting)
        assert 0.85 * height <= fit <= height  # the areas fill the map, with a margin
        assert fit % maps.WINDOW_STEP_PX == 0  # a few cached views, not one per pixel
    assert maps.fit_px_for_window(None, presenting) == maps.fit_px_for_window(768, presenting)
    assert maps.fit_px_for_window(1080, presenting) > maps.fit_px_for_window(768, presenting)
    assert maps.fit_px_for_window(4000, presenting) == maps.fit_px_for_window(3000, presenting)


def test_a_taller_fit_zooms_in_on_the_same_centre():
    lon, lat = [-0.25, -0.05], [51.52, 51.68]
    small, large = maps.view_for(lon, lat, 400), maps.view_for(lon, lat, 800)
    assert (small.longitude, small.latitude) == (large.longitude, large.latitude)
    assert large.zoom == pytest.approx(small.zoom + 1, abs=0.01)  # twice the pixels: one zoom up

"""The Map page run by AppTest on the tiny demo: choropleth, legend, suppression, side panel."""

import json
import re
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from phm import codes, disclosure, queries, settings
from phm.cohort import Cohort
from phm.output import maps

COUNT = re.compile(r"([\d,]+|<8|\*) (vaccinated of|unvaccinated)")


def rule() -> disclosure.DisclosureRule:
    """Return the rule the app applies to the synthetic tiny demo."""
    return disclosure.rule_for(
        "synthetic", settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


def deck_spec(at: AppTest) -> dict:
    """Return the JSON spec of the page's pydeck chart."""
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def layer(spec: dict, layer_id: str) -> list[dict]:
    """Return the data rows of one layer of the deck."""
    return next(item["data"] for item in spec["layers"] if item["id"] == layer_id)


def html_text(at: AppTest) -> str:
    """Return the body of every st.html block on the page."""
    return " ".join(h.proto.body for h in at.get("html"))


def expected_areas(db: Path, cohort: Cohort, level: str):
    """Return protected uptake by area computed independently of the page."""
    with duckdb.connect(str(db), read_only=True) as con:
        raw = queries.uptake_by(con, cohort, (level,))
    return disclosure.protect(raw, rule())


def test_map_draws_every_lsoa_with_protected_figures_and_a_legend(run_page, tiny_db):
    at = run_page("map.py")
    assert not at.exception
    assert any("SYNTHETIC DATA" in w.value for w in at.warning)
    spec = deck_spec(at)
    assert spec.get("mapStyle") is None  # no basemap: nothing waits on the internet
    areas = layer(spec, "areas")
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        n_lsoas = con.execute("SELECT count(*) FROM lsoa").fetchone()[0]
    assert len({a["code"] for a in areas}) == n_lsoas
    want = expected_areas(tiny_db, Cohort(), "lsoa").set_index("lsoa")
    shown = [a for a in areas if "\nUptake " in a["tooltip"]]
    assert shown, "no area shows its uptake"
    for area in shown[:50]:
        row = want.loc[area["code"]]
        assert f"Uptake {row['uptake_pct']:.1f}% " in area["tooltip"]
        assert f"(95% CI {row['ci_low_pct']:.1f}–{row['ci_high_pct']:.1f}%)" in area["tooltip"]
    legend = html_text(at)
    assert "Uptake %" in legend
    assert "Suppressed (small numbers)" in legend
    assert "No one in this cohort lives here" in legend
    sites = layer(spec, "sites")
    # Each site is drawn in its delivery model's colour, named in its tooltip (nothing else).
    colours = {(*rgb, 255) for rgb in maps.SITE_COLOURS.values()}
    assert sites and {tuple(s["colour"]) for s in sites} <= colours
    models = set(codes.DELIVERY_MODELS.values())
    assert all(s["tooltip"].split("\n")[1] in models for s in sites)


def test_a_cohort_of_fewer_than_50_draws_no_map(run_page):
    # Somali speakers over 70: a few people in a few LSOAs. Drawn, the map would show the
    # LSOA each of them lives in (empty areas against suppressed ones).
    at = run_page("map.py", language=["Somali"], age_min=70)
    assert not at.exception
    assert any("Fewer than 50 people" in i.value for i in at.info)
    assert not at.get("deck_gl_json_chart")


def test_a_small_cohort_shows_suppressed_and_empty_areas_and_no_small_counts(run_page):
    # Somali speakers (a few hundred in the tiny demo): few in each LSOA, none in many.
    at = run_page("map.py", language=["Somali"])
    assert not at.exception
    areas = layer(deck_spec(at), "areas")
    suppressed = [a for a in areas if "Suppressed" in a["tooltip"]]
    empty = [a for a in areas if "No one in this cohort lives here" in a["tooltip"]]
    assert suppressed and empty
    assert all(a["fill"] == list(maps.SUPPRESSED_RGBA) for a in suppressed)
    assert all(a["fill"] == list(maps.EMPTY_RGBA) for a in empty)
    for area in areas:
        for count, _ in COUNT.findall(area["tooltip"]):
            if count not in ("<8", "*"):
                value = int(count.replace(",", ""))
                assert value == 0 or value >= 8, area["tooltip"]


def test_borough_level_and_gap_metric(run_page, tiny_db):
    at = run_page("map.py", map_level="borough", map_metric="gap")
    assert not at.exception
    areas = layer(deck_spec(at), "areas")
    assert len({a["code"] for a in areas}) == 5
    assert all("Gap to ICS:" in a["tooltip"] for a in areas)
    assert any("ICS-wide uptake" in c.value for c in at.caption)
    assert "Gap to the ICS-wide uptake" in html_text(at)


def test_choosing_an_area_opens_its_breakdown(run_page, tiny_db):
    # MSOAs: the tiny demo's LSOAs hold fewer than 50 people, too few to break down.
    at = run_page("map.py", map_level="msoa")
    code = max(
        expected_areas(tiny_db, Cohort(), "msoa").itertuples(), key=lambda r: r.population
    ).msoa
    at.selectbox(key="map_area_pick").set_value(code).run()
    assert not at.exception
    titles = [d.value.columns[0] for d in at.dataframe]
    assert titles[:4] == ["Age band", "Ethnic group", "First language", "Recorded as"]
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        raw = queries.uptake_by(con, Cohort(msoas=(code,)), ())
    want = disclosure.protect(raw, rule()).iloc[0]
    assert [m.value for m in at.metric] == [
        disclosure.format_rate(want["uptake_pct"], want["uptake_suppressed"], rule())
    ]
    spec = deck_spec(at)
    outlined = [a for a in layer(spec, "areas") if a["width"] > 1]
    assert {a["code"] for a in outlined} == {code}
    at.button[0].click().run()
    assert at.session_state["map_area_pick"] is None
    assert not [d for d in at.dataframe if d.value.columns[0] == "Age band"]


@pytest.mark.parametrize("metric", ["uptake", "unvaccinated"])
def test_metric_switch_changes_the_legend(run_page, metric):
    at = run_page("map.py", map_metric=metric)
    assert not at.exception
    assert maps.METRICS[metric] in html_text(at)

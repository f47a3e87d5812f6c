"""Send only what is drawn, checked on what the pages send: every chart's and map's data.

Each page is run by AppTest on the tiny demo; the Vega-Lite specs (with the Arrow datasets
Streamlit sends beside them) and the pydeck spec (with its tooltip) must carry only fields
that a mark, tooltip, filter or condition reads, or that the page reads from a clicked area.
"""

import json

import pandas as pd
import pyarrow as pa
import pytest

from tests.chart_fields import (
    altair_columns,
    sent_vega_lite,
    unused_altair_columns,
    unused_deck_columns,
)

# The Map page reads a clicked area's "code" from the chart's selection (views/map.py).
SELECTION = {"areas": ["code"]}


@pytest.mark.parametrize(
    ("page", "state", "n_charts"),
    [
        ("overview.py", {}, 2),
        ("explore.py", {"explore_by": "main_language", "explore_then": "nothing"}, 1),
        ("explore.py", {"explore_by": "age_band", "explore_then": "ethnic_group"}, 1),
        ("compare.py", {"compare_level": "practice"}, 5),
        ("trends.py", {"age_min": 18}, 4),
        ("trends.py", {"trends_mode": "localities", "trends_level": "borough"}, 4),
        ("business_case.py", {"bc_interventions": ["popup", "link_worker"]}, 2),
    ],
)
def test_charts_send_only_the_fields_they_draw(run_page, page, state, n_charts):
    at = run_page(page, **state)
    assert not at.exception
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert len(charts) >= n_charts
    for chart in charts:
        spec = sent_vega_lite(chart.proto)
        assert altair_columns(spec), "a chart without data to check"
        assert unused_altair_columns(spec) == {}


def test_map_sends_only_the_fields_it_draws_shows_or_selects_by(run_page):
    at = run_page("map.py", map_rings=True)
    assert not at.exception
    (deck,) = at.get("deck_gl_json_chart")
    spec = json.loads(deck.proto.json)
    spec["tooltip"] = json.loads(deck.proto.tooltip)
    assert {layer["id"] for layer in spec["layers"]} >= {"areas", "sites", "rings"}
    assert unused_deck_columns(spec, SELECTION) == {}
    del spec["tooltip"]  # the check counts the tooltip's fields only from the deck's tooltip
    assert unused_deck_columns(spec, SELECTION) != {}


@pytest.mark.parametrize(
    ("page", "state"),
    [
        ("map.py", {}),
        ("quality.py", {"age_min": 40, "age_max": 41}),
        ("compare.py", {"compare_level": "practice"}),
        ("explore.py", {"explore_by": "main_language", "explore_then": "nothing"}),
    ],
)
def test_tables_and_charts_send_no_index(run_page, page, state):
    # A grid sends its index even when hidden, and Arrow writes any index but 0..n-1 as a
    # column: a filtered or re-sorted frame's row positions (Data quality's linkage chart
    # sent them for a narrow cohort, the Map's table its name order; an outside attack).
    at = run_page(page, **state)
    assert not at.exception
    for table in at.dataframe:
        index = table.value.index
        assert isinstance(index, pd.RangeIndex) and index.start == 0, (page, index)
    for chart in at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            names = pa.ipc.open_stream(dataset.data.data).schema.names
            assert not [n for n in names if n.startswith("__index_level")], (page, names)

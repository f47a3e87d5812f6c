"""Charts drawn from cached specs (components.charts) send what st.altair_chart would send.

The spec is made without Streamlit's schema validation and cached on the content of the
builder's arguments: the same spec as Streamlit's own conversion, and never another
frame's chart (the key sees every row, the column names and `attrs`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.elements import vega_charts
from streamlit.testing.v1 import AppTest

from components import charts as chart_cache
from phm.analysis.comparison import benchmark_table, funnel_for
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE
from phm.output import charts, compare_charts, quality
from phm.queries.compare import uptake_by_level


@pytest.fixture
def table(tiny_con) -> pd.DataFrame:
    """Return Compare's protected table of boroughs, with its overdispersion in attrs."""
    raw = uptake_by_level(tiny_con, Cohort(), "borough")
    return benchmark_table(raw, "borough", DEFAULT_RULE, 60.0, allow_for_spread=True)


def test_the_spec_is_streamlits_own(table) -> None:
    built = [
        charts.uptake_dot_whisker(table, "label", "Uptake", 60.0),
        compare_charts.ranked_dot_whisker(table, 60.0, "Ranked"),
        compare_charts.funnel_plot(table, funnel_for(table, 60.0), "Funnel"),
    ]
    for chart in built:
        ours = chart_cache.vega_lite_spec(chart)
        theirs = vega_charts._convert_altair_to_vega_lite_spec(chart)
        assert ours == theirs
        assert ours["datasets"] and all(isinstance(d, bytes) for d in ours["datasets"].values())


def test_a_frames_attrs_never_reach_the_browser(table, recwarn) -> None:
    # Compare's table keeps its overdispersion in attrs (not JSON: pyarrow used to warn on
    # every chart); JSON attrs would have been written into the Arrow schema sent.
    assert "spread" in table.attrs
    with_json = table.copy()
    with_json.attrs["note"] = "kept on the server"
    for frame in (table, with_json):
        spec = chart_cache.vega_lite_spec(compare_charts.ranked_dot_whisker(frame, 60.0, "R"))
        for sent in spec["datasets"].values():
            schema = pa.ipc.open_stream(sent).schema
            pandas_meta = json.loads(schema.metadata[b"pandas"])
            assert pandas_meta.get("attributes", {}) == {}
            assert b"kept on the server" not in sent
    assert not [w for w in recwarn if "attrs" in str(w.message)]


def test_the_key_sees_every_row_the_columns_and_attrs() -> None:
    big = pd.DataFrame({"code": np.arange(120_000), "uptake_pct": np.full(120_000, 50.0)})
    same = big.copy()
    assert chart_cache.frame_key(big) == chart_cache.frame_key(same)
    one_value = big.copy()
    one_value.loc[99_999, "uptake_pct"] = 51.0  # Streamlit's own hash samples this frame
    renamed = big.rename(columns={"uptake_pct": "ci_low_pct"})
    retyped = big.astype({"uptake_pct": "float32"})
    with_attrs = big.copy()
    with_attrs.attrs["spread"] = "wider"
    listed = pd.DataFrame({"polygon": [[(0.0, 1.0)], [(1.0, 2.0)]]})  # unhashable cells
    moved = pd.DataFrame({"polygon": [[(0.0, 1.0)], [(1.0, 2.5)]]})
    keys = [
        chart_cache.frame_key(f)
        for f in (big, one_value, renamed, retyped, with_attrs, listed, moved)
    ]
    assert len(set(keys)) == len(keys)


def _page() -> None:
    """A page drawing two charts of different frames and one of the first frame again."""
    import pandas as pd
    import streamlit as st

    from components.charts import draw
    from phm.output import compare_charts

    for name, values in (("a", [10.0, 20.0]), ("b", [30.0, 40.0]), ("a", [10.0, 20.0])):
        table = pd.DataFrame({"label": ["X", "Y"], "uptake_pct": values, "gap_pts": values})
        table = table.assign(gap_low_pts=table["gap_pts"] - 5, gap_high_pts=table["gap_pts"] + 5)
        del name  # the same builder and title each time: only the frames differ
        draw(compare_charts.gap_bars, table, "Gap", width="stretch")
    st.write("drawn")


def test_draw_sends_each_frames_own_chart(app_env) -> None:
    del app_env
    at = AppTest.from_function(_page).run()
    assert not at.exception
    sent = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert len(sent) == 3
    names = [tuple(d.name for d in c.proto.datasets) for c in sent]
    assert names[0] == names[2] and names[0] != names[1]
    assert sent[0].proto.spec == sent[2].proto.spec
    rerun = at.run()  # from the cache: the same bytes
    again = rerun.get("arrow_vega_lite_chart") or rerun.get("vega_lite_chart")
    assert [c.proto.spec for c in again] == [c.proto.spec for c in sent]
    assert [c.proto.datasets[0].data.data for c in again] == [
        c.proto.datasets[0].data.data for c in sent
    ]


def test_altair_builds_the_same_charts_with_one_converter(table, monkeypatch) -> None:
    def build() -> list[dict]:
        curve = funnel_for(table, 60.0)
        return [
            charts.uptake_dot_whisker(table, "label", "Uptake", 60.0).to_dict(),
            compare_charts.ranked_dot_whisker(table, 60.0, "Ranked").to_dict(),
            compare_charts.funnel_plot(table, curve, "Funnel").to_dict(),
        ]

    from altair.utils import schemapi

    assert schemapi.SchemaBase.from_dict.__func__ is chart_cache._from_dict  # the app's
    ours = build()
    monkeypatch.setattr(schemapi.SchemaBase, "from_dict", chart_cache.ALTAIR_FROM_DICT)
    assert build() == ours


def _chart_data(at: AppTest) -> list[list[bytes]]:
    """Return the Arrow datasets of every chart a run sent."""
    sent = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    return [[d.data.data for d in c.proto.datasets] for c in sent]


def test_a_scoped_principal_never_gets_a_wider_principals_chart(run_page) -> None:
    # The planner's charts of the whole ICS are drawn (and cached) first; practice staff,
    # whose cohort is narrowed to their practice, then open the same page and cohort. They
    # get the charts of their own protected frames, exactly as drawn with no cache at all.
    # (test_draw_sends_each_frames_own_chart fails if the key drops the frames' content.)
    from phm.access import Role
    from tests.app.conftest import demo_user

    everyone = run_page("overview.py", principal=demo_user(Role.PLANNER))
    nurse = run_page("overview.py", principal=demo_user(Role.PRACTICE))
    chart_cache._spec.clear()
    uncached = run_page("overview.py", principal=demo_user(Role.PRACTICE))
    assert not everyone.exception and not nurse.exception and not uncached.exception
    assert _chart_data(nurse) and len(_chart_data(nurse)) == len(_chart_data(everyone))
    assert _chart_data(nurse) != _chart_data(everyone)
    assert _chart_data(nurse) == _chart_data(uncached)


@pytest.mark.parametrize("present", [False, True])
def test_charts_type_is_larger_when_presenting(run_page, present) -> None:
    # Charts are zoomed whole when presenting; Vega-Lite's own 10-11 px type became about
    # 15 px beside 23 px body text, so presenting sets the charts' type sizes too.
    at = run_page("overview.py", present=present)
    assert not at.exception
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts
    for chart in charts:
        config = json.loads(chart.proto.spec).get("config", {})
        sizes = (
            config.get("axis", {}).get("labelFontSize"),
            config.get("legend", {}).get("labelFontSize"),
            config.get("title", {}).get("fontSize"),
        )
        assert sizes == ((14, 14, 17) if present else (None, None, None))


def test_a_filtered_frames_row_positions_are_not_sent() -> None:
    # Data quality's linkage chart drops areas whose percentage is suppressed (NaN): Arrow
    # sent the survivors' old row positions as an index column, which no encoding reads.
    table = pd.DataFrame(
        {"name": ["A", "B", "C", "D"], "gp_pct": [50.0, None, 70.0, None], "linked_pct": [60.0] * 4}
    )
    spec = chart_cache.vega_lite_spec(quality.linkage_chart(table))
    for sent in spec["datasets"].values():
        names = pa.ipc.open_stream(sent).schema.names
        assert sorted(names) == ["name", "pct", "source"]

"""Map in aggregate mode: NHS England's published uptake by MSOA or borough."""

import pandas as pd
import streamlit as st

from components import map_data, published_data, render
from components.frame import download, open_published_page
from phm.analysis import aggregate
from phm.analysis.summaries import protected_uptake, shown_uptake
from phm.levels import LEVELS, PUBLISHED_LEVELS
from phm.output import maps
from phm.output.exports import header_lines, to_csv

page = open_published_page("Map")

left, right = st.columns(2)
level = left.segmented_control(
    "Areas",
    list(PUBLISHED_LEVELS),
    format_func=lambda key: LEVELS[key].label,
    key="pub_map_level",
    default="msoa",
    required=True,
)
metric = right.segmented_control(
    "Colour by",
    list(maps.METRICS),
    format_func=maps.METRIC_BUTTONS.get,
    key="pub_map_metric",
    default="uptake",
    required=True,
)
counts, missing = published_data.area_counts(page.choice, level, page.version)
for sentence in published_data.denominator_sentences(page.choice, page.version):
    st.warning(sentence, icon=":material/report:")
if counts.empty:
    for sentence in aggregate.missing_sentences(missing, level):
        st.warning(sentence, icon=":material/report:")
    st.info(aggregate.nothing_to_show(missing), icon=":material/info:")
    st.stop()
protected = protected_uptake(counts, page.rule)
overall = protected_uptake(aggregate.total_counts(counts), page.rule).iloc[0]
overall_pct = shown_uptake(overall)
label = LEVELS[level].label
frame, legend = maps.area_frame(
    map_data.shapes(level, page.version),
    protected,
    level,
    metric,
    label,
    page.rule.suppressed_text,
    overall_pct,
)
frame = frame.assign(polygon=map_data.shape_polygons(level, page.version))
aggregate.mark_missing(frame, missing, level, label)
chosen = set(counts[level]) | set(missing[level])
frame = frame[frame["code"].isin(chosen)]  # areas outside the chosen places are not drawn
# Areas outside the chosen places are not drawn, so the legend has no 'nobody lives here'.
legend = [entry for entry in legend if entry.colour != "#ffffff"]
legend += [
    maps.LegendEntry(maps.rgba_hex(colour), text)
    for colour, text in aggregate.missing_legend(missing)
]

render.kpi(st, "Uptake across the chosen areas", overall, render.IN_NIMS)
lsoa_frame = map_data.lsoas(page.version)
MAP_PX = 620
view = maps.view_for(
    lsoa_frame["centroid_lon"], lsoa_frame["centroid_lat"], maps.fit_px_for_height(MAP_PX)
)
st.pydeck_chart(maps.deck([maps.area_layer(frame)], view), height=MAP_PX, key="pub_map_chart")
st.html(maps.legend_html(maps.METRICS[metric], legend))
if metric == "gap" and overall_pct is not None:
    st.caption(
        f"Gap = the area's uptake minus uptake across the chosen areas ({overall_pct:.1f}%)."
    )
for sentence in aggregate.missing_sentences(missing, level):
    st.warning(sentence, icon=":material/report:")

table = render.display_table(protected, f"{level}_label", label)
table.insert(0, f"{label} code", list(protected[level]))
with st.expander(f"Table of {label}s, lowest uptake first"):
    order = protected["uptake_pct"].fillna(float("inf")).sort_values(kind="stable").index
    render.grid(table.loc[order])
header = header_lines(
    page.description,
    page.meta,
    page.rule,
    [f"Areas: {label}", aggregate.left_out_line(missing)],
)
download(
    "Download table (CSV)",
    to_csv(pd.DataFrame(table), header),
    file_name=f"published-uptake-by-{level}.csv",
    mime="text/csv",
    icon=":material/download:",
)
render.suppression_note()

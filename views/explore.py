"""Explore: layer characteristics, then break the cohort down by one or two of them."""

import streamlit as st

from components import data, presentation, render, url_state
from components.charts import draw
from components.frame import download, open_page
from phm import codes
from phm.analysis import explore, quality
from phm.analysis.summaries import shown_uptake
from phm.output import charts, exports
from phm.queries import DIMENSIONS
from phm.text import escape_markdown

page = open_page("Explore")
dose_label = codes.DOSES[page.cohort.dose]

overall = explore.overall_uptake(
    data.uptake_by(page.principal, page.cohort, (), page.version), page.rule
)
kpi, note = st.columns([1, 3])
render.kpi(kpi, f"{dose_label} uptake", overall)
render.stop_unless_breakdown_allowed(overall)
# Groups are compared with the cohort's comparator (phm.analysis.comparators), as on every page.
compared, comparator_row = render.comparator(page)
overall_pct = shown_uptake(comparator_row)
with note:
    st.caption(
        "Layer characteristics in the sidebar: values within one characteristic are combined"
        " with OR, characteristics with AND, and each flag is any, yes or no. Differences below"
        " are against the comparator; 'lower' or 'higher' means the group's 95% interval lies"
        " wholly below or above it."
    )
    render.comparator_caption(compared, comparator_row)

names = list(DIMENSIONS)
first, second, order = st.columns([2, 2, 3])
PARAMS = explore.EXPLORE_PARAMS
url_state.seed("explore_by", PARAMS["by"], str, names)
by = first.selectbox(
    "Break down by",
    names,
    index=names.index(explore.DEFAULT_BY),
    format_func=explore.label_of,
    key="explore_by",
)
url_state.write(PARAMS["by"], by)
NOTHING = explore.NOTHING
url_state.seed("explore_then", PARAMS["then"], str, [NOTHING, *[n for n in names if n != by]])
then = second.selectbox(
    "and by",
    [NOTHING, *[n for n in names if n != by]],
    format_func=lambda n: "nothing else" if n == NOTHING else explore.label_of(n),
    key="explore_then",
)
url_state.write(PARAMS["then"], then)
dimensions = (by,) if then == NOTHING else (by, then)
raw = data.uptake_by(page.principal, page.cohort, dimensions, page.version)
if raw.empty:
    st.info("No one in this cohort: widen the filters in the sidebar.")
    st.stop()
table = explore.breakdown(raw, overall_pct, page.rule)
caveat = quality.explore_caveat(
    page.cohort,
    dimensions,
    quality.protect_completeness(
        data.completeness(
            page.principal,
            quality.without_recorded_filters(page.cohort),
            "ics",
            page.version,
            quality.CAVEAT_MEASURES,
        ),
        page.rule,
    ),
)
if caveat:
    st.warning(escape_markdown(caveat), icon=":material/warning:")
title = " by ".join(explore.label_of(d) for d in dimensions)
header = explore.export_header(
    page.description, page.meta, page.rule, dose_label, f"{dose_label} uptake by {title}"
)

if then == NOTHING:
    url_state.seed("explore_sort", PARAMS["sort"], str, list(explore.SORTS))
    sort = order.selectbox(
        "Sort by", list(explore.SORTS), format_func=explore.SORTS.get, key="explore_sort"
    )
    url_state.write(PARAMS["sort"], sort)
    table = explore.sort_breakdown(table, sort)
    draw(
        charts.uptake_dot_whisker,
        table,
        f"{by}_label",
        f"{dose_label} uptake by {title}",
        overall_pct,
        width="stretch",
    )
    shown = explore.display_table(table, dimensions, page.rule)
    render.grid(shown)
else:
    grid = explore.full_grid(table, dimensions, explore.grid_labels(table, dimensions))
    heat, listing = st.tabs(["Heatmap", "Table"])
    with heat:
        if explore.heatmap_fits(grid):
            draw(
                charts.uptake_heatmap,
                explore.heatmap_frame(grid, dimensions, page.rule),
                f"{by}_label",
                f"{then}_label",
                explore.label_of(by),
                explore.label_of(then),
                f"{dose_label} uptake (%) by {title}",
                width="stretch",
            )
        else:
            st.info(
                f"{len(grid):,} combinations are too many for a readable heatmap (the limit is"
                f" {explore.HEATMAP_MAX_CELLS:,}). See the Table tab, or narrow the cohort or"
                " choose a characteristic with fewer values.",
                icon=":material/grid_off:",
            )
    shown = explore.display_table(table, dimensions, page.rule)
    with listing:
        render.grid(shown)
download(
    "Download table (CSV)",
    exports.to_csv(shown, header),
    file_name=f"uptake-by-{'-and-'.join(dimensions)}.csv",
    mime="text/csv",
    icon=":material/download:",
)
render.suppression_note()
presentation.copy_link("explore")

"""Compare in aggregate mode: published uptake of MSOAs or boroughs with intervals and a funnel."""

import streamlit as st

from components import published_data, render
from components.charts import draw
from components.frame import download, open_published_page
from phm.analysis import aggregate
from phm.analysis.comparison import benchmark_table, compared_counts, export_csv
from phm.analysis.summaries import protected_uptake, shown_uptake
from phm.levels import LEVELS, PUBLISHED_LEVELS
from phm.output import compare_charts
from phm.output.exports import header_lines

page = open_published_page(
    "Compare localities", "Deprivation and ethnicity gaps need person records."
)

level = st.segmented_control(
    "Compare",
    list(PUBLISHED_LEVELS),
    format_func=lambda key: LEVELS[key].label,
    key="pub_compare_level",
    default="borough",
    required=True,
)
label = LEVELS[level].label
noun = LEVELS[level].noun
counts, missing = published_data.area_counts(page.choice, level, page.version)
for sentence in published_data.denominator_sentences(page.choice, page.version):
    st.warning(sentence, icon=":material/report:")
overall = protected_uptake(aggregate.total_counts(counts), page.rule).iloc[0]
ics_pct = None if counts.empty else shown_uptake(overall)
for sentence in aggregate.missing_sentences(missing, level):
    st.warning(sentence, icon=":material/report:")
if ics_pct is None:
    st.info(aggregate.nothing_to_show(missing), icon=":material/info:")
    st.stop()
table = benchmark_table(counts, level, page.rule, ics_pct)
st.markdown(
    f"**Across the chosen areas:** {ics_pct:.1f}% (95% CI {overall['ci_low_pct']:.1f}–"
    f"{overall['ci_high_pct']:.1f}%). Each {noun} is *higher*, *similar* or *lower* by whether"
    " its 95% interval lies above, spans or lies below that figure (the Fingertips comparison,"
    " worded neutrally)."
)
for column, (word, count) in zip(st.columns(3), compared_counts(table).items(), strict=True):
    column.metric(f"{label}s {word}", count)

ranked, funnel, listing = st.tabs(["Ranked", "Funnel plot", "Table and download"])
with ranked:
    draw(compare_charts.ranked_dot_whisker, table, ics_pct, f"Uptake by {label}", width="stretch")
with funnel:
    render.funnel_section(table, ics_pct, noun, label, "the figure across the chosen areas")
with listing:
    shown_table = render.display_table(table, "label", label)
    shown_table["Compared"] = list(table["compared"])
    shown_table["Funnel plot"] = list(table["funnel"])
    render.grid(shown_table)
    header = header_lines(
        page.description,
        page.meta,
        page.rule,
        [f"Compared by: {label}; figure across the chosen areas {ics_pct:.1f}%"],
    )
    download(
        "Download CSV",
        export_csv(table, page.rule, header, level),
        file_name=f"published-uptake-by-{level}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
render.suppression_note()

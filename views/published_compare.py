"""Compare in aggregate mode: published uptake of MSOAs or boroughs with intervals and a funnel."""

import streamlit as st

from components import data, published_data, render
from components.published_picker import page_top
from phm import aggregate, compare_charts
from phm.comparison import benchmark_table, export_csv
from phm.exports import header_lines
from phm.summaries import protected_uptake

choice, description = page_top(
    "Compare localities", "Deprivation and ethnicity gaps need person records."
)
version = data.version()
meta = data.meta(version)
rule = data.disclosure_rule()

level = st.segmented_control(
    "Compare",
    list(aggregate.LEVELS),
    format_func=aggregate.LEVELS.get,
    key="pub_compare_level",
    default="borough",
    required=True,
)
label = aggregate.LEVELS[level]
noun = aggregate.NOUNS[level]
counts, missing = published_data.area_counts(choice, level, version)
for sentence in published_data.denominator_sentences(choice, version):
    st.warning(sentence, icon=":material/report:")
overall = protected_uptake(aggregate.total_counts(counts), rule).iloc[0]
ics_pct = None if counts.empty or overall["uptake_suppressed"] else float(overall["uptake_pct"])
for sentence in aggregate.missing_sentences(missing, level):
    st.warning(sentence, icon=":material/report:")
if ics_pct is None:
    st.info(aggregate.nothing_to_show(missing), icon=":material/info:")
    st.stop()
table = benchmark_table(counts, level, rule, ics_pct)
st.markdown(
    f"**Across the chosen areas:** {ics_pct:.1f}% (95% CI {overall['ci_low_pct']:.1f}–"
    f"{overall['ci_high_pct']:.1f}%). Each {noun} is *higher*, *similar* or *lower* by whether"
    " its 95% interval lies above, spans or lies below that figure (the Fingertips comparison,"
    " worded neutrally)."
)
counts_by_word = table["compared"].value_counts()
for column, word in zip(st.columns(3), ("higher", "similar", "lower"), strict=True):
    column.metric(f"{label}s {word}", int(counts_by_word.get(word, 0)))

ranked, funnel, listing = st.tabs(["Ranked", "Funnel plot", "Table and download"])
with ranked:
    st.altair_chart(
        compare_charts.ranked_dot_whisker(table, ics_pct, f"Uptake by {label}"), width="stretch"
    )
with funnel:
    render.funnel_section(table, ics_pct, noun, label, "the figure across the chosen areas")
with listing:
    shown_table = render.display_table(table, "label", label)
    shown_table["Compared"] = list(table["compared"])
    shown_table["Funnel plot"] = list(table["funnel"])
    st.dataframe(shown_table, hide_index=True, width="stretch")
    header = header_lines(
        description,
        meta,
        rule,
        [f"Compared by: {label}; figure across the chosen areas {ics_pct:.1f}%"],
    )
    st.download_button(
        "Download CSV",
        export_csv(table, rule, header, level),
        file_name=f"published-uptake-by-{level}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
render.suppression_note()

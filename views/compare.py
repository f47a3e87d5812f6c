"""Compare: localities ranked with 95% CIs against the comparator, a funnel plot, and inequality indices."""

import pandas as pd
import streamlit as st

from components import compare_data, data, render
from components.charts import draw
from components.frame import download, open_page
from phm import codes
from phm.analysis import comparators
from phm.analysis.comparison import (
    benchmark_table,
    compared_counts,
    default_localities,
    export_csv,
    spread_words,
)
from phm.analysis.inequality import (
    gaps_against,
    gradient_frame,
    not_drawn,
    summary_table,
    unmeasured_localities,
    unmeasured_words,
)
from phm.analysis.summaries import protected_uptake, shown_uptake
from phm.levels import COMPARE_LEVELS, LEVELS
from phm.output import compare_charts
from phm.output.exports import header_lines
from phm.queries.compare import DEPRIVATION
from phm.text import escape_markdown

page = open_page("Compare localities")

level = st.segmented_control(
    "Compare",
    list(COMPARE_LEVELS),
    format_func=lambda key: LEVELS[key].choice_label,
    key="compare_level",
    default="borough",
)
level = level or "borough"
level_name = LEVELS[level].label
noun = LEVELS[level].noun

overall = protected_uptake(
    data.uptake_all_doses(page.principal, page.cohort, page.version), page.rule
)
render.stop_unless_breakdown_allowed(overall.loc[overall["dose"] == page.cohort.dose].iloc[0])
# Every locality is compared with the cohort's comparator (phm.analysis.comparators): the one
# rule the finder, Overview, Trends and the business case use too.
compared, ics = render.comparator(page)
ics_pct = shown_uptake(ics)
raw = compare_data.uptake_by_level(page.principal, page.cohort, level, page.version)
# The funnel allows for variation between areas (overdispersion) by default when the shown
# localities vary more than chance would make them; a toggle on the funnel tab turns it off.
spread = benchmark_table(raw, level, page.rule, ics_pct, allow_for_spread=True).attrs.get("spread")
spread_key = f"compare_spread_{level}"
allow_spread = bool(st.session_state.get(spread_key, spread is not None and spread.found))
table = benchmark_table(raw, level, page.rule, ics_pct, allow_for_spread=allow_spread)
dose_label = codes.DOSES[page.cohort.dose].lower()

if table.empty or ics_pct is None:
    st.info("No one in this cohort, or the comparator's figure is suppressed: nothing to compare.")
    render.suppression_note()
    st.stop()

st.markdown(
    f"**Comparator ({dose_label}):** {compared.figure(ics_pct)} (95% CI"
    f" {ics['ci_low_pct']:.1f}–{ics['ci_high_pct']:.1f}%). Each {noun} is *higher*, *similar*"
    " or *lower* by whether its 95% interval lies above, spans or lies below the comparator's"
    " figure (the Fingertips comparison, worded neutrally)."
)
st.caption(comparators.RULE)
counts = compared_counts(table)
columns = st.columns(3)
for column, (word, phrase) in zip(
    columns,
    (
        ("higher", "higher than the comparator"),
        ("similar", "similar to the comparator"),
        ("lower", "lower than the comparator"),
    ),
    strict=True,
):
    column.metric(f"{level_name}s {phrase}", counts[word])

ranked, funnel, listing, inequality = st.tabs(
    ["Ranked", "Funnel plot", "Table and download", "Inequality"]
)
with ranked:
    st.header(f"{level_name}s ranked by uptake ({dose_label})")
    draw(compare_charts.ranked_dot_whisker, table, ics_pct, f"Uptake by {noun}", width="stretch")
    hidden = int(table["uptake_suppressed"].sum())
    if hidden:
        st.caption(f"{hidden} {noun}(s) not drawn: uptake suppressed (small numbers).")

with funnel:
    st.header(f"Funnel plot ({dose_label})")
    st.toggle(
        "Allow for variation between areas (overdispersion)",
        value=allow_spread,
        key=spread_key,
        help="On by default when the localities vary more than chance alone would make them.",
    )
    render.funnel_section(
        table,
        ics_pct,
        noun,
        level_name,
        "the comparator's figure",
        spread_words(spread, allow_spread),
    )

with listing:
    st.header(f"All {noun}s")
    shown_table = render.display_table(table, "label", level_name)
    shown_table["Compared with comparator"] = list(table["compared"])
    shown_table["Funnel plot"] = list(table["funnel"])
    render.grid(shown_table)
    header = header_lines(
        page.description,
        page.meta,
        page.rule,
        [
            f"Compared by: {LEVELS[level].choice_label}; comparator:"
            f" {compared.figure(ics_pct)} ({comparators.RULE})"
        ],
    )
    download(
        "Download CSV",
        export_csv(table, page.rule, header, level),
        file_name=f"uptake-by-{level}.csv",
        mime="text/csv",
        icon=":material/download:",
    )

with inequality:
    st.header("Deprivation gradient")
    deprivation = st.segmented_control(
        "Deprivation groups",
        list(DEPRIVATION),
        format_func=DEPRIVATION.get,
        key="compare_deprivation",
        default="imd_quintile",
    )
    deprivation = deprivation or "imd_quintile"
    ics_raw = data.uptake_by(page.principal, page.cohort, (deprivation,), page.version)
    by_locality = compare_data.uptake_by_level_and_deprivation(
        page.principal, page.cohort, level, deprivation, page.version
    )
    names = dict(zip(table[level], table["label"], strict=True))
    # The first view has data: localities whose gradient cannot be measured are not chosen.
    unmeasured = unmeasured_localities(by_locality, deprivation, page.rule, level)
    chosen = st.multiselect(
        f"{level_name}s side by side",
        list(names),
        default=default_localities(table, level, leave_out=unmeasured),
        format_func=names.get,
        key=f"compare_localities_{level}",
        max_selections=12,
    )
    if left_out := [code for code in names if code in unmeasured and code not in chosen]:
        st.caption(escape_markdown(unmeasured_words(left_out, names, unmeasured, noun)))
    ics_summary = compare_data.deprivation_indices(ics_raw, deprivation, page.rule, None)
    local_raw = by_locality[by_locality[level].isin(chosen)]
    local_summary = (
        compare_data.deprivation_indices(local_raw, deprivation, page.rule, level)
        if chosen
        else ics_summary.iloc[0:0]
    )
    summary = pd.concat([ics_summary, local_summary], ignore_index=True)

    # A short table, shown whole (it wraps, and grows with presentation mode's type).
    render.whole_table(summary_table(summary))
    st.caption(
        "Gap = uptake of the most deprived group against the least deprived (Newcombe's"
        " interval). SII = the fitted difference in uptake between the most and the least"
        " deprived ends of the population, said the same way; RII = the least deprived end's"
        " uptake over the most deprived end's"
        " (PHEindicatormethods phe_sii method for proportions: population-weighted regression on"
        " relative rank, 100,000 simulations for the intervals). All from the protected counts."
    )
    gradient = gradient_frame(ics_raw, local_raw if chosen else None, level, page.rule)
    draw(compare_charts.deprivation_lines, gradient, deprivation, level, width="stretch")

    st.header("Gaps by ethnic group and first language")
    left, right = st.columns(2)
    with left:
        ethnic = gaps_against(
            data.uptake_by(page.principal, page.cohort, ("ethnicity_code",), page.version),
            "ethnicity_code",
            "A",
            page.rule,
        )
        if ethnic.empty:
            st.info("White British uptake is suppressed or absent in this cohort.")
        else:
            draw(compare_charts.gap_bars, ethnic, "Uptake minus White British", width="stretch")
    with right:
        language = gaps_against(
            data.uptake_by(page.principal, page.cohort, ("main_language",), page.version),
            "main_language",
            "English",
            page.rule,
        )
        if language.empty:
            st.info("English-speaking uptake is suppressed or absent in this cohort.")
        else:
            draw(
                compare_charts.gap_bars,
                language,
                "Uptake minus first language English",
                width="stretch",
            )
    if hidden_groups := not_drawn(ethnic, language):
        st.caption("Not drawn (suppressed, small numbers): " + ", ".join(hidden_groups))
render.suppression_note()

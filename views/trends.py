"""Trends: cumulative uptake by week since 8 December 2020, weekly doses, gaps over time, SPC."""

from datetime import date

import pandas as pd
import streamlit as st

from components import compare_data, data, presentation, render
from components.charts import draw
from components.frame import open_page
from phm import codes
from phm.analysis.comparators import RULE, comparator_for
from phm.analysis.summaries import protected_uptake
from phm.analysis.trends import (
    SPC_MIN_WEEKS,
    cumulative_uptake,
    describe_gap_change,
    eligible_from,
    gap_over_time,
    largest_groups,
    milestones_frame,
    weekly_new,
    weekly_spc,
)
from phm.levels import COMPARE_LEVELS, LEVELS
from phm.output import compare_charts

CHARACTERISTICS = {
    "ethnic_group": "Broad ethnic group",
    "ethnicity_code": "Ethnicity (NHS category)",
    "imd_quintile": "IMD quintile",
    "main_language": "First language",
    "age_band": "Age band",
    "jcvi_cohort": "JCVI cohort",
    "sex": "Sex",
}

ICS_CODE = "__ics__"

page = open_page("Trends")
dose_label = codes.DOSES[page.cohort.dose].lower()
milestones = milestones_frame(date(2020, 12, 1), page.cohort.as_at)
render.stop_unless_breakdown_allowed(
    protected_uptake(data.uptake_by(page.principal, page.cohort, (), page.version), page.rule).iloc[
        0
    ]
)

mode = st.segmented_control(
    "Lines for", ["characteristic", "localities"], key="trends_mode", default="characteristic"
)
if mode == "localities":
    level = st.selectbox(
        "Level",
        list(COMPARE_LEVELS),
        format_func=lambda key: LEVELS[key].choice_label,
        key="trends_level",
    )
    dimension = level
else:
    dimension = st.selectbox(
        "Characteristic",
        list(CHARACTERISTICS),
        format_func=CHARACTERISTICS.get,
        key="trends_dimension",
    )
weekly = compare_data.weekly_doses(page.principal, page.cohort, dimension, page.version)
if weekly.empty:
    st.info("No one in this cohort.")
    render.suppression_note()
    st.stop()
labels = dict(zip(weekly[dimension], weekly[f"{dimension}_label"], strict=False))
cumulative = cumulative_uptake(weekly, page.rule, dimension)
if mode == "localities":
    chosen = st.multiselect(
        "Localities",
        list(labels),
        # Every borough (there are few); the largest of the many PCNs, practices or MSOAs.
        default=list(labels) if len(labels) <= 12 else largest_groups(cumulative, dimension, 4),
        format_func=labels.get,
        key=f"trends_localities_{dimension}",
        max_selections=12,
    )
    cumulative = cumulative[cumulative[dimension].isin(chosen)]
    # The comparator line (phm.analysis.comparators): the one rule every page compares with.
    compared = comparator_for(page.cohort, page.meta)
    if st.toggle("Add the comparator", value=True, key="trends_ics_line"):
        ics = cumulative_uptake(
            compare_data.weekly_doses(page.principal, compared.cohort, None, page.version),
            page.rule,
        )
        name = f"Comparator: {compared.words}"
        ics = ics.assign(**{dimension: ICS_CODE, f"{dimension}_label": name})
        cumulative = pd.concat([cumulative, ics[cumulative.columns]], ignore_index=True)
        labels[ICS_CODE] = name
        st.caption(f"The comparator line: {compared.words}. {RULE}")

st.header(f"Cumulative uptake by week ({dose_label})")
draw(
    compare_charts.cumulative_lines,
    cumulative,
    f"{dimension}_label",
    milestones,
    "Cumulative uptake since 8 December 2020",
    width="stretch",
)
st.caption(
    "Denominator: the cohort registered and alive on the as-at date. Dotted lines mark the"
    " programme's milestones (docs/product.md): "
    + "; ".join(f"{i + 1}. {r.day:%d %b %Y} {r.label}" for i, r in milestones.iterrows())
)

st.header("Is the gap closing?")
codes_present = [c for c in labels if c in set(cumulative[dimension])]
if len(codes_present) >= 2:
    left, right = st.columns(2)
    first = left.selectbox(
        "Group", codes_present, format_func=labels.get, key=f"trends_first_{dimension}"
    )
    others = [c for c in codes_present if c != first]
    second = right.selectbox(
        "Compared with",
        others,
        index=len(others) - 1,
        format_func=labels.get,
        key=f"trends_second_{dimension}",
    )
    eligible, why = eligible_from(page.cohort)
    since = st.date_input(
        "From",
        value=max(eligible, date(2020, 12, 8)),
        min_value=date(2020, 12, 8),
        max_value=page.cohort.as_at,
        key="trends_gap_from",
        help=f"Starts {why} ({eligible:%d %B %Y}), when the gap begins to mean something.",
    )
    gaps = gap_over_time(cumulative, dimension, first, second)
    gaps = gaps[gaps["week"] >= pd.Timestamp(since)]
    # The title sits above the chart, where the chart's own toolbar cannot cover it.
    st.markdown(f"**{labels[first]} minus {labels[second]}**, percentage points")
    shown_milestones = milestones[milestones["day"] >= pd.Timestamp(since)]
    draw(compare_charts.gap_over_time_chart, gaps, shown_milestones, "", width="stretch")
    st.markdown(describe_gap_change(gaps, str(labels[first]), str(labels[second]), since))
else:
    st.info("Choose at least two groups to see the gap between them.")

st.header(f"Weekly {dose_label}s given to the whole cohort")
everyone = compare_data.weekly_doses(page.principal, page.cohort, None, page.version)
new = weekly_new(cumulative_uptake(everyone, page.rule))
draw(compare_charts.weekly_bars, new, milestones, "Doses given each week", width="stretch")

st.header("SPC view (NHS Making Data Count)")
spc = weekly_spc(new)
if spc is not None:
    draw(compare_charts.spc_chart, spc, "Weekly doses: XmR chart", width="stretch")
    high = int((spc["signal"] == "high").sum())
    low = int((spc["signal"] == "low").sum())
    st.caption(
        f"Mean {spc['mean'].iloc[0]:,.0f} a week; process limits {spc['lower'].iloc[0]:,.0f} to"
        f" {spc['upper'].iloc[0]:,.0f} (mean ± 2.66 × mean moving range, large moving ranges"
        f" screened as in NHSRplotthedots). Special cause: {high} week(s) high, {low} low"
        " (a point outside the limits, 7 on one side of the mean, 6 rising or falling, or 2 of"
        " 3 near a limit). A rollout is not a stable process: read it for its turning points."
    )
else:
    st.info(f"Fewer than {SPC_MIN_WEEKS} weeks with unsuppressed counts: too few for an SPC chart.")
render.suppression_note()
presentation.copy_link("trends")

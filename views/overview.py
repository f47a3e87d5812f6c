"""Overview: uptake of each dose for the cohort, by borough and by deprivation."""

import streamlit as st

from components import data, presentation, render
from components.charts import draw
from components.frame import open_page
from phm import codes
from phm.analysis.summaries import gap_between, protected_uptake, shown_uptake
from phm.output import charts

page = open_page("Overview")

doses = protected_uptake(
    data.uptake_all_doses(page.principal, page.cohort, page.version), page.rule
)
columns = st.columns(len(doses))
for column, (_, row) in zip(columns, doses.iterrows(), strict=True):
    render.kpi(column, row["dose_label"], row)
overall = doses.loc[doses["dose"] == page.cohort.dose].iloc[0]
render.stop_unless_breakdown_allowed(overall)
# The dashed line on both charts is the comparator (phm.analysis.comparators), as on every page.
compared, comparator_row = render.comparator(page)
render.comparator_caption(compared, comparator_row)
overall_pct = shown_uptake(comparator_row)

dose_label = codes.DOSES[page.cohort.dose].lower()
left, right = presentation.side_by_side(2)
with left:
    st.header(f"By borough ({dose_label})")
    boroughs = protected_uptake(
        data.uptake_by(page.principal, page.cohort, ("borough",), page.version), page.rule
    )
    if boroughs.empty:
        st.info("No one in this cohort.")
    else:
        draw(
            charts.uptake_dot_whisker,
            boroughs,
            "borough_label",
            "Uptake by borough",
            overall_pct,
            width="stretch",
        )
        render.uptake_table(boroughs, "borough_label", "Borough")
with right:
    st.header(f"By deprivation ({dose_label})")
    raw = data.uptake_by(page.principal, page.cohort, ("imd_quintile",), page.version)
    quintiles = protected_uptake(raw, page.rule)
    if quintiles.empty:
        st.info("No one in this cohort.")
    else:
        draw(
            charts.uptake_dot_whisker,
            quintiles,
            "imd_quintile_label",
            "Uptake by IMD quintile",
            overall_pct,
            width="stretch",
        )
        gap = gap_between(
            raw,
            "imd_quintile",
            1,
            5,
            ("the most deprived quintile", "the least deprived quintile"),
            page.rule,
        )
        st.markdown(f"**Deprivation gap.** {gap.sentence()}")
        render.uptake_table(quintiles, "imd_quintile_label", "IMD quintile")
render.suppression_note()
presentation.copy_link("overview")

"""Where vaccinated: the cohort's doses by delivery model and site, and for whom, with intervals."""

import streamlit as st

from components import data, presentation, render
from components.charts import draw
from components.frame import download, open_page
from phm import codes
from phm.analysis import delivery as D
from phm.analysis.summaries import protected_uptake
from phm.output import delivery_charts, exports

page = open_page("Where vaccinated")
dose = codes.DOSES[page.cohort.dose].lower()
render.stop_unless_breakdown_allowed(
    protected_uptake(data.uptake_by(page.principal, page.cohort, (), page.version), page.rule).iloc[
        0
    ]
)

left, right = st.columns(2)
unit = left.segmented_control(
    "Where",
    list(D.UNITS),
    format_func=lambda key: D.UNITS[key].label + "s",
    key="delivery_unit",
    default="delivery_model",
)
unit = unit or "delivery_model"
dimension = right.selectbox(
    "For whom: characteristic",
    list(D.BREAKDOWNS),
    index=list(D.BREAKDOWNS).index("ethnicity_code"),
    format_func=D.BREAKDOWNS.get,
    key="delivery_dimension",
)
noun = D.UNITS[unit].noun
raw = data.delivery_doses(page.principal, page.cohort, unit, dimension, page.version)
if raw.empty:
    st.info(f"No {dose}s given to this cohort by the as-at date.")
    render.suppression_note()
    st.stop()


def csv_download(label: str, table, file_name: str, what: str) -> None:
    """Offer a shown table as a labelled, formula-safe CSV (the export is audited)."""
    header = exports.header_lines(page.description, page.meta, page.rule, [what])
    download(
        label,
        lambda: exports.to_csv(table, header),
        file_name,
        "text/csv",
        records=len(table),
        key=f"download_{file_name}",
    )


st.header(f"{dose.capitalize()}s by {noun}")
units = D.unit_doses(raw, page.rule)
draw(
    delivery_charts.doses_chart,
    units,
    D.UNITS[unit].label,
    f"Share of the cohort's {dose}s",
    width="stretch",
)
units_shown = D.units_table(units, D.UNITS[unit].label, page.rule)
render.grid(units_shown)
csv_download(f"Download {noun}s (CSV)", units_shown, f"doses-by-{unit}.csv", f"{dose}s by {noun}")

areas = data.uptake_by(page.principal, page.cohort, ("msoa", dimension), page.version)
shares = D.group_shares(raw, areas, page.rule, dimension)
if shares.empty:
    st.info(f"No {noun} gave enough {dose}s to this cohort to break them down.")
    render.suppression_note()
    st.stop()
label = f"{dimension}_label"
group_names = dict(zip(shares[dimension], shares[label], strict=False))
unit_names = dict(zip(shares["unit"], shares["unit_label"], strict=False))

st.header(f"Whom one {noun} reached")
chosen = st.selectbox(
    noun.capitalize(),
    list(unit_names),
    index=list(unit_names).index(D.default_unit(list(unit_names))),
    format_func=unit_names.get,
    key=f"delivery_chosen_{unit}",
)
one = shares[shares["unit"] == chosen]
draw(
    delivery_charts.share_chart,
    one,
    label,
    D.BREAKDOWNS[dimension],
    f"Share of {unit_names[chosen]}'s {dose}s by group",
    width="stretch",
)
st.caption(
    "Dots: the share of its doses given to each group, with 95% intervals (Wilson, from the"
    " shown counts). Yellow ticks: the group's share of the unvaccinated in the MSOAs its"
    " recipients live in, each weighted by its doses to their residents."
)
best = D.most_over(one, dimension)
group = st.selectbox(
    "Group",
    list(group_names),
    index=list(group_names).index(best) if best in group_names else 0,
    format_func=group_names.get,
    key=f"delivery_group_{dimension}",
)
row = one[one[dimension] == group]
if not row.empty:
    st.markdown(
        D.describe(row.iloc[0], noun, str(group_names[group]), dose).sentence.replace("$", r"\$")
    )
one_shown = D.share_table(one, label, D.BREAKDOWNS[dimension], page.rule)
render.grid(one_shown)
csv_download(
    "Download this breakdown (CSV)",
    one_shown,
    f"doses-of-{unit}-by-{dimension}.csv",
    f"{dose}s of {unit_names[chosen]} by {D.BREAKDOWNS[dimension]}",
)

st.header(f"{noun.capitalize()}s compared: share of {dose}s to {group_names[group]} people")
across = shares[shares[dimension] == group].sort_values("share_pct", ascending=False)
draw(
    delivery_charts.share_chart,
    across,
    "unit_label",
    D.UNITS[unit].label,
    f"Share of each {noun}'s {dose}s given to {group_names[group]} people",
    width="stretch",
)
across_shown = D.share_table(across, "unit_label", D.UNITS[unit].label, page.rule)
render.grid(across_shown)
csv_download(
    "Download the comparison (CSV)",
    across_shown,
    f"{unit}s-compared-{dimension}.csv",
    f"share of each {noun}'s {dose}s given to {group_names[group]} people",
)
st.caption(
    f"Only {noun}s with 50 or more shown doses are broken down. A {noun} that gave none of"
    " its doses to a group has no row for it."
)
render.suppression_note()
presentation.copy_link("delivery")

"""What worked: the interventions register, and each intervention evaluated against comparison areas."""

from datetime import date

import streamlit as st

from components import data, interventions, pages, render
from components.charts import draw
from components.frame import download, open_page
from phm import codes
from phm.access import Capability, Refused, can
from phm.analysis import what_worked as W
from phm.analysis.business_case import INTERVENTIONS
from phm.interventions import evaluate as E
from phm.interventions import register
from phm.interventions.observed import link_params as observed_link
from phm.interventions.observed import observed
from phm.output import evaluation_charts, exports

page = open_page("What worked", show_cohort=False)
msoa_names = data.options(page.version)["msoas"]
names = {**page.names, **msoa_names}
listed = interventions.listed(page.meta)

st.header("Interventions register")
st.caption(
    "What was done, where, when, for whom and at what cost. Interventions marked 'synthetic"
    " dataset' are built into the synthetic demo with known effects (docs/synthetic-data.md);"
    " the others were recorded by users of this app."
)
table = register.table(listed)
if table.empty:
    st.info("No interventions recorded yet.")
else:
    render.grid(table)
    header = exports.header_lines(
        "Interventions register (no counts)", page.meta, page.rule, ["Interventions register"]
    )
    download(
        "Download the register (CSV)",
        lambda: exports.to_csv(exports.neutralise_formulas(table), header),
        "interventions-register.csv",
        "text/csv",
        records=len(table),
    )

if can(page.principal, Capability.RECORD_INTERVENTIONS):
    with (
        st.expander("Record an intervention"),
        st.form("record_intervention", clear_on_submit=False),
    ):
        name = st.text_input("Name", max_chars=120)
        kind = st.selectbox(
            "Kind", list(INTERVENTIONS), format_func=lambda k: INTERVENTIONS[k].name
        )
        areas = st.multiselect(
            "Where: MSOAs", list(msoa_names), format_func=msoa_names.get, max_selections=60
        )
        start = st.date_input("Start", value=date(2021, 10, 4), format="DD/MM/YYYY")
        end = st.date_input("End", value=date(2021, 11, 14), format="DD/MM/YYYY")
        ethnicities = st.multiselect(
            "For whom: ethnicity",
            list(codes.ETHNICITY_LABELS),
            format_func=codes.ETHNICITY_LABELS.get,
        )
        languages = st.multiselect(
            "For whom: first language", list(data.options(page.version)["languages"])
        )
        ages = st.slider("For whom: ages", 0, 120, (18, 120))
        cost = st.number_input("Cost (£)", min_value=0.0, step=500.0)
        note = st.text_area("Note", max_chars=1000)
        if st.form_submit_button("Record"):
            try:
                record = W.record_from_form(
                    name=name,
                    kind=kind,
                    msoas=areas,
                    start=start,
                    end=end,
                    ethnicities=ethnicities,
                    languages=languages,
                    age_min=ages[0] or None,
                    age_max=ages[1] if ages[1] < 120 else None,
                    cost_gbp=cost,
                    note=note,
                )
                interventions.save(page.principal, record)
            except (ValueError, Refused) as problem:
                st.error(f"Not recorded: {problem}")
            else:
                st.success("Recorded.")
                st.rerun()
    editable = {item.id: item.record.name for item in listed if item.editable}
    if editable:
        with st.expander("Remove an intervention"):
            chosen_id = st.selectbox("Intervention", list(editable), format_func=editable.get)
            if st.button("Remove", key="remove_intervention"):
                interventions.remove(page.principal, chosen_id)
                st.rerun()

st.header("Evaluate")
by_id = {item.id: item for item in listed}
chosen_ids = st.multiselect(
    "Interventions to evaluate side by side",
    list(by_id),
    default=list(by_id)[: W.MAX_EVALUATED],
    format_func=lambda i: by_id[i].record.name,
    max_selections=W.MAX_EVALUATED,
    key="ww_chosen",
)
mode = st.radio(
    "Compare with",
    list(W.COMPARISON_CHOICES),
    format_func=W.COMPARISON_CHOICES.get,
    horizontal=True,
    key="ww_mode",
)
picked = None
if mode == W.CHOSEN:
    picked = st.multiselect(
        "Comparison areas (MSOAs)",
        list(msoa_names),
        format_func=msoa_names.get,
        max_selections=40,
        key="ww_areas",
    )
if not chosen_ids:
    st.info("Choose interventions to evaluate.")
    st.stop()

as_at = date.fromisoformat(page.meta.get("as_at", "2022-03-31"))
records = [item.record for item in listed]
results, weeklies = [], []
for intervention_id in chosen_ids:
    result, weekly = interventions.evaluate(
        page.principal,
        by_id[intervention_id].record,
        records,
        picked,
        page.version,
        page.rule,
        as_at,
    )
    results.append(result)
    weeklies.append(weekly)

st.markdown("**Side by side**")
# A short table read whole: it wraps rather than cutting the costs off at 1366x768.
render.whole_table(W.side_by_side(results))
st.caption(
    "Additional first doses and costs per additional vaccination are model estimates from the"
    " weekly counts (not counts; docs/disclosure.md); the chart below is drawn from"
    " disclosure-controlled counts."
)

one = st.selectbox(
    "Look at one",
    range(len(results)),
    format_func=lambda i: results[i].record.name,
    key="ww_one",
)
item = results[one]
st.markdown(W.summary(item, names))
if item.chart is not None:
    draw(
        evaluation_charts.before_after,
        item.chart,
        item.record.start,
        item.record.end,
        width="stretch",
    )
if item.estimate is not None:
    against = W.comparison_names(item, names)
    if against:
        st.markdown(f"Comparison areas: {against}.")
    with st.expander(f"How this was worked out: {E.METHODS[item.estimate.method].lower()}"):
        st.markdown(E.ASSUMPTIONS[item.estimate.method])
    seen = observed(item.record, item.estimate, weeklies[one], page.rule)
    if seen is not None:
        st.markdown("**Use what we observed**")
        st.markdown(
            f"Share reached {100 * seen.reach:.1f}%: the group's unvaccinated people who lived"
            f" in its areas at the start ({seen.unvaccinated_in_areas:,} of"
            f" {seen.unvaccinated_everywhere:,}). Conversion {100 * seen.conversion.central:.1f}%"
            f" ({100 * seen.conversion.low:.1f}% to {100 * seen.conversion.high:.1f}%): the"
            " additional first doses per unvaccinated person of the group in its areas. Realised"
            f" cost per additional vaccination {W.cost_text(seen.cost)}. A business case for the"
            " same group then adds what this intervention added, if it works again as it did."
        )
        if mode == W.CHOSEN:
            st.caption(
                "The business case uses matched comparison areas, not the areas chosen here."
            )
        st.page_link(
            pages.page("business_case"),
            label="Open the business case with these observed figures",
            icon=":material/request_quote:",
            query_params=observed_link(chosen_ids[one], item.record),
        )

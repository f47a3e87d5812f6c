"""Business case: cost and equity effect of one or two interventions for the current cohort."""

from datetime import date

import streamlit as st

from components import data, interventions, map_data, pages, presentation, render
from components.charts import draw
from components.frame import download, open_page
from phm.access import Capability, Refused, can
from phm.analysis import business_case as bc
from phm.analysis import what_worked as W
from phm.analysis.comparators import RULE, comparator_for
from phm.analysis.summaries import protected_uptake
from phm.disclosure import format_count
from phm.interventions import plans
from phm.output import brief as briefs
from phm.text import escape_markdown

page = open_page("Business case")

group = protected_uptake(
    data.uptake_by(page.principal, page.cohort, (), page.version), page.rule
).iloc[0]
compared = comparator_for(page.cohort, page.meta)
comparator, comparator_name = compared.cohort, compared.words
target = bc.target_from(
    group,
    protected_uptake(data.uptake_by(page.principal, comparator, (), page.version), page.rule).iloc[
        0
    ],
    protected_uptake(
        data.uptake_by(page.principal, page.cohort, ("imd_quintile",), page.version), page.rule
    ),
    protected_uptake(
        data.uptake_by(page.principal, comparator, ("imd_quintile",), page.version), page.rule
    ),
)
if target is None:
    st.info(
        "This cohort is too small to cost (its counts are suppressed) or has no one in it."
        " Widen the cohort in the sidebar.",
        icon=":material/info:",
    )
    render.suppression_note()
    st.stop()

columns = st.columns(3)
columns[0].metric(
    "Unvaccinated in the target group",
    format_count(group["unvaccinated"], bool(group["unvaccinated_suppressed"]), page.rule),
)
columns[1].metric("Uptake of the target group", f"{target.group.uptake():.1f}%")
columns[2].metric(
    "Uptake of the comparator",
    f"{target.comparator.uptake():.1f}%",
    help=f"{comparator_name[:1].upper()}{comparator_name[1:]}: the caption below says why.",
)
st.caption(f"Compared with {compared.figure(target.comparator.uptake())}. {RULE}")

# A link (scenario, finding, outreach plan) may name the interventions: ?intervention=bus
from_url = bc.interventions_from_url(st.query_params.get_all(bc.INTERVENTION_PARAM))
if from_url and from_url != st.session_state.get("_bc_url_choice"):
    st.session_state["bc_interventions"] = from_url
st.session_state.setdefault("bc_interventions", list(bc.DEFAULT_CHOICE))
chosen = st.multiselect(
    "Interventions (one or two, side by side)",
    list(bc.INTERVENTIONS),
    format_func=lambda key: bc.INTERVENTIONS[key].name,
    max_selections=bc.MAX_CHOICES,
    key="bc_interventions",
)
st.session_state["_bc_url_choice"] = list(chosen)
if st.query_params.get_all(bc.INTERVENTION_PARAM) != list(chosen):
    st.query_params[bc.INTERVENTION_PARAM] = list(chosen)
# A plan (e.g. 10 pop-up sites, 3 bus days) may give the number of units: ?popup_units=10
url_units, url_warnings = bc.units_from_url({k: st.query_params.get_all(k) for k in bc.URL_PARAMS})
for warning in url_warnings:
    st.warning(escape_markdown(warning), icon=":material/link_off:")
for key, number in url_units.items():
    if st.session_state.get(f"_bc_url_units_{key}") != number:
        st.session_state[f"_bc_url_units_{key}"] = number
        st.session_state[f"bc_{key}_units"] = number
# What worked may link here with an evaluated intervention: ?observed=<its register id>
observed = None
observed_id = st.query_params.get(bc.OBSERVED_PARAM)
if observed_id:
    observed, problem = interventions.observed_by_id(
        page.principal, observed_id, page.meta, page.version, page.rule
    )
    if problem:
        st.warning(escape_markdown(problem), icon=":material/link_off:")
        del st.query_params[bc.OBSERVED_PARAM]  # not used, so not passed on by Copy link
if observed is not None and st.session_state.get("_bc_observed") != observed_id:
    # Seed the inputs once per link; later edits are the user's own.
    st.session_state["_bc_observed"] = observed_id
    seeded = observed.apply(bc.INTERVENTIONS[observed.record.kind])
    for scenario in bc.SCENARIOS:
        kind = observed.record.kind
        st.session_state[f"bc_{kind}_reach_{scenario}"] = 100 * seeded.reach.get(scenario)
        st.session_state[f"bc_{kind}_conversion_{scenario}"] = 100 * seeded.conversion.get(scenario)
if not chosen:
    st.info("Choose an intervention to cost.", icon=":material/info:")
    st.stop()


def _share_inputs(column, key: str, label: str, value: bc.Range) -> bc.Range:
    """Draw low/central/high inputs of one share (in %) and return them as a sorted Range."""
    column.markdown(f"**{label}** (%)")
    parts = column.columns(3)
    for scenario in bc.SCENARIOS:  # seeded here or by a link to observed figures
        st.session_state.setdefault(f"bc_{key}_{scenario}", 100 * value.get(scenario))
    values = [
        parts[i].number_input(
            scenario,
            min_value=0.0,
            max_value=100.0,
            step=1.0,
            format="%.1f",
            key=f"bc_{key}_{scenario}",
        )
        / 100
        for i, scenario in enumerate(bc.SCENARIOS)
    ]
    if values != sorted(values):
        column.caption("Low, central and high were out of order; they are used sorted.")
    low, central, high = sorted(values)
    return bc.Range(low, central, high)


outcomes = []
for column, key in zip(st.columns(len(chosen)), chosen, strict=True):
    default = bc.INTERVENTIONS[key]
    with column:
        st.header(default.name)
        st.caption(default.description)
        cost = st.number_input(
            f"Cost per {default.unit} (£)",
            min_value=0.0,
            value=default.cost_per_unit,
            step=100.0,
            format="%.0f",
            key=f"bc_{key}_cost",
            help=default.source("cost_per_unit"),
        )
        st.session_state.setdefault(f"bc_{key}_units", default.units)
        units = st.number_input(
            f"Number of {default.unit}s",
            min_value=0,
            max_value=bc.MAX_UNITS,
            step=1,
            key=f"bc_{key}_units",
        )
        if bc.units_param(key) in st.query_params and int(units) != url_units.get(key):
            # Keep a plan's number in the URL in step with edits, so Copy link shares them.
            st.query_params[bc.units_param(key)] = str(int(units))
            st.session_state[f"_bc_url_units_{key}"] = int(units)
        capacity = st.number_input(
            f"Capacity: most additional vaccinations per {default.unit} (0 = no limit)",
            min_value=0.0,
            value=default.capacity_per_unit or 0.0,
            step=1.0,
            format="%.0f",
            key=f"bc_{key}_capacity",
            help=default.source("capacity_per_unit"),
        )
        reach = _share_inputs(
            st, f"{key}_reach", "Share of the unvaccinated reached", default.reach
        )
        conversion = _share_inputs(
            st, f"{key}_conversion", "Conversion among those reached", default.conversion
        )
        intervention = default.with_(
            cost_per_unit=float(cost),
            units=int(units),
            capacity_per_unit=float(capacity) or None,
            reach=reach,
            conversion=conversion,
        )
        if observed is not None and key == observed.record.kind:
            if observed.matches(reach, conversion):
                intervention = observed.apply(intervention)
                st.info(
                    f"Reach and conversion: {escape_markdown(observed.source)}"
                    f" (reach {100 * observed.reach:.1f}%, conversion"
                    f" {100 * observed.conversion.central:.1f}%; its realised cost per"
                    f" additional vaccination was {W.cost_text(observed.cost)}).",
                    icon=":material/verified:",
                )
            else:
                st.caption(
                    "Reach and conversion were edited: they are no longer the figures"
                    f" {escape_markdown(observed.source).replace('Observed', 'observed', 1)}."
                )
        outcome = bc.evaluate(intervention, target)
        outcomes.append(outcome)
        per = outcome.cost_per_vaccination
        st.metric(
            "Cost per additional vaccination (central)",
            "–" if per is None else f"£{per.central:,.0f}",
        )
        st.metric(
            "Additional vaccinations (central)",
            f"{round(outcome.additional.central):,}",
            help="Low to high: "
            f"{round(outcome.additional.low):,} to {round(outcome.additional.high):,}",
        )
        st.caption(
            "Assumptions are labelled 'Assumption — replace with local figures' unless a"
            " source is given (hover the ? of each input)."
        )

st.header("Results")
# Tables a committee reads whole: they wrap rather than cut a column off, and grow when presenting.
render.whole_table(briefs.results_table(outcomes))
draw(briefs.impact_chart, outcomes, target.comparator.uptake())
with st.expander("Assumptions and their sources"):
    render.whole_table(briefs.assumptions_table(outcomes))
with st.expander("Caveats"):
    for caveat in briefs.CAVEATS:
        st.markdown(f"- {caveat}")

areas, area_legend, _ = map_data.area_map(page.cohort, "msoa", "uptake", page.rule, page.version)
areas = areas.assign(polygon=map_data.shape_polygons("msoa", page.version))
with st.expander("Map in the brief: the target group's uptake by MSOA"):
    draw(briefs.area_map_chart, areas, area_legend, "Uptake of the target group (%)")
brief = briefs.Brief(
    cohort=page.cohort.describe(page.names),
    comparator=f"{comparator_name}: {comparator.describe(page.names)}",
    dataset=page.meta.get("name", "Dataset"),
    kind=page.meta.get("kind", "unknown"),
    as_at=page.meta.get("as_at", "unknown"),
    rule=page.rule.describe(),
    outcomes=tuple(outcomes),
    comparator_uptake=target.comparator.uptake(),
    made_on=date.today(),
    areas=areas,
    area_legend=tuple(area_legend),
    area_title="Uptake of the target group (%) by MSOA",
)
left, right = st.columns(2)
download(
    "Download brief (HTML)",
    data=lambda: briefs.to_html(brief),
    file_name="business-case.html",
    mime="text/html",
    icon=":material/download:",
    where=left,
)
download(
    "Download brief (PDF)",
    data=lambda: briefs.to_pdf(brief),
    file_name="business-case.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    where=right,
)
if can(page.principal, Capability.RECORD_INTERVENTIONS):
    with (
        st.expander("Record as an intervention"),
        st.form("bc_record", clear_on_submit=False),
    ):
        st.caption(
            "Adds the interventions costed here to the register on What worked, for this"
            " cohort in its areas (choose a borough, MSOAs or LSOAs in the sidebar), to"
            " evaluate once they have run."
        )
        first, last = st.columns(2)
        start = first.date_input("Start", key="bc_record_start", format="DD/MM/YYYY")
        end = last.date_input("End", key="bc_record_end", format="DD/MM/YYYY")
        if st.form_submit_button("Record", icon=":material/add_task:"):
            places = map_data.lsoas(page.version)
            try:  # every record is checked before any is stored
                records = [
                    plans.from_business_case(
                        key=outcome.intervention.key,
                        units=outcome.intervention.units,
                        cost_gbp=outcome.cost,
                        cohort=page.cohort,
                        lsoa_msoa=dict(zip(places["lsoa_code"], places["msoa_code"], strict=True)),
                        borough_msoas=places.groupby("lad_code")["msoa_code"].unique().to_dict(),
                        start=start,
                        end=end,
                    )
                    for outcome in outcomes
                ]
                for record in records:
                    interventions.save(page.principal, record, page="business_case")
            except (ValueError, Refused) as problem:
                st.error(f"Not recorded: {escape_markdown(str(problem))}")
            else:
                st.success(
                    f"Recorded {len(outcomes)} intervention(s) in the register.",
                    icon=":material/check_circle:",
                )
                st.page_link(
                    pages.page("what_worked"),
                    label="See it on What worked",
                    icon=":material/verified:",
                )
presentation.copy_link("business_case")
render.suppression_note()

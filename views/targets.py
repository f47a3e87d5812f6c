"""Find target groups: where uptake is lowest, for whom, with the most people left to reach."""

from dataclasses import replace

import streamlit as st

from components import data, pages, presentation, render, url_state
from components.frame import download, open_page
from phm import codes
from phm.analysis import comparators, explore, quality, targeting
from phm.analysis.comparators import comparator_for
from phm.analysis.summaries import protected_uptake, shown_uptake
from phm.levels import FINDER_LEVELS, LEVELS
from phm.output import exports
from phm.text import escape_markdown

page = open_page("Find target groups", show_cohort=False)
PARAMS = targeting.FINDER_PARAMS
FLAGS_CHOICE = "flags"
kinds = {**targeting.CHARACTERISTICS, FLAGS_CHOICE: "Clinical and social flags"}

left, right, adults_box = st.columns([2, 1, 2])
if explore.adults_by_default(page.cohort):
    url_state.seed("targets_adults", PARAMS["adults"], bool)
    adults = adults_box.toggle(
        "Adults only (18 and over)",
        value=True,
        key="targets_adults",
        help="The finder starts with adults: children were offered vaccination late and"
        " narrowly, so with all ages the list would be nothing but under-18s.",
    )
    url_state.write(PARAMS["adults"], adults)
    if adults:
        page = page.with_cohort(page.cohort.with_(age_min=18))
render.cohort_sentence(page.description)
url_state.seed("targets_level", PARAMS["level"], str, list(FINDER_LEVELS))
level = left.segmented_control(
    "Places",
    list(FINDER_LEVELS),
    format_func=lambda key: LEVELS[key].label,
    default="msoa",
    key="targets_level",
    selection_mode="single",
    required=True,
)
url_state.write(PARAMS["level"], level)
url_state.seed("targets_min_size", PARAMS["min_size"], int, (20, 5000))
min_size = right.number_input(
    "Smallest group", min_value=20, max_value=5000, value=50, step=10, key="targets_min_size"
)
url_state.write(PARAMS["min_size"], int(min_size))
url_state.seed("targets_by", PARAMS["by"], "many", list(kinds))
chosen = st.multiselect(
    "Look for groups by",
    list(kinds),
    default=list(kinds),
    format_func=kinds.get,
    key="targets_by",
)
url_state.write(PARAMS["by"], chosen)
sort_box, distinct_box = st.columns([2, 3])
url_state.seed("targets_order", PARAMS["order"], str, list(targeting.ORDERS))
order = sort_box.segmented_control(
    "Sort by",
    list(targeting.ORDERS),
    format_func=targeting.ORDERS.get,
    default="excess",
    key="targets_order",
    selection_mode="single",
    required=True,
)
url_state.write(PARAMS["order"], order)
url_state.seed("targets_areas", PARAMS["distinct"], bool)
areas = distinct_box.toggle(
    "Include area-like groups",
    value=False,
    key="targets_areas",
    help=f"Off: groups that are more than {targeting.MAX_SHARE_OF_PLACE:.0%} of their place's"
    " people are left out (they are the place, not a community in it), and each place gives"
    f" at most {targeting.PER_PLACE} findings. On: every group clearly below the comparator.",
)
url_state.write(PARAMS["distinct"], areas)

compared = comparator_for(page.cohort, page.meta)
comparator = protected_uptake(
    data.uptake_by(page.principal, compared.cohort, (), page.version), page.rule
).iloc[0]
comparator_pct = shown_uptake(comparator)
choice = targeting.Choice(
    characteristics=tuple(c for c in targeting.CHARACTERISTICS if c in chosen),
    flags=FLAGS_CHOICE in chosen,
    distinct=not areas,
    order=order or "excess",
)
benchmark_rate = None if comparator_pct is None else comparator_pct / 100


def findings_for(choice: targeting.Choice):
    """Return the ranked findings, overall uptake and rate of one choice (the scan is cached)."""
    return data.target_findings(
        page.principal, page.cohort, level, int(min_size), benchmark_rate, choice, page.version
    )


with st.spinner("Scanning every group in every place..."):
    ranked, overall, overall_rate = findings_for(choice)
fell_back = choice.distinct and ranked.empty
if fell_back:  # small places (e.g. MSOAs of a small cohort): every group is most of its place
    choice = replace(choice, distinct=False)
    ranked, overall, overall_rate = findings_for(choice)

dose_label = codes.DOSES[page.cohort.dose].lower()
if not overall["population_suppressed"] and overall["population"] == 0:
    st.info("No one in this cohort: widen the filters in the sidebar.")
    st.stop()
if overall["uptake_suppressed"] or comparator_pct is None:
    st.info("This cohort is too small to show (small-number suppression).")
    st.stop()
benchmark = compared.figure(comparator_pct)
findings = targeting.present(ranked, page.cohort, level, overall_rate, page.rule)
ordering = (
    "ranked by **excess unvaccinated**: the people who would be vaccinated if the group had"
    " the comparator's uptake"
    if choice.order == "excess"
    else "lowest uptake first"
)
distinct_words = (
    f" Groups that are most of their place are left out, and each place gives at most"
    f" {targeting.PER_PLACE}."
    if choice.distinct
    else (
        f" No group of this size is under {targeting.MAX_SHARE_OF_PLACE:.0%} of its place, so"
        " area-like groups are listed too."
        if fell_back
        else ""
    )
)
st.markdown(
    f"**{len(findings)} groups** in which {dose_label} uptake is lower than {benchmark}"
    f" with 95% confidence, {ordering}. Each group is one"
    " characteristic or a pair (ethnicity, broad ethnic group, first language, age band, IMD"
    f" quintile, each clinical or social flag) within one {LEVELS[level].label}, with"
    f" at least {int(min_size)} people.{distinct_words} Open one in Explore, on the Map, or"
    " cost outreach to it in a business case."
)
st.caption(comparators.RULE)
if not findings:
    st.success("No group of this size has uptake clearly below the comparator's.")
# Where each finding can be opened: page, link label, icon and what the link does.
FINDING_LINKS = (
    ("explore", "Explore", ":material/layers:", "Open Explore filtered to finding {}"),
    ("map", "Map", ":material/map:", "Map finding {}'s group by LSOA"),
    ("business_case", "Cost", ":material/request_quote:", "Cost outreach to finding {}'s group"),
)
# Findings about ethnicity or language in a place where few records hold it are flagged.
low_completeness = quality.low_by_area(
    quality.protect_completeness(
        data.completeness(
            page.principal,
            quality.without_recorded_filters(page.cohort),
            level,
            page.version,
            quality.CAVEAT_MEASURES,
        ),
        page.rule,
    )
)
for finding in findings:
    words, *links = st.columns([10, 2, 2, 2], vertical_alignment="center")
    words.markdown(f"**{finding.rank}.** {finding.sentence(benchmark)}")
    caveat = quality.finding_caveat(finding.dimensions, finding.place_code, low_completeness)
    if caveat:
        words.caption(f":material/warning: {escape_markdown(caveat)}")
    link_params = finding.cohort.to_query_params()
    for column, (name, label, icon, purpose) in zip(links, FINDING_LINKS, strict=True):
        column.page_link(
            pages.page(name),
            label=label,
            icon=icon,
            query_params=link_params,
            help=purpose.format(finding.rank),
        )
table = explore.findings_table(findings)
header = explore.export_header(
    page.description,
    page.meta,
    page.rule,
    codes.DOSES[page.cohort.dose],
    f"Target groups by {level}",
)
download(
    "Download findings (CSV)",
    exports.to_csv(table, header),
    file_name="target-groups.csv",
    mime="text/csv",
    icon=":material/download:",
)
render.suppression_note()
presentation.copy_link("targets")

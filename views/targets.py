"""Find target groups: where uptake is lowest, for whom, with the most people left to reach."""

import streamlit as st

from components import data, pages, render
from components.frame import download, open_page
from phm import codes
from phm.analysis import explore, targeting
from phm.levels import FINDER_LEVELS, LEVELS
from phm.output import exports

page = open_page("Find target groups", show_cohort=False)

left, right, adults_box = st.columns([2, 1, 2])
if explore.adults_by_default(page.cohort) and adults_box.toggle(
    "Adults only (18 and over)", value=True, key="targets_adults"
):
    page = page.with_cohort(page.cohort.with_(age_min=18))
render.cohort_sentence(page.description)
level = left.segmented_control(
    "Places",
    list(FINDER_LEVELS),
    format_func=lambda key: LEVELS[key].label,
    default="msoa",
    key="targets_level",
    selection_mode="single",
    required=True,
)
min_size = right.number_input(
    "Smallest group", min_value=20, max_value=5000, value=50, step=10, key="targets_min_size"
)
FLAGS_CHOICE = "flags"
kinds = {**targeting.CHARACTERISTICS, FLAGS_CHOICE: "Clinical and social flags"}
chosen = st.multiselect(
    "Look for groups by",
    list(kinds),
    default=list(kinds),
    format_func=kinds.get,
    key="targets_by",
)
scanned = tuple(c for c in targeting.CHARACTERISTICS if c in chosen)
with st.spinner("Scanning every group in every place..."):
    ranked, overall = data.targets(
        page.principal,
        page.cohort,
        level,
        int(min_size),
        scanned,
        FLAGS_CHOICE in chosen,
        page.version,
    )

dose_label = codes.DOSES[page.cohort.dose].lower()
if not overall["population_suppressed"] and overall["population"] == 0:
    st.info("No one in this cohort: widen the filters in the sidebar.")
    st.stop()
if overall["uptake_suppressed"]:
    st.info("This cohort is too small to show (small-number suppression).")
    st.stop()
overall_rate = float(overall["uptake_pct"]) / 100
benchmark = explore.benchmark_words(float(overall["uptake_pct"]), page.cohort, page.meta)
findings = targeting.present(ranked, page.cohort, level, overall_rate, page.rule)
st.markdown(
    f"**{len(findings)} groups** in which {dose_label} uptake is lower than the cohort's"
    f" {benchmark} with 95% confidence, ranked by **excess unvaccinated**: the people who"
    " would be vaccinated if the group had the cohort's uptake. Each group is one"
    " characteristic or a pair (ethnicity, broad ethnic group, first language, age band, IMD"
    f" quintile, each clinical or social flag) within one {LEVELS[level].label}, with"
    f" at least {int(min_size)} people. Open one in Explore, on the Map, or cost outreach to it"
    " in a business case."
)
if not findings:
    st.success("No group of this size has uptake clearly below the cohort's.")
# Where each finding can be opened: page, link label, icon and what the link does.
FINDING_LINKS = (
    ("explore", "Explore", ":material/layers:", "Open Explore filtered to finding {}"),
    ("map", "Map", ":material/map:", "Map finding {}'s group by LSOA"),
    ("business_case", "Cost", ":material/request_quote:", "Cost outreach to finding {}'s group"),
)
for finding in findings:
    words, *links = st.columns([10, 2, 2, 2], vertical_alignment="center")
    words.markdown(f"**{finding.rank}.** {finding.sentence(benchmark)}")
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

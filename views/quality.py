"""Data quality: recording completeness by practice, PCN and borough, linkage, sensitivity, feedback."""

import streamlit as st

from components import data, render
from components.charts import draw
from components.frame import download, open_page
from phm import codes
from phm.analysis import quality
from phm.levels import LEVELS
from phm.output import quality as quality_output
from phm.text import escape_markdown

page = open_page("Data quality")
st.caption(
    "How far the figures can be trusted: how many people's records hold their ethnicity, first"
    " language and each flag. Ethnicity counts as recorded when the record holds an ethnic"
    " category or 'not stated' (an answer); 'not known' (99) is missing. A flag cannot be told"
    " apart from 'not recorded', so its recorded prevalence is compared instead: a practice far"
    " below the ICS may be under-recording."
)

raw = {
    level: data.completeness(page.principal, page.cohort, level, page.version)
    for level in ("ics", "practice", "pcn", "borough")
}
shown = {level: quality.protect_completeness(frame, page.rule) for level, frame in raw.items()}
ics = shown["ics"]
if ics.empty:
    st.info("No one in this cohort, or too few to break down: nothing to show.")
    render.suppression_note()
    st.stop()

for column, (label, value, detail) in zip(st.columns(3), quality.ics_summary(ics), strict=True):
    column.metric(label, value)
    column.caption(detail)

measures = quality.measure_choices()
measure = st.selectbox(
    "Completeness of",
    list(measures),
    format_func=measures.get,
    key="dq_measure",
)
label = measures[measure]

tab_practices, tab_areas, tab_linkage, tab_sensitivity, tab_feedback = st.tabs(
    ["Practices", "PCNs and boroughs", "Linkage", "Sensitivity", "Practice feedback"]
)
with tab_practices:
    funnel = quality.funnel(shown["practice"], ics, measure)
    if funnel is None:
        st.info("No practice, or the ICS figure, can be shown for this measure.")
    else:
        st.markdown(
            f"**{escape_markdown(label)}: each practice against the ICS"
            f" ({funnel.target_pct:.1f}%).** Dashed lines: 95% and 99.8% limits"
            + (
                ", widened for the real variation between practices (Spiegelhalter)."
                if funnel.overdispersed
                else "."
            )
        )
        draw(quality_output.funnel_chart, funnel, label, width="stretch")
    table = quality.ranked(shown["practice"], measure, None if funnel is None else funnel.points)
    st.markdown("**Practices, lowest completeness first**")
    render.grid(table)
    download(
        "Download the table (CSV)",
        quality.ranked_csv(table, page.meta, page.description, page.rule, label),
        "data_quality_practices.csv",
        "text/csv",
        records=len(table),
    )

with tab_areas:
    for level in ("pcn", "borough"):
        st.markdown(f"**{LEVELS[level].label}s, lowest completeness first**")
        render.grid(quality.ranked(shown[level], measure))

with tab_linkage:
    linkage = quality.linkage_table(shown["practice"])
    st.markdown(
        "**Ethnicity from GP records alone, and with linked hospital records.** 'Added' is how"
        " many people a linked record gave an ethnicity the GP record lacked."
    )
    if linkage.empty:
        st.info("No practice can be shown.")
    else:
        draw(quality_output.linkage_chart, linkage, width="stretch")
        render.grid(quality.linkage_display(linkage))
    st.markdown("**People each source gave an ethnicity to, across the cohort**")
    render.grid(quality.sources_display(ics))

with tab_sensitivity:
    adults = page.cohort
    result = quality.sensitivity_of(
        data.uptake_by(page.principal, adults, ("ethnic_group",), page.version),
        "ethnic_group",
        page.rule,
        {},
    )
    if result is None:
        st.info("Too few people to break this cohort down by ethnic group.")
    else:
        st.markdown(
            f"**Uptake ({escape_markdown(codes.DOSES[page.cohort.dose].lower())}) by ethnic"
            " group under extreme assumptions about the people with no known ethnic group.**"
            f" {escape_markdown(result.words)} Gaps are to the group with the highest uptake as"
            " recorded."
        )
        render.grid(result.summary)
        render.grid(quality.scenario_display(result.scenarios))

with tab_feedback:
    practices = shown["practice"]
    choices = quality.practice_choices(practices)
    if not choices:
        st.info("No practice can be shown.")
        st.stop()
    worst = quality.worst_area(practices)
    code = st.selectbox(
        "Practice (lowest GP-only ethnicity completeness first)",
        list(choices),
        format_func=choices.get,
        index=0 if worst is None else list(choices).index(worst[0]),
        key="dq_practice",
    )
    fb = quality.feedback(code, practices, shown["pcn"], ics, data.practice_pcns(page.version))
    if fb is None:
        st.info("This practice cannot be shown.")
        st.stop()
    report = quality_output.FeedbackReport(
        fb,
        page.meta.get("name", ""),
        page.meta.get("kind", ""),
        page.meta.get("as_at", ""),
        page.rule.describe(),
    )
    st.header(report.title)
    for name, value in report.key_figures():
        st.markdown(f"- {escape_markdown(name)}: **{escape_markdown(value)}**")
    render.grid(fb.table)
    left, right = st.columns(2)
    download(
        "Feedback report (HTML)",
        quality_output.feedback_html(report),
        f"feedback_{code}.html",
        "text/html",
        where=left,
    )
    download(
        "Feedback report (PDF)",
        quality_output.feedback_pdf(report),
        f"feedback_{code}.pdf",
        "application/pdf",
        where=right,
    )

"""Patients to invite: a practice's own patients due a dose, with reasons, worklists and exports."""

from datetime import UTC, datetime

import streamlit as st

from components import data, render, url_state
from components.frame import download, open_page
from phm import codes
from phm.directcare import exports, rules
from phm.text import escape_markdown

page = open_page("Patients to invite")
principal = page.principal
synthetic = page.meta.get("kind") == "synthetic"
st.info(
    "**Identifiable data for direct care.** Only staff of this practice can open this page;"
    " every view and every download is recorded in the audit log with the number of people"
    " in it."
    + (
        " These people are invented (synthetic data): test-range NHS numbers, Ofcom drama-range"
        " mobiles."
        if synthetic
        else ""
    ),
    icon=":material/shield_person:",
)

st.header("Your practice against your PCN and the ICS")
bench = data.practice_benchmark(principal, page.cohort)
render.grid(render.display_table(bench, "area", "Area"))
st.caption(
    f"{escape_markdown(page.description)}: the same people in your PCN and across the ICS."
    f" Uptake of the {codes.DOSES[page.cohort.dose].lower()} with a 95% interval;"
    f" counts protected as on every population page ({page.rule.describe()})."
)

st.header("Who is due a dose")
labels = list(rules.DUE.values())
by_label = {label: code for code, label in rules.DUE.items()}
url_state.seed("patients_due", "due", "many", list(rules.DUE))
if "patients_due" in st.session_state:
    st.session_state["patients_due_labels"] = [
        rules.DUE[c] for c in st.session_state.pop("patients_due") if c in rules.DUE
    ]
chosen = st.multiselect(
    "Due for",
    labels,
    default=labels,
    key="patients_due_labels",
    help="Second dose: at least 8 weeks after the first (12 weeks under 18). Booster: cohorts"
    " 1-9 from 16 Sep 2021 six months after the second dose; everyone 18 and over from 29 Nov"
    " 2021 three months after it.",
)
dues = tuple(by_label[label] for label in chosen)
url_state.write("due", list(dues))
st.caption(
    "Narrow the list with the sidebar (age, characteristics such as housebound, places):"
    " it is the cohort above, in your practice."
)
if not dues:
    st.info("Choose at least one dose to list the people due it.")
    st.stop()

worklist = data.worklist(principal, page.cohort, dues)
people = worklist.people
counts = people["due"].value_counts()
columns = st.columns(len(dues) + 1)
columns[0].metric("People due", f"{len(people):,}")
for column, code in zip(columns[1:], dues, strict=True):
    column.metric(rules.DUE[code], f"{int(counts.get(code, 0)):,}")
if worklist.deceased_left_out:
    st.caption(
        f"{worklist.deceased_left_out:,} people recorded as deceased on the Spine but still"
        " registered were left out; please update their records."
    )

made_at = datetime.now(UTC)
lines = exports.watermark(principal, worklist, page.meta, made_at)
# Each worklist: tab name, what it holds, the table, its file's text, its file's kind.
worklists = (
    (
        "Call list",
        "Everyone due, by priority: JCVI cohort first, then more long-term conditions, then age.",
        call := exports.call_list(worklist),
        exports.list_csv(call, lines),
        "call-list",
    ),
    (
        "Home visits",
        "Housebound people due a dose, by priority, with their postcodes for planning visits.",
        home := exports.home_visits(worklist),
        exports.list_csv(home, lines),
        "home-visits",
    ),
    (
        "SMS batch",
        "For your messaging tool's batch upload (NHS number, date of birth, mobile, name):"
        " people due with a mobile who have not declined text messages. The file name records"
        " who made it and when; the audit log keeps its fingerprint.",
        sms := exports.sms_batch(worklist),
        exports.sms_csv(sms),
        "sms-batch",
    ),
)
DOWNLOAD_LABELS = {
    "call-list": "Download the call list (CSV)",
    "home-visits": "Download the home-visit list (CSV)",
    "sms-batch": "Download the SMS batch (CSV)",
}
tabs = st.tabs([f"{name} ({len(table):,})" for name, _, table, _, _ in worklists])
for tab, (_, caption, table, text, kind) in zip(tabs, worklists, strict=True):
    with tab:
        st.caption(caption)
        render.grid(table)
        download(
            DOWNLOAD_LABELS[kind],
            text,
            exports.file_name(kind, principal, made_at, synthetic),
            "text/csv",
            icon=":material/download:",
            key=f"patients-{kind}",
            records=len(table),
        )

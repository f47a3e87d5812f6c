"""Audit log: who did what and when, filtered and downloaded (administrator only)."""

from datetime import date, timedelta

import streamlit as st

from components import render, signin
from components.frame import download, open_info_page
from phm.access.grants import verify_log
from phm.audit import log
from phm.audit.pages import entries_csv, filter_choices, read_entries

open_info_page("Audit log")
path = signin.audit_path()
check = verify_log(path)
if check.ok:
    st.success(f"Chain verified. {check.describe()}", icon=":material/verified:")
else:
    st.error(f"The audit log fails verification. {check.describe()}", icon=":material/gpp_bad:")
st.caption(
    "Keep the head (count and last hash) somewhere else, e.g. the weekly refresh's ticket: the"
    " chain proves entries were not changed, the head proves none were cut off the end."
)

choices = filter_choices(path)
any_ = "(any)"
user_col, org_col, page_col, dates_col = st.columns(4)
user = user_col.selectbox("User (pseudonymous id)", [any_, *choices["user_id"]], key="audit_user")
org = org_col.selectbox("Organisation", [any_, *choices["org_code"]], key="audit_org")
page = page_col.selectbox("Page", [any_, *choices["page"]], key="audit_page")
today = date.today()
dates = dates_col.date_input(
    "Dates (UTC)", (today - timedelta(days=30), today), key="audit_dates", format="YYYY-MM-DD"
)
start, end = (dates[0], dates[-1]) if isinstance(dates, tuple) and dates else (None, None)
kinds = st.multiselect("Kinds of entry", [str(k) for k in log.EventKind], key="audit_kinds")

filters = {
    "user_id": None if user == any_ else user,
    "org_code": None if org == any_ else org,
    "page": None if page == any_ else page,
}
entries = read_entries(path, **filters, kinds=tuple(kinds), start=start, end=end)
described = "; ".join(
    [f"{k}={v}" for k, v in filters.items() if v]
    + ([f"kinds={','.join(kinds)}"] if kinds else [])
    + ([f"from {start} to {end}"] if start else [])
)
st.write(f"{len(entries):,} entries, newest first (at most 5,000 shown).")
render.grid(entries)
download(
    "Download entries (CSV)",
    entries_csv(entries, described),
    "audit-log.csv",
    "text/csv",
    icon=":material/download:",
    records=len(entries),
)

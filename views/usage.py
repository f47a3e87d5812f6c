"""Usage: who used the app, when, from which kinds of organisation, for what (administrator, lead)."""

import streamlit as st

from components import data, signin
from components.charts import draw
from components.frame import download, open_info_page
from phm.analysis.usage import has_synthetic_usage, usage_csv, usage_report
from phm.output import usage_charts

open_info_page("Usage")
path = signin.audit_path()
rule = data.disclosure_rule()
report = usage_report(path, rule)
synthetic = has_synthetic_usage(path)
if synthetic:
    st.warning(
        "**Synthetic usage, generated for the demo**: a made-up year of 289 people in six kinds"
        " of organisation, shaped like North Central London's evaluation. Real use of this"
        " server is added after it.",
        icon=":material/science:",
    )
st.caption(
    "Counts of people and events are protected like every count in the app"
    f" ({rule.describe()}); people are counted by pseudonymous ids only."
)


def table_download(name: str, title: str) -> None:
    """Offer one usage table as CSV."""
    download(
        f"Download {title.lower()} (CSV)",
        usage_csv(report[name], title, rule, synthetic),
        f"usage-{name.replace('_', '-')}.csv",
        "text/csv",
        icon=":material/download:",
        key=f"usage-{name}",
        records=len(report[name]),
    )


st.header("Users and events by month")
left, right = st.columns(2)
draw(usage_charts.count_by_month, report["by_month"], "users", "Users", where=left)
draw(usage_charts.count_by_month, report["by_month"], "events", "Events", where=right)
table_download("by_month", "Users and events by month")

st.header("By type of organisation")
draw(usage_charts.users_by_org_type, report["by_org_type"])
table_download("by_org_type", "Users and events by month and organisation type")

st.header("Share of people with access who used it")
st.caption(
    "People with access on any day of the month, from the dates access was granted and"
    " removed; used means signed in, viewed a page or downloaded."
)
draw(usage_charts.share_using, report["share_using"])
table_download("share_using", "Share of people with access who used it")

st.header("Pages, characteristics and exports")
pages_col, characteristics_col = st.columns(2)
draw(
    usage_charts.count_bars,
    report["by_page"],
    "page",
    "events",
    "Page views by page",
    where=pages_col,
)
draw(
    usage_charts.count_bars,
    report["by_characteristic"],
    "characteristic",
    "events",
    "Views narrowed by each filter",
    where=characteristics_col,
)
table_download("by_page", "Page views by page")
table_download("by_characteristic", "Views by characteristic")
draw(usage_charts.count_by_month, report["exports_by_month"], "events", "Exports")
table_download("exports_by_month", "Exports by month")

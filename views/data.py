"""Data: the datasets available, their validation reports, and (for an administrator) which is active."""

from pathlib import Path

import pandas as pd
import streamlit as st

from components import data, render
from phm import settings
from phm.ingest import datasets
from phm.ingest import report as reports

st.title("Data")
render.banner()
live = Path(settings.get("PHM_DB"))
active = data.database_path()
st.markdown(f"**Active dataset:** `{active.name}` in `{live.parent}`")

st.header("Datasets")
table = datasets.dataset_table(live)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={"active": st.column_config.CheckboxColumn("Active")},
)

token = st.text_input(
    "Administrator token",
    type="password",
    key="data_admin_token",
    help="Set PHM_ADMIN_TOKEN on the server to allow switching here.",
)
authorised = datasets.is_authorised(token, settings.get("PHM_ADMIN_TOKEN"))

st.header("Validation reports")
for item in datasets.list_datasets(live):
    if item.report is None:
        continue
    result = reports.read(item.report)
    label = f"{item.path.name}: {result['status']}, {result['errors']} errors, {result['warnings']} warnings"
    with st.expander(label, expanded=item.active):
        counts = pd.DataFrame(
            result["counts"], columns=["severity", "check", "file", "column", "count", "message"]
        )
        st.dataframe(counts, hide_index=True, width="stretch")
        if authorised and result["problems"]:
            st.caption("Rows with problems (values from the extract, shown to administrators only)")
            st.dataframe(pd.DataFrame(result["problems"]), hide_index=True, width="stretch")
        for suffix, mime in ((".md", "text/markdown"), (".html", "text/html")):
            path = item.report.with_suffix(suffix)
            if path.exists():
                st.download_button(
                    f"Download report ({suffix[1:]})",
                    path.read_bytes(),
                    file_name=path.name,
                    mime=mime,
                    key=f"download-{path.name}",
                )
rejected = datasets.rejected_reports(live)
if rejected:
    st.subheader("Refused loads")
    st.caption("These loads were refused; the dataset in use was not changed.")
    for path in rejected[:10]:
        result = reports.read(path)
        with st.expander(f"{path.name}: {result['reason']}"):
            counts = pd.DataFrame(
                result["counts"],
                columns=["severity", "check", "file", "column", "count", "message"],
            )
            st.dataframe(counts, hide_index=True, width="stretch")

st.header("Switch the active dataset")
if not settings.get("PHM_ADMIN_TOKEN"):
    st.info(
        "Switching from the app is off: the server has no PHM_ADMIN_TOKEN. Someone with access to"
        " the server can run `python -m phm datasets --activate NAME.duckdb`.",
        icon=":material/lock:",
    )
elif not authorised:
    st.info("Enter the administrator token above to switch datasets.", icon=":material/lock:")
else:
    choice = st.selectbox("Dataset to make active", list(table["file"]), key="data_choice")
    if st.button("Make active", type="primary", icon=":material/swap_horiz:"):
        datasets.activate(live, choice)
        st.success(f"{choice} is now the active dataset for everyone.")
        st.rerun()

st.header("Load new data")
st.markdown(
    "Loading runs on the server, from files that follow the data contract"
    " (`docs/data-contract.md`); bad files change nothing:"
)
st.code(
    "python -m phm ingest --persons persons.csv --vaccinations vaccinations.parquet \\\n"
    "    --practices practices.csv --sites sites.xlsx --out data/extract-2022-03.duckdb\n"
    "python -m phm import-published vaccinations-MSOA-20210311.csv NIMS-MSOA-population.csv \\\n"
    "    --out data/published-2021-03-07.duckdb\n"
    "python -m phm datasets --activate extract-2022-03.duckdb",
    language="bash",
)

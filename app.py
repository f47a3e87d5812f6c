"""Entrypoint: builds the demo on first start, signs people in, draws the cohort picker, routes.

Nothing of a dataset is drawn before the sign-in gate (components.signin.gate) has a
principal; the navigation lists only the pages the principal may open, and each page's frame
checks again (a direct URL to a page the role may not see shows the refusal).
"""

from datetime import date

import streamlit as st

from components import data, pages, presentation, published_data, queueing, signin
from components.cohort_picker import current_cohort, render_cohort_picker, seed_from_url, sync_url
from components.published_picker import render_published_picker
from components.published_picker import sync_url as sync_published_url  # noqa: I001
from phm import geo, settings
from phm.access import Refused
from phm.audit.log import EventKind
from phm.text import escape_markdown

st.set_page_config(
    page_title="PHM Vaccination Uptake Explorer", page_icon=":material/vaccines:", layout="wide"
)
presentation.apply()

database = data.database_path()
if not database.exists():
    from phm.synth import build_demo

    st.title("Preparing the demo dataset")
    st.write("No database yet: building the synthetic demo (about 20-60 seconds, once).")
    bar = st.progress(0.0)
    build_demo(
        database,
        geo.REFERENCE_ROOT / settings.get("PHM_ICB"),
        scale=settings.get_float("PHM_DEMO_SCALE"),
        seed=settings.get_int("PHM_DEMO_SEED"),
        progress=lambda message, fraction: bar.progress(fraction, text=message),
    )
    st.rerun()

if gaps := data.schema_problems(data.version()):
    st.title("This database needs rebuilding")
    st.error(
        "It was built by an earlier version of the tool and lacks what this version needs"
        " (for example the record keys behind disclosure control), so nothing is shown from it."
        " Rebuild the demo with `python -m phm demo --out PHM_DB` (or `make run` again), or load"
        " your extract again with `python -m phm ingest` and the same record-key secret.",
        icon=":material/build:",
    )
    st.caption("Missing: " + escape_markdown("; ".join(gaps)))
    st.stop()

meta = data.meta(data.version())
signin.seed_synthetic_usage(meta.get("kind", ""))
principal = signin.gate(meta.get("kind", ""))

if published_data.is_aggregate(data.version()):
    # Published figures (no person records): dose, date, age band and place only.
    render_published_picker()
    sync_published_url()
    current = st.navigation(pages.navigation(principal, aggregate=True), expanded=True)
else:
    options = data.options(data.version())
    data_as_at = date.fromisoformat(meta.get("as_at", "2022-03-31"))
    for warning in seed_from_url(options, data_as_at):
        st.warning(escape_markdown(warning), icon=":material/link_off:")
    render_cohort_picker(options, data_as_at)
    sync_url(current_cohort())
    # Every page the role may open is listed (no 'View more' after ten): a workshop sees them all.
    current = st.navigation(pages.navigation(principal), expanded=True)
try:
    with queueing.turn():  # at most one page per core computes at once (phm.admission)
        current.run()
except Refused as refused:  # a check inside a data call the page's frame did not foresee
    st.error(escape_markdown(str(refused)), icon=":material/block:")
    signin.audit(principal, EventKind.REFUSED, page=current.url_path, detail=str(refused))

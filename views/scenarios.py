"""Scenarios: ready-made workshop stories, each one click from its cohort and page."""

import streamlit as st

from components import pages, presentation
from components.frame import open_info_page
from phm.analysis.scenarios import SCENARIOS

open_info_page("Scenarios")
st.markdown(
    "Ready-made stories for a workshop. Each opens a page with its cohort set in the sidebar"
    " and in the URL, so everyone in the room can open the same view from one link."
    " Turn on **Presentation mode** in the sidebar (or add `?present=1` to a link) for a projector."
)
columns = st.columns(2)
for number, scenario in enumerate(SCENARIOS):
    with columns[number % 2].container(border=True):
        st.header(scenario.title)
        st.markdown(scenario.story)
        st.markdown(f"**Ask the room:** {scenario.prompt}")
        st.caption(f"Cohort: {scenario.cohort.describe()}")
        st.page_link(
            pages.page(scenario.page),
            label=f"Open: {scenario.title}",
            icon=scenario.icon,
            query_params=scenario.query_params(),
        )
presentation.copy_link("scenarios")

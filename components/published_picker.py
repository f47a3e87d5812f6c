"""The sidebar of aggregate mode: dose, date, age band and place; other characteristics greyed out."""

from __future__ import annotations

import streamlit as st

from components import data, published_data
from phm import codes
from phm.analysis.aggregate import NOT_PUBLISHED, PublishedChoice, choice_from_query_params
from phm.text import escape_markdown

KEEP = "session"
GREYED = ("Sex", "Ethnicity", "First language", "IMD quintile", "PCN or practice", "Flags")


def render_published_picker() -> None:
    """Draw the choice of published figures in the sidebar (call once, from the entrypoint)."""
    version = data.version()
    opts = published_data.options(version)
    places = data.options(version)
    sb = st.sidebar
    sb.header("Published figures")
    state = st.session_state
    seed_from_url(opts, places)
    if state.get("pub_dose") not in opts["dose"]:
        state["pub_dose"] = opts["dose"][0]
    if state.get("pub_as_at") not in opts["as_at"]:
        state["pub_as_at"] = opts["as_at"][0]
    sb.segmented_control(
        "Dose",
        opts["dose"],
        format_func=lambda d: codes.DOSES.get(d, f"Dose {d}"),
        key="pub_dose",
        selection_mode="single",
        required=True,
        persist_state=KEEP,
    )
    sb.selectbox(
        "As at",
        opts["as_at"],
        format_func=lambda d: f"{d:%-d %B %Y}",
        key="pub_as_at",
        persist_state=KEEP,
    )
    sb.multiselect(
        "Age band", opts["age_band"], key="pub_age_bands", placeholder="any", persist_state=KEEP
    )
    for key, label, choices in (
        ("pub_boroughs", "Borough", places["boroughs"]),
        ("pub_msoas", "MSOA", places["msoas"]),
    ):
        sb.multiselect(
            label,
            list(choices),
            format_func=lambda c, m=choices: m.get(c, c),
            key=key,
            placeholder="any",
            persist_state=KEEP,
        )
    with sb.expander("Other characteristics", expanded=True):
        for label in GREYED:
            st.multiselect(
                label, [], disabled=True, placeholder="not in published figures", help=NOT_PUBLISHED
            )
        st.caption(NOT_PUBLISHED)


def _url_params() -> dict[str, list[str]]:
    """Return the URL's parameters as lists."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def seed_from_url(opts: dict[str, list], places: dict[str, dict[str, str]]) -> None:
    """Set the sidebar from a link when it differs from what the sidebar last wrote."""
    params = {k: v for k, v in _url_params().items() if k != "present"}
    state = st.session_state
    if not params or params == state.get("_pub_url_written"):
        return
    choice, warnings = choice_from_query_params(params, opts, places)
    if choice is None:
        return
    for warning in warnings:
        st.warning(escape_markdown(warning), icon=":material/link_off:")
    state["pub_dose"], state["pub_as_at"] = choice.dose, choice.as_at
    state["pub_age_bands"] = list(choice.age_bands)
    state["pub_boroughs"], state["pub_msoas"] = list(choice.boroughs), list(choice.msoas)
    state["_pub_url_written"] = params


def sync_url() -> None:
    """Write the chosen figures into the URL so the view can be shared as a link."""
    choice = current_choice()
    if choice is None:
        return
    wanted = choice.to_query_params()
    if {k: v for k, v in _url_params().items() if k != "present"} != wanted:
        kept = {k: v for k, v in _url_params().items() if k == "present"}
        st.query_params.from_dict({**wanted, **kept})  # presentation mode stays on
    st.session_state["_pub_url_written"] = wanted


def current_choice() -> PublishedChoice | None:
    """Return the published figures chosen in the sidebar (None when the dataset has none)."""
    opts = published_data.options(data.version())
    if not opts["dose"] or not opts["as_at"]:
        return None
    state = st.session_state
    dose = state.get("pub_dose")
    as_at = state.get("pub_as_at")
    return PublishedChoice(
        dose=str(dose) if dose in opts["dose"] else opts["dose"][0],
        as_at=as_at if as_at in opts["as_at"] else opts["as_at"][0],
        age_bands=tuple(b for b in state.get("pub_age_bands") or () if b in opts["age_band"]),
        boroughs=tuple(state.get("pub_boroughs") or ()),
        msoas=tuple(state.get("pub_msoas") or ()),
    )

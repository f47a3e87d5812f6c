"""The shared cohort picker: sidebar widgets bound to URL query parameters, and the current Cohort."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components import data, pages, presentation
from phm import codes
from phm.cohort import DEFAULT_AS_AT, FIELDS, Cohort, as_at_note
from phm.levels import LEVELS

FLAG_CHOICES = ("any", "yes", "no")
AGE_SECTION = "Age and sex"  # opens first, with the age range above its fields
# The cohort outlives an interrupted run or a page switch (a quick click while a page is still
# running must not drop a filter back to its default).
KEEP = "session"
# URL parameters that belong to a page, not to the cohort, and presentation mode: kept when the
# cohort is written.
PAGE_PARAMS = (*pages.page_params(), presentation.PRESENT_KEY)


def _known_values(options: dict[str, dict[str, str]]) -> dict[str, set[str]]:
    """Return the valid codes of each data-dependent field."""
    return {name: set(values) for name, values in options.items()}


def seed_from_url(options: dict[str, dict[str, str]], data_as_at: date) -> list[str]:
    """On a session's first run, set the widgets from the URL; return warnings for bad values.

    The URL holds codes (e.g. ethnicity=N), parsed by phm.cohort, so malformed values are
    reported and ignored and never reach SQL.
    """
    state = st.session_state
    params = _cohort_params()
    # Later runs re-seed only when a link inside the app (st.page_link with query_params)
    # brought a URL that differs from the one the picker last wrote.
    if state.get("_cohort_seeded") and (not params or params == state.get("_url_written")):
        return []
    cohort, warnings = Cohort.from_query_params(params, _known_values(options))
    if cohort.as_at != data_as_at:
        if "as_at" in params:
            warnings.append(as_at_note(data_as_at))
        cohort = cohort.with_(as_at=data_as_at)
    for f in FIELDS:
        if f.section is not None:
            state[f.url_key] = list(getattr(cohort, f.name))
    state["age_min"], state["age_max"] = cohort.age_min, cohort.age_max
    flags = dict(cohort.flags)
    for flag in codes.FLAGS:
        state[flag] = {True: "yes", False: "no"}.get(flags.get(flag), "any")
    state["dose"] = cohort.dose
    state["_cohort_seeded"] = True
    return warnings


def _cohort_params() -> dict[str, list[str]]:
    """Return the URL's parameters other than a page's own (PAGE_PARAMS)."""
    return {key: st.query_params.get_all(key) for key in st.query_params if key not in PAGE_PARAMS}


def sync_url(cohort: Cohort) -> None:
    """Write the cohort into the URL (codes only) so the view can be shared as a link.

    A page's own parameters (PAGE_PARAMS, e.g. the business case's interventions) are kept.
    """
    wanted = cohort.to_query_params()
    normal = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    kept = {key: st.query_params.get_all(key) for key in PAGE_PARAMS if key in st.query_params}
    if _cohort_params() != normal:
        st.query_params.from_dict({**wanted, **kept})
    st.session_state["_url_written"] = normal


def render_cohort_picker(options: dict[str, dict[str, str]], data_as_at: date) -> None:
    """Draw the cohort widgets in the sidebar (call once, from the entrypoint)."""
    sb = st.sidebar
    sb.header("Cohort")
    sb.segmented_control(
        "Dose",
        list(codes.DOSES),
        format_func=codes.DOSES.get,
        key="dose",
        selection_mode="single",
        required=True,
        persist_state=KEEP,
    )
    sb.markdown(f"**As at** {data_as_at:%d %B %Y}", help=as_at_note(data_as_at))
    sections: dict[str, list] = {}
    for f in FIELDS:
        if f.section is not None:
            sections.setdefault(f.section, []).append(f)
    for section, fields in sections.items():
        with sb.expander(section, expanded=section == AGE_SECTION):
            if section == AGE_SECTION:
                left, right = st.columns(2)
                for column, label, key in (
                    (left, "Age from", "age_min"),
                    (right, "Age to", "age_max"),
                ):
                    column.number_input(
                        label,
                        0,
                        120,
                        value=None,
                        step=1,
                        key=key,
                        placeholder="any",
                        persist_state=KEEP,
                    )
            for f in fields:
                choices = f.values if f.values is not None else options.get(f.name, {})
                st.multiselect(
                    f.label,
                    list(choices),
                    format_func=lambda c, m=choices: m.get(c, c),
                    key=f.url_key,
                    placeholder="any",
                    persist_state=KEEP,
                    help=f.meaning,
                )
    with sb.expander("Clinical and social"):
        for flag, label in codes.FLAGS.items():
            st.segmented_control(
                label,
                FLAG_CHOICES,
                key=flag,
                selection_mode="single",
                required=True,
                persist_state=KEEP,
            )


def current_cohort() -> Cohort:
    """Return the Cohort described by the widgets' state (defaults where a widget is unset)."""
    state = st.session_state
    kwargs: dict[str, object] = {}
    for f in FIELDS:
        values = state.get(f.url_key) or []
        if values:
            kwargs[f.name] = values
    for key in ("age_min", "age_max"):
        if state.get(key) is not None:
            kwargs[key] = int(state[key])
    flags = {f: state.get(f) == "yes" for f in codes.FLAGS if state.get(f) in ("yes", "no")}
    if flags:
        kwargs["flags"] = flags
    if state.get("dose") in codes.DOSES:
        kwargs["dose"] = state["dose"]
    # Always the data's own date (phm.cohort.as_at_note says why), whatever a link says.
    kwargs["as_at"] = data_date()
    low, high = kwargs.get("age_min"), kwargs.get("age_max")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        kwargs["age_min"], kwargs["age_max"] = high, low
    return Cohort().with_(**kwargs)


def data_date() -> date:
    """Return the date the current dataset runs to: every cohort is counted as at it."""
    meta = data.meta(data.version())
    return date.fromisoformat(meta.get("as_at", DEFAULT_AS_AT.isoformat()))


def place_names() -> dict[str, str]:
    """Return code -> name for every place and practice, for plain-English descriptions."""
    opts = data.options(data.version())
    names: dict[str, str] = {}
    for level in LEVELS.values():
        names.update(opts.get(level.cohort_field, {}))
    return names

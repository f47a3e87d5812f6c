"""Map: uptake of the cohort by LSOA, MSOA or borough, existing sites, and who is unvaccinated where."""

import streamlit as st

from components import data, map_data, pages, presentation, render, viewport
from components.frame import open_page
from phm import codes
from phm.analysis.summaries import largest_shown, protected_uptake
from phm.levels import LEVELS, MAP_LEVELS, spelled_out
from phm.output import maps
from phm.outreach.coverage import Reach

ALL_MODELS = list(codes.DELIVERY_MODELS)
BREAKDOWNS = {
    "age_band": "Age band",
    "ethnic_group": "Ethnic group",
    "main_language": "First language",
}


LEVELS_HELP = spelled_out(MAP_LEVELS)


def _clear_selection() -> None:
    """Forget the chosen area (a widget callback, so it runs before the picker is drawn)."""
    st.session_state["map_area_pick"] = None


# The map fills the first screen beside its legend and controls, on a 1366x768 projector too:
# its height follows the window (the page's title, banner and cohort sentence sit above it; the
# chart's frames grow with it, so it never overlaps the controls under it),
# and the view fits the areas into it once the browser has said how high the window is.
MAP_CSS = f"""
<style>
.st-key-map_chart, .st-key-map_chart .stFullScreenFrame,
.st-key-map_chart [data-testid="stDeckGlJsonChart"] {{
  height: {maps.map_height_css(presentation.presenting())} !important;
}}
</style>
"""
page = open_page("Map")
st.html(MAP_CSS)
window_px = viewport.window_height()
left, right = st.columns([3, 1.25])
legend_slot = right.container()  # first, so it is beside the map on a small screen too
level = right.segmented_control(
    "Areas",
    list(MAP_LEVELS),
    format_func=lambda key: LEVELS[key].label,
    key="map_level",
    default="lsoa",
    required=True,
    help=LEVELS_HELP,
)
# Radio buttons wrap in the narrow column beside the map; a segmented control would be cut off.
metric = right.radio(
    "Colour by", list(maps.METRICS), format_func=maps.METRIC_BUTTONS.get, key="map_metric"
)
right.divider()
with left:
    map_slot = st.container()
    sites_control, rings_control, walk_control = st.columns([3, 1, 1], vertical_alignment="bottom")
models = sites_control.multiselect(
    "Existing sites (open on the as-at date)",
    ALL_MODELS,
    default=["vaccination_centre", "hospital_hub", "gp_pcn_site"],
    format_func=codes.DELIVERY_MODELS.get,
    key="map_sites",
    placeholder="none",
)
rings = rings_control.toggle("Walking rings", key="map_rings")
walk_m = walk_control.number_input(
    "Walk (m)", 100, 5000, 800, step=100, key="map_walk_m", disabled=not rings
)
reach = Reach(float(walk_m))

render.stop_unless_breakdown_allowed(
    protected_uptake(data.uptake_by(page.principal, page.cohort, (), page.version), page.rule).iloc[
        0
    ]
)
frame, legend, overall_pct = map_data.area_map(page.cohort, level, metric, page.rule, page.version)
frame = frame.assign(polygon=map_data.shape_polygons(level, page.version))
area_names = frame.drop_duplicates("code").set_index("code")["name"].sort_values()
# A click on the map (the keyed chart's selection, readable before the chart is drawn)
# chooses the area in the side panel's picker, which also works from the keyboard.
chart_state = st.session_state.get("map_chart")
clicked = chart_state["selection"]["objects"].get("areas", []) if chart_state else []
clicked_code = clicked[0].get("code") if clicked else None
if clicked_code != st.session_state.get("map_last_click"):
    st.session_state["map_last_click"] = clicked_code
    if clicked_code is not None:
        st.session_state["map_area_pick"] = clicked_code
if st.session_state.get("map_area_pick") not in area_names.index:
    st.session_state["map_area_pick"] = None
selected_code = st.session_state.get("map_area_pick")

points = maps.site_points(map_data.sites(page.cohort.as_at, page.version), models)
basemap = st.session_state.get("map_basemap", False)
deck = map_data.area_deck(
    page.cohort,
    level,
    metric,
    page.rule,
    page.version,
    selected_code,
    tuple(models),
    reach.straight_m if rings else None,
    basemap,
    maps.fit_px_for_window(window_px, presentation.presenting()),
)

with map_slot:
    st.pydeck_chart(
        maps.SerialisedDeck(deck, basemap),
        on_select="rerun",
        selection_mode="single-object",
        key="map_chart",
        height=560,
    )
with legend_slot:
    st.html(maps.legend_html(maps.METRICS[metric], legend))
    if not points.empty:
        st.html(
            maps.legend_html(
                "Existing sites open on the as-at date",
                maps.site_legend(sorted(set(points["delivery_model"]), key=ALL_MODELS.index)),
            )
        )
    if metric == "gap":
        st.caption(
            "Gap = the area's uptake minus the ICS-wide uptake of this cohort"
            + (f" ({overall_pct:.1f}%)." if overall_pct is not None else " (suppressed).")
        )
with left:
    if rings:
        st.caption(f"Rings: {reach.describe()}.")
    st.caption(
        "Drag to move the map; zoom with its + and − buttons, a double click or the + and −"
        " keys (the mouse wheel scrolls the page)."
    )
    st.toggle("Street basemap (needs internet; the map works without it)", key="map_basemap")
    st.page_link(
        pages.page("outreach"),
        label="Plan pop-up sites or a vaccine-bus route for this cohort",
        icon=":material/route:",
    )

with right:
    st.header("Who is unvaccinated here?")
    st.selectbox(
        f"{LEVELS[level].label} (or click the map)",
        list(area_names.index),
        format_func=lambda code: f"{area_names[code]} ({code})",
        key="map_area_pick",
        placeholder="Choose an area",
    )
    if selected_code is None:
        st.info("Click an area on the map to see its breakdown.", icon=":material/touch_app:")
    else:
        area = frame.loc[frame["code"] == selected_code].iloc[0]
        st.markdown(f"#### {area['name']}")
        st.caption(f"{LEVELS[level].label} {selected_code}")
        local = page.cohort.with_(**{LEVELS[level].cohort_field: (selected_code,)})
        summary = protected_uptake(
            data.uptake_by(page.principal, local, (), page.version), page.rule
        )
        render.kpi(st, "Uptake here", summary.iloc[0])
        allowed = render.breakdown_allowed_here(summary.iloc[0], "in this cohort here")
        for dimension, label in BREAKDOWNS.items() if allowed else ():
            raw = data.uptake_by(page.principal, local, (dimension,), page.version)
            table = protected_uptake(raw, page.rule)
            if dimension == "main_language":
                table = largest_shown(table, "unvaccinated", f"{dimension}_label", 8)
            shown = render.display_table(table, f"{dimension}_label", label)
            st.markdown(f"**{label}**")
            render.grid(shown[[label, "Uptake", "Unvaccinated"]])
        flags = map_data.flag_uptake(local, page.version)
        if allowed and not flags.empty:
            protected = protected_uptake(flags, page.rule)
            shown = render.display_table(protected, "flag_label", "Recorded as")
            st.markdown("**Clinical and social flags**")
            render.grid(shown[["Recorded as", "Uptake", "Unvaccinated"]])
        st.button("Clear selection", icon=":material/close:", on_click=_clear_selection)

with st.expander(f"Table of {LEVELS[level].label}s, lowest uptake first"):
    display = map_data.area_table(page.cohort, level, page.rule, page.version)
    render.grid(display)

render.suppression_note()
st.caption(
    "Boundaries: ONS, contains OS data © Crown copyright and database right. No basemap is"
    " drawn unless you switch it on."
)
presentation.copy_link("map")

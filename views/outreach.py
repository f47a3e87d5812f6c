"""Plan outreach: pop-up sites that reach the most unvaccinated people, and vaccine-bus routes."""

from datetime import date, time, timedelta

import pandas as pd
import streamlit as st

from components import data, interventions, map_data, pages, render
from components.frame import download, open_page
from phm import codes
from phm.access import Capability, Refused, can
from phm.analysis import business_case
from phm.interventions import plans
from phm.output import exports, maps
from phm.outreach import export
from phm.outreach.candidates import MAX_ROWS, MAX_TEXT, MAX_UPLOAD_MB, read_candidates
from phm.outreach.coverage import DEFAULT_WALK_FACTOR, Reach
from phm.outreach.routes import DEFAULT_ROAD_FACTOR, DEFAULT_SPEED_KMH, Timetable
from phm.outreach.tables import (
    bus_total,
    day_headings,
    default_depot,
    depot_tooltip,
    itinerary_table,
    plan_dates,
    reach_summary,
    site_table,
    site_tooltips,
    stop_tooltips,
    target_centre,
)
from phm.text import escape_markdown

EXISTING_DEFAULT = ["vaccination_centre", "hospital_hub", "gp_pcn_site", "community_pharmacy"]
SOURCES = {"lsoa": "LSOA population-weighted points", "upload": "My list of places (CSV)"}


page = open_page("Plan outreach")
lsoas = map_data.lsoas(page.version)
MAP_PX = 560
view = maps.view_for(lsoas["centroid_lon"], lsoas["centroid_lat"], maps.fit_px_for_height(MAP_PX))
open_sites = map_data.sites(page.cohort.as_at, page.version)
st.page_link(pages.page("map"), label="Back to the map", icon=":material/map:")


def base_layers() -> list:
    """Return the LSOA choropleth of unvaccinated people, the backdrop of every plan map."""
    frame, _, _ = map_data.area_map(page.cohort, "lsoa", "unvaccinated", page.rule, page.version)
    frame = frame.assign(polygon=map_data.shape_polygons("lsoa", page.version))
    return [maps.area_layer(frame)]


def labels(*extra: str) -> list[str]:
    """Return the header lines of an export of this cohort."""
    return exports.header_lines(page.description, page.meta, page.rule, extra)


def uploaded_candidates() -> tuple[pd.DataFrame | None, str | None]:
    """Return the user's candidate places (None: LSOA points) or why they cannot be used."""
    if st.session_state.get("popup_source") != "upload":
        return None, None
    upload = st.session_state.get("popup_file")
    if upload is None:
        return None, "Choose a CSV file of candidate places, or use the LSOA points."
    try:
        frame, problems = read_candidates(
            upload.getvalue(), map_data.postcodes(page.version), upload.name
        )
    except ValueError as error:
        return None, f"That file could not be used: {error}"
    for problem in problems[:20]:
        st.warning(escape_markdown(problem), icon=":material/location_off:")
    if len(problems) > 20:
        st.warning(f"... and {len(problems) - 20} more rows could not be placed.")
    if frame.empty:
        return None, "None of the places in the file could be located."
    return frame, None


sites_tab, bus_tab = st.tabs(["Pop-up sites", "Vaccine bus"])

with sites_tab:
    with st.form("popup_form"):
        st.markdown("**Where should the next pop-up clinics go?**")
        a, b, c = st.columns(3)
        a.number_input("Number of sites", 1, 50, 10, key="popup_n")
        b.number_input("Walking distance (m)", 100, 5000, 800, step=100, key="popup_walk")
        c.number_input(
            "Walking route / straight line",
            1.0,
            3.0,
            DEFAULT_WALK_FACTOR,
            step=0.05,
            key="popup_factor",
            help="No footpath network offline: distances are straight lines times this factor.",
        )
        with st.expander("Existing sites and candidate places"):
            st.checkbox(
                "Leave out people already within walking distance of an existing site",
                key="popup_exclude",
            )
            st.multiselect(
                "Existing sites that count",
                list(codes.DELIVERY_MODELS),
                default=EXISTING_DEFAULT,
                format_func=codes.DELIVERY_MODELS.get,
                key="popup_existing",
            )
            st.radio(
                "Candidate locations", list(SOURCES), format_func=SOURCES.get, key="popup_source"
            )
            st.file_uploader(
                "CSV with a name column and a postcode column (or lon and lat),"
                f" up to {MAX_UPLOAD_MB} MB",
                type=["csv"],
                key="popup_file",
                max_upload_size=MAX_UPLOAD_MB,
                help=f"At most {MAX_ROWS:,} rows and {MAX_TEXT} characters in a name or postcode.",
            )
        if st.form_submit_button("Find the best sites", type="primary", icon=":material/search:"):
            st.session_state["popup_request"] = True

    state = st.session_state
    candidates, problem = uploaded_candidates() if state.get("popup_request") else (None, None)
    if problem:
        st.error(escape_markdown(problem))
    elif state.get("popup_request"):
        reach = Reach(float(state["popup_walk"]), float(state["popup_factor"]))
        existing = tuple(state.get("popup_existing", [])) if state.get("popup_exclude") else ()
        with st.spinner("Solving the maximal covering problem..."):
            plan = map_data.site_plan(
                page.cohort,
                int(state["popup_n"]),
                reach,
                existing,
                candidates,
                page.rule.threshold,
                page.version,
            )
        summary = reach_summary(plan, page.rule)
        if len(plan.sites) < plan.asked:
            st.info(
                f"Only {len(plan.sites)} of the {plan.asked} sites asked for reach anyone not"
                " already reached by another: the others would add no one, so they are not"
                " offered or costed.",
                icon=":material/info:",
            )
        k1, k2, k3 = st.columns(3)
        k1.metric("Unvaccinated people reached", summary.optimised)
        k2.metric(
            f"Naive plan: the {len(plan.naive)} lowest-uptake LSOAs",
            summary.naive if len(plan.naive) else "–",
        )
        k3.metric("More people reached by the optimised plan", summary.extra)
        solution = plan.solution
        if solution.optimal:
            st.caption(
                f"Proven optimal by the SCIP solver (OR-Tools) in {solution.seconds:.1f} s:"
                " no other choice of sites reaches more people under these assumptions."
            )
        else:
            st.caption(
                f"Best plan found in {solution.seconds:.1f} s; it is at most"
                f" {solution.gap_pct:.1f}% below the best possible (solver bound)."
            )
        st.caption(
            f"Reach: {reach.describe()}. Each LSOA's unvaccinated people count once, at its"
            f" population-weighted point. {summary.eligible} unvaccinated people in the cohort"
            + (
                f" outside existing sites' reach ({len(plan.excluded_lsoas)} LSOAs left out)."
                if existing
                else "."
            )
        )
        show_naive = st.toggle("Show the naive plan on the map", key="popup_show_naive")
        table = site_table(plan.sites, page.rule)
        layers = base_layers()
        if show_naive and len(plan.naive):
            naive_points = maps.plan_points(
                plan.naive, ["Naive plan site"] * len(plan.naive), maps.NAIVE_RGB
            )
            layers += maps.plan_layers(naive_points, reach.straight_m, "naive")
        points = maps.plan_points(plan.sites, site_tooltips(table), maps.PLAN_RGB)
        layers += maps.plan_layers(points, reach.straight_m, "popups")
        st.pydeck_chart(maps.deck(layers, view), height=MAP_PX, key="popup_map")
        st.caption(
            "Backdrop: unvaccinated people by LSOA (darker = more). Circles: walking catchments."
        )
        render.grid(table.drop(columns=["LSOA codes", "Longitude", "Latitude"]))
        header = labels(
            f"Plan: {len(plan.sites)} pop-up sites maximising unvaccinated people within reach",
            f"Reach: {reach.describe()}",
        )
        d1, d2, d3 = st.columns(3)
        download(
            "Sites (CSV)",
            exports.to_csv(export.numbers_for_csv(table), header),
            "popup-sites.csv",
            "text/csv",
            icon=":material/download:",
            where=d1,
        )
        download(
            "Sites (GeoJSON)",
            export.points_geojson(table, plan.sites["lon"], plan.sites["lat"], header),
            "popup-sites.geojson",
            "application/geo+json",
            icon=":material/download:",
            key="popup_geojson",
            where=d2,
        )
        protected_lsoas = map_data.protected_areas(page.cohort, "lsoa", page.rule, page.version)
        areas = render.display_table(protected_lsoas, "lsoa_label", "LSOA name")
        areas.insert(0, "LSOA", protected_lsoas["lsoa"])
        st.page_link(
            pages.page("business_case"),
            label=f"Cost {len(plan.sites)} pop-up sessions (one at each site) in a business case",
            icon=":material/request_quote:",
            query_params=business_case.link_params("popup", len(plan.sites)),
        )
        download(
            "LSOAs with uptake (GeoJSON)",
            export.areas_geojson(areas, map_data.polygons("lsoa", page.version), "LSOA", header),
            "lsoa-uptake.geojson",
            "application/geo+json",
            icon=":material/download:",
            where=d3,
        )

with bus_tab:
    depots = open_sites.set_index("site_id")
    people = map_data.protected_areas(page.cohort, "lsoa", page.rule, page.version)
    located = people.merge(lsoas, left_on="lsoa", right_on="lsoa_code")
    centre = target_centre(
        located["centroid_lon"], located["centroid_lat"], located["unvaccinated"]
    )
    depot_names = {
        s: f"{n} ({p})"
        for s, n, p in zip(depots.index, depots["site_name"], depots["postcode"], strict=True)
    }
    with st.form("bus_form"):
        st.markdown("**Where should the vaccine bus stop, and in what order?**")
        st.selectbox(
            "Depot (where the bus starts and ends each day)",
            list(depots.index),
            index=default_depot(depots, centre),
            format_func=depot_names.get,
            key="bus_depot",
            help="Offered first: the vaccination centre or hospital hub nearest the target"
            " group's unvaccinated people.",
        )
        monday = date.today() + timedelta(days=7 - date.today().weekday())
        st.date_input("First day (the bus runs on weekdays)", monday, key="bus_first_day")
        a, b, c, d = st.columns(4)
        a.number_input("Days", 1, 14, 3, key="bus_days")
        b.number_input("Stops per day", 1, 20, 8, key="bus_stops")
        c.number_input("Minutes per day", 60, 960, 600, step=15, key="bus_minutes")
        d.number_input("Minutes at each stop", 5, 480, 45, step=5, key="bus_dwell")
        e, f, g, h = st.columns(4)
        e.time_input("Leaves the depot at", time(9, 0), step=900, key="bus_start")
        f.number_input("Speed (km/h)", 1.0, 80.0, DEFAULT_SPEED_KMH, key="bus_speed")
        g.number_input(
            "Road / straight line", 1.0, 3.0, DEFAULT_ROAD_FACTOR, step=0.05, key="bus_road"
        )
        h.number_input("Walking distance (m)", 100, 5000, 800, step=100, key="bus_walk")
        st.checkbox(
            "Leave out people already within walking distance of a vaccination centre,"
            " hospital hub, GP/PCN site or pharmacy",
            key="bus_exclude",
        )
        if st.form_submit_button("Plan the route", type="primary", icon=":material/route:"):
            st.session_state["bus_request"] = True

    state = st.session_state
    if state.get("bus_request"):
        depot_row = depots.loc[state["bus_depot"]]
        start = state["bus_start"]
        timetable = Timetable(
            days=int(state["bus_days"]),
            stops_per_day=int(state["bus_stops"]),
            day_minutes=int(state["bus_minutes"]),
            dwell_minutes=int(state["bus_dwell"]),
            speed_kmh=float(state["bus_speed"]),
            road_factor=float(state["bus_road"]),
            start_minute=start.hour * 60 + start.minute,
        )
        reach = Reach(float(state["bus_walk"]))
        existing = tuple(EXISTING_DEFAULT) if state.get("bus_exclude") else ()
        depot = (float(depot_row["lon"]), float(depot_row["lat"]))
        with st.spinner("Choosing stops and routing the bus..."):
            plan = map_data.bus_plan(
                page.cohort,
                depot,
                str(depot_row["site_name"]),
                reach,
                timetable,
                existing,
                page.version,
            )
        languages = data.uptake_by(
            page.principal, page.cohort, ("lsoa", "main_language"), page.version
        ).rename(columns={"lsoa": "lsoa_code"})
        table = itinerary_table(plan, languages, page.rule)
        k1, k2, k3 = st.columns(3)
        k1.metric("Stops", len(plan.itinerary))
        k2.metric("Unvaccinated people within reach", bus_total(plan, page.rule))
        k3.metric("Days", plan.timetable.days)
        if not plan.dropped.empty:
            st.warning(
                f"{len(plan.dropped)} chosen stop(s) did not fit in the days' minutes and were left"
                " out: " + escape_markdown(", ".join(plan.dropped["name"])),
                icon=":material/schedule:",
            )
        st.caption(f"Assumptions: {timetable.describe()}. Reach: {reach.describe()}.")
        paths = maps.route_paths(plan.itinerary, depot, plan.depot_name)
        depot_point = maps.plan_points(
            pd.DataFrame({"lon": [depot[0]], "lat": [depot[1]], "rank": ["D"]}),
            [depot_tooltip(plan.depot_name)],
            maps.NAIVE_RGB,
        )
        layers = base_layers() + [maps.route_layer(paths)]
        stops = maps.plan_points(plan.itinerary, stop_tooltips(table), maps.PLAN_RGB)
        layers += maps.plan_layers(stops, reach.straight_m, "stops")
        layers += maps.plan_layers(depot_point, 0, "depot")[1:]
        st.pydeck_chart(maps.deck(layers, view), height=MAP_PX, key="bus_map")
        render.grid(table)
        first_day = state.get("bus_first_day") or date.today()
        dates = plan_dates(first_day, plan.timetable.days)
        dated = table.copy()
        dated.insert(1, "Date", [f"{dates[int(d) - 1]:%a %d %b %Y}" for d in table["Day"]])
        st.page_link(
            pages.page("business_case"),
            label=f"Cost {plan.timetable.days} vaccine-bus days in a business case",
            icon=":material/request_quote:",
            query_params=business_case.link_params("bus", plan.timetable.days),
        )
        if can(page.principal, Capability.RECORD_INTERVENTIONS) and st.button(
            "Record this bus as an intervention",
            icon=":material/add_task:",
            help="Adds it to the interventions register on What worked, to evaluate later.",
            key="bus_record",
        ):
            try:
                record = plans.from_bus_plan(
                    depot=plan.depot_name,
                    stops=list(zip(plan.itinerary["lon"], plan.itinerary["lat"], strict=True)),
                    dates=dates,
                    cohort=page.cohort,
                    lsoas=lsoas,
                )
                interventions.save(page.principal, record, page="outreach")
            except (ValueError, Refused) as problem:
                st.error(f"Not recorded: {escape_markdown(str(problem))}")
            else:
                st.success(
                    f"Recorded '{escape_markdown(record.name)}' in the interventions register.",
                    icon=":material/check_circle:",
                )
                st.page_link(
                    pages.page("what_worked"),
                    label="See it on What worked",
                    icon=":material/verified:",
                )
        header = labels(
            f"Vaccine bus from {plan.depot_name}: {timetable.describe()}",
            f"Reach: {reach.describe()}",
        )
        notes = [
            f"Timetable: {timetable.describe()}.",
            f"Reach: {reach.describe()}; each person counts once, at the first stop that reaches them.",
            "Stops chosen to maximise unvaccinated people reached (maximal covering model, SCIP),"
            " then ordered into days by OR-Tools routing.",
        ]
        d1, d2, d3 = st.columns(3)
        download(
            "Itinerary (CSV)",
            exports.to_csv(export.numbers_for_csv(dated), header),
            "bus-itinerary.csv",
            "text/csv",
            icon=":material/download:",
            where=d1,
        )
        download(
            "Stops (GeoJSON)",
            export.points_geojson(table, plan.itinerary["lon"], plan.itinerary["lat"], header),
            "bus-stops.geojson",
            "application/geo+json",
            icon=":material/download:",
            where=d2,
        )
        download(
            "Printable itinerary (HTML)",
            export.itinerary_html(
                "Vaccine bus itinerary",
                table,
                header,
                notes,
                day_headings(plan, first_day, f"{start:%H:%M}"),
                export.route_svg(depot, plan.itinerary),
            ),
            "bus-itinerary.html",
            "text/html",
            icon=":material/print:",
            where=d3,
        )

render.suppression_note()

"""Outreach plans as users get them: useful sites only, the nearest depot, printable, numeric CSV."""

from datetime import date

import pandas as pd

from phm.outreach.export import numbers_for_csv, route_svg
from phm.outreach.plan import reaching_someone
from phm.outreach.tables import default_depot, plan_dates, target_centre


def test_sites_that_reach_no_one_are_left_out_and_the_rest_ranked_again():
    sites = pd.DataFrame(
        {
            "rank": [1, 2, 3],
            "name": ["a", "b", "c"],
            "vaccinated": [5, 9, 0],
            "population": [20, 9, 4],
        }
    )
    useful = reaching_someone(sites)
    assert useful["name"].tolist() == ["a", "c"]
    assert useful["rank"].tolist() == [1, 2]


def test_the_depot_offered_is_the_centre_or_hub_nearest_the_group():
    sites = pd.DataFrame(
        {
            "delivery_model": ["hospital_hub", "community_pharmacy", "vaccination_centre"],
            "lon": [-0.30, -0.10, -0.05],
            "lat": [51.50, 51.65, 51.64],
        }
    )
    north = target_centre(pd.Series([-0.06, -0.08]), pd.Series([51.65, 51.62]), pd.Series([30, 10]))
    assert default_depot(sites, north) == 2  # the pharmacy is nearer, but is no depot
    south = target_centre(pd.Series([-0.3]), pd.Series([51.49]), pd.Series(["15"]))
    assert default_depot(sites, south) == 0
    assert default_depot(sites) == 0
    assert target_centre(pd.Series([0.0]), pd.Series([51.0]), pd.Series(["<8"])) is None


def test_csv_counts_are_numbers_and_suppressed_cells_stay_text():
    shown = pd.DataFrame({"Site": ["1,000 Oaks", "b"], "Reached": ["1,234", "<8"], "N": [3, 4]})
    out = numbers_for_csv(shown)
    assert out["Reached"].tolist() == [1234, "<8"]
    assert out["Site"].tolist() == ["1,000 Oaks", "b"]
    assert '"1,234"' not in out.to_csv(index=False)


def test_bus_days_are_weekdays_from_the_first_day():
    assert plan_dates(date(2025, 1, 3), 3) == [date(2025, 1, 3), date(2025, 1, 6), date(2025, 1, 7)]


def test_route_map_is_an_svg_with_the_depot_and_each_stop_numbered():
    stops = pd.DataFrame(
        {
            "day": [1, 1, 2],
            "order": [1, 2, 1],
            "lon": [-0.1, -0.12, -0.2],
            "lat": [51.6, 51.61, 51.55],
        }
    )
    svg = route_svg((-0.15, 51.58), stops)
    assert svg.startswith("<svg") and svg.count("<polyline") == 2
    assert ">1.2</text>" in svg and ">2.1</text>" in svg and "Depot" in svg

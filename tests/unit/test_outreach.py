"""Coverage, the maximal covering optimiser and bus routing on hand-made instances."""

import itertools

import numpy as np
import pandas as pd
import pytest

from phm.disclosure import DisclosureRule
from phm.geo import haversine_m
from phm.outreach.coverage import (
    Reach,
    assign_demand,
    coverage_matrix,
    covered_count,
    lowest_uptake_sites,
    order_by_gain,
    weighted_points,
)
from phm.outreach.plan import plan_bus, plan_sites, top_languages
from phm.outreach.routes import Timetable, route_days, travel_seconds
from phm.outreach.sites import solve_mclp
from tests.record_keys import with_keys

LAT = 51.55
METRES_PER_DEG_LON = float(haversine_m(0.0, LAT, 1.0, LAT))

EXACT = DisclosureRule(threshold=0, rounding=1)  # plans on exact counts, to test the solver


def east(metres: float) -> float:
    """Return the longitude `metres` east of 0 on latitude LAT."""
    return metres / METRES_PER_DEG_LON


# --- coverage ------------------------------------------------------------------------------


def test_reach_turns_walking_distance_into_a_straight_line_radius():
    assert Reach(800, 1.25).straight_m == pytest.approx(640)
    assert "800 m walk" in Reach(800, 1.25).describe()
    with pytest.raises(ValueError):
        Reach(800, 0.5)
    with pytest.raises(ValueError):
        Reach(0)


def test_coverage_uses_the_factor_on_straight_line_distance():
    # demand points 300 m, 700 m and 1,000 m east of the site
    demand_lon = [east(300), east(700), east(1000)]
    demand_lat = [LAT] * 3
    plain = coverage_matrix([0.0], [LAT], demand_lon, demand_lat, Reach(800, 1.0))
    detour = coverage_matrix([0.0], [LAT], demand_lon, demand_lat, Reach(800, 1.25))
    assert plain.tolist() == [[True, True, False]]
    assert detour.tolist() == [[True, False, False]]  # 700 m straight is 875 m on foot


def test_covered_count_counts_each_point_once_and_assignment_goes_to_the_first_site():
    coverage = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]], dtype=bool)
    weights = [10, 20, 30, 40]
    assert covered_count(coverage, weights, [0, 1]) == 60  # point 1 (20) once
    assert covered_count(coverage, weights, []) == 0
    assert assign_demand(coverage, [1, 0]).tolist() == [1, 0, 0, -1]
    assert order_by_gain(coverage, weights, [0, 1, 2]) == [1, 2, 0]  # 50, then 40, then 10


def test_weighted_point_is_the_live_postcode_nearest_the_mean():
    postcodes = pd.DataFrame(
        {
            "postcode": ["A1 1AA", "A1 1AB", "A1 1AC", "A1 1AD", "B1 1AA"],
            "lsoa_code": ["L1", "L1", "L1", "L1", "L2"],
            "lon": [east(0), east(100), east(200), east(150), east(5000)],
            "lat": [LAT] * 5,
            "is_live": [True, True, True, False, True],
        }
    )
    points = weighted_points(postcodes)
    assert points["lsoa_code"].tolist() == ["L1", "L2"]
    # mean of the live L1 postcodes is 100 m east: A1 1AB; the terminated one is ignored
    assert points["postcode"].tolist() == ["A1 1AB", "B1 1AA"]


def test_lowest_uptake_sites_skips_ineligible_and_missing_areas():
    uptake = [0.5, 0.2, np.nan, 0.1, 0.3]
    eligible = [True, True, True, False, True]
    assert lowest_uptake_sites(uptake, eligible, 2) == [1, 4]


# --- the optimiser -------------------------------------------------------------------------


def brute_force(coverage: np.ndarray, weights, n_sites: int) -> int:
    """Return the best reach over every choice of n_sites candidates."""
    sites = range(coverage.shape[0])
    return max(covered_count(coverage, weights, c) for c in itertools.combinations(sites, n_sites))


def test_optimiser_beats_greedy_on_a_classic_trap():
    # Greedy takes the middle site (25) and then a side one (+10): 35. The two sides reach 40.
    coverage = np.array(
        [
            [1, 1, 0, 0, 0],  # left: 20
            [0, 1, 1, 0, 1],  # middle: 25 (greedy's first pick)
            [0, 0, 1, 1, 0],  # right: 20
        ],
        dtype=bool,
    )
    weights = [10, 10, 10, 10, 5]
    assert order_by_gain(coverage, weights, [0, 1, 2])[0] == 1
    solution = solve_mclp(coverage, weights, 2)
    assert sorted(solution.chosen) == [0, 2]
    assert solution.covered == 40 == brute_force(coverage, weights, 2)
    assert solution.optimal and solution.bound == 40 and solution.gap_pct == 0


@pytest.mark.parametrize("seed", range(12))
def test_optimiser_finds_the_enumerated_optimum_on_small_random_instances(seed):
    rng = np.random.default_rng(seed)
    n_candidates, n_demand = int(rng.integers(5, 10)), int(rng.integers(6, 15))
    coverage = rng.random((n_candidates, n_demand)) < rng.uniform(0.15, 0.5)
    weights = rng.integers(0, 100, n_demand)
    n_sites = int(rng.integers(1, 4))
    solution = solve_mclp(coverage, weights, n_sites)
    assert len(solution.chosen) <= n_sites
    assert solution.covered == covered_count(coverage, weights, solution.chosen)
    assert solution.covered == brute_force(coverage, weights, n_sites)
    assert solution.optimal


def test_optimiser_with_more_sites_than_useful_candidates_takes_them_all():
    coverage = np.array([[1, 0, 0], [0, 0, 0], [0, 1, 0]], dtype=bool)
    solution = solve_mclp(coverage, [5, 7, 9], 5)
    assert sorted(solution.chosen) == [0, 2]
    assert solution.covered == 12 and solution.optimal


def test_optimiser_rejects_bad_input():
    coverage = np.ones((2, 2), dtype=bool)
    with pytest.raises(ValueError, match="at least one"):
        solve_mclp(coverage, [1, 2], 0)
    with pytest.raises(ValueError, match="non-negative whole"):
        solve_mclp(coverage, [1.5, 2], 1)
    with pytest.raises(ValueError, match="one column per"):
        solve_mclp(coverage, [1, 2, 3], 1)


# --- routing -------------------------------------------------------------------------------

# Four stops 1, 2, 3 and 4 km east of the depot; 10 km/h and no detour: 6 minutes per km.
STOPS_M = [3000, 1000, 4000, 2000]
ROUTE = dict(speed_kmh=10.0, road_factor=1.0, dwell_minutes=30, start_minute=9 * 60)


def line_route(values, **timetable):
    """Route the four stops on the line with the given timetable changes."""
    lon = [east(m) for m in STOPS_M]
    return route_days((0.0, LAT), lon, [LAT] * 4, values, Timetable(**{**ROUTE, **timetable}))


def test_travel_seconds_follow_speed_and_road_factor():
    seconds = travel_seconds(
        [0.0, east(1000)], [LAT, LAT], Timetable(speed_kmh=10, road_factor=1.5)
    )
    assert seconds[0, 1] == pytest.approx(540, abs=1)  # 1.5 km at 10 km/h


def test_one_day_visits_every_stop_in_line_order_with_arrival_times():
    visits, dropped = line_route([10, 10, 10, 10], days=1, stops_per_day=4, day_minutes=600)
    assert dropped == []
    assert [STOPS_M[v.stop] for v in visits] in ([1000, 2000, 3000, 4000], [4000, 3000, 2000, 1000])
    first, second = visits[0], visits[1]
    if STOPS_M[first.stop] == 1000:
        assert first.arrival_minute == 9 * 60 + 6
        assert second.arrival_minute == 9 * 60 + 6 + 30 + 6
    else:
        assert first.arrival_minute == 9 * 60 + 24
    assert [v.order for v in visits] == [1, 2, 3, 4]


def test_a_short_day_drops_the_stop_worth_least():
    # 4 stops need 4 x 30 min + 48 min of driving = 168 min; 140 minutes fit three of them.
    values = [50, 40, 5, 60]  # the stop 4 km out is worth least
    visits, dropped = line_route(values, days=1, stops_per_day=4, day_minutes=140)
    assert dropped == [2]
    assert sorted(STOPS_M[v.stop] for v in visits) == [1000, 2000, 3000]
    assert max(v.arrival_minute for v in visits) + 30 <= 9 * 60 + 140


def test_stops_are_split_over_days_within_the_daily_limit():
    visits, dropped = line_route([1, 1, 1, 1], days=2, stops_per_day=2, day_minutes=600)
    assert dropped == []
    per_day = pd.Series([v.day for v in visits]).value_counts().to_dict()
    assert per_day == {1: 2, 2: 2}


# --- plans over frames ---------------------------------------------------------------------


def line_demand() -> pd.DataFrame:
    """Five LSOAs on a line 0.5 km apart, with very different numbers unvaccinated."""
    return with_keys(
        pd.DataFrame(
            {
                "lsoa_code": [f"L{i}" for i in range(5)],
                "lon": [east(500 * i) for i in range(5)],
                "lat": [LAT] * 5,
                "vaccinated": [20, 10, 400, 400, 300],
                "population": [100, 12, 700, 700, 600],
            }
        )
    )


def test_plan_sites_beats_the_lowest_uptake_plan():
    demand = line_demand()
    candidates = demand[["lsoa_code", "lon", "lat"]].assign(
        name=demand["lsoa_code"], postcode="X1 1XX"
    )
    # 600 m straight-line reach: a site covers its own point and its neighbours.
    plan = plan_sites(demand, candidates, 1, Reach(600, 1.0), rule=EXACT)
    assert plan.sites["name"].tolist() == ["L3"]  # reaches L2, L3, L4: 300 + 300 + 300
    assert plan.solution.covered == 900
    assert plan.sites[["vaccinated", "population"]].iloc[0].tolist() == [1100, 2000]
    # Key sums add up over the LSOAs a site counts, like the counts.
    reached = demand[demand["lsoa_code"].isin(["L2", "L3", "L4"])]
    keys = ["vaccinated_key", "population_key"]
    assert plan.sites[keys].iloc[0].tolist() == reached[keys].sum().tolist()
    # Naive: the lowest uptake is L0 (20 of 100), which reaches L0 and L1: 80 + 2
    assert plan.naive["name"].tolist() == ["L0"]
    assert plan.naive_covered == 82


def test_plans_choose_places_by_shown_counts_never_by_exact_ones():
    # Exactly, L1 has one more unvaccinated person (103 against 102); after the cell-key
    # perturbation L1 shows 100 and L2 105, so the choice follows what is shown.
    demand = pd.DataFrame(
        {
            "lsoa_code": ["L1", "L2"],
            "lon": [east(0), east(5_000)],
            "lat": [LAT, LAT],
            "vaccinated": [0, 0],
            "population": [103, 102],
            "vaccinated_key": [0, 0],
            "population_key": [255, 0],  # cell key 255 rounds 103 down, 0 rounds 102 up
        }
    )
    candidates = demand[["lsoa_code", "lon", "lat"]].assign(name=["A", "B"], postcode="")
    assert plan_sites(demand, candidates, 1, Reach(600, 1.0), rule=EXACT).sites[
        "name"
    ].tolist() == ["A"]
    assert plan_sites(demand, candidates, 1, Reach(600, 1.0)).sites["name"].tolist() == ["B"]


def test_a_place_whose_unvaccinated_are_hidden_is_never_chosen():
    # One unvaccinated person in L1 (hidden as <8) must not draw a site there: a chosen
    # site would tell that someone in that small cohort is unvaccinated.
    demand = with_keys(
        pd.DataFrame(
            {
                "lsoa_code": ["L1", "L2"],
                "lon": [east(0), east(5_000)],
                "lat": [LAT, LAT],
                "vaccinated": [0, 40],
                "population": [1, 40],
            }
        )
    )
    candidates = demand[["lsoa_code", "lon", "lat"]].assign(name=["A", "B"], postcode="")
    plan = plan_sites(demand, candidates, 2, Reach(600, 1.0))
    assert "A" not in plan.sites["name"].tolist()
    assert plan.naive.empty or "A" not in plan.naive["name"].tolist()


def test_plan_sites_can_leave_out_people_near_existing_sites():
    demand = line_demand()
    candidates = demand[["lsoa_code", "lon", "lat"]].assign(name=demand["lsoa_code"], postcode="")
    existing = pd.DataFrame({"lon": [east(2000)], "lat": [LAT]})  # on L4
    plan = plan_sites(demand, candidates, 1, Reach(600, 1.0), existing, rule=EXACT)
    assert set(plan.excluded_lsoas) == {"L3", "L4"}
    assert plan.sites["name"].tolist() == ["L1"]
    assert plan.solution.covered == 382  # L0 + L1 + L2 from L1
    assert int(plan.eligible["population"].iloc[0]) == 812
    eligible = demand[~demand["lsoa_code"].isin(["L3", "L4"])]
    assert int(plan.eligible["population_key"].iloc[0]) == int(eligible["population_key"].sum())


def test_plan_bus_routes_the_chosen_stops_and_counts_people_once():
    demand = line_demand()
    candidates = demand[["lsoa_code", "lon", "lat"]].assign(name=demand["lsoa_code"], postcode="")
    timetable = Timetable(days=1, stops_per_day=2, day_minutes=480, **ROUTE)
    plan = plan_bus(
        demand, candidates, (east(-1000), LAT), "Depot", Reach(600, 1.0), timetable, rule=EXACT
    )
    assert plan.dropped.empty
    assert len(plan.itinerary) == 2
    total = int((plan.itinerary["population"] - plan.itinerary["vaccinated"]).sum())
    assert total == plan.solution.covered == 982  # everyone: two stops cover all five
    codes = [c for row in plan.itinerary["lsoa_codes"] for c in row]
    assert sorted(codes) == sorted(set(codes))  # no LSOA counted at two stops
    assert plan.itinerary["arrival"].iloc[0] > "09:00"


def test_top_languages_are_protected():
    languages = pd.DataFrame(
        {
            "lsoa_code": ["L1", "L1", "L1", "L2"],
            "main_language": ["English", "Turkish", "Polish", "Turkish"],
            "vaccinated": [100, 10, 50, 20],
            "population": [300, 60, 53, 42],
            "vaccinated_key": [12_000, 1_300, 6_100, 2_500],
            "population_key": [38_000, 7_600, 6_700, 5_400],
        }
    )
    rule = DisclosureRule(8, 5)
    text = top_languages(("L1", "L2"), languages, rule)
    # unvaccinated: English 300 - 100 = 200; Turkish 102 - 30 = 72, Polish 3 (<8).
    # Turkish's population key sum 7,600 + 5,400 = 13,000 has cell key 200: 102 (2 past 100)
    # rounds down (it would round up below 102), so 100 - 30 = 70 unvaccinated are shown.
    assert text == "English (200), Turkish (70), Polish (<8)"
    # Other people (cell key 50 < 102): 102 is shown as 105, so 75 unvaccinated.
    other = languages.assign(population_key=[38_000, 7_600, 6_700, 5_250])
    assert top_languages(("L1", "L2"), other, rule) == "English (200), Turkish (75), Polish (<8)"


def test_top_languages_are_ordered_by_shown_counts_and_ties_by_name():
    languages = pd.DataFrame(
        {
            "lsoa_code": ["L1", "L1", "L1"],
            "main_language": ["Somali", "Bengali", "Urdu"],
            "vaccinated": [0, 0, 0],
            "population": [52, 48, 40],
            "vaccinated_key": [0, 0, 0],
            "population_key": [6_655, 6_144, 5_000],  # cell keys 255 and 0: 52 -> 50, 48 -> 50
        }
    )
    text = top_languages(("L1",), languages, DisclosureRule(8, 5), n=2)
    # Somali has more people unvaccinated (52 against 48), but both are shown as 50.
    assert text == "Bengali (50), Somali (50)"

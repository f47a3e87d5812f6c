"""Vaccine-bus routes: order chosen stops into days under a time budget with OR-Tools routing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from phm.geo import distance_matrix

DEFAULT_ROAD_FACTOR = 1.4  # road distance over straight line, a typical urban detour ratio
DEFAULT_SPEED_KMH = 15.0  # average bus speed in inner-London traffic
DEFAULT_ROUTE_TIME_LIMIT_S = 2.0
DROP_PENALTY_BASE = 10_000_000  # dwarfs any day's travel seconds, so stops are dropped only to fit


@dataclass(frozen=True)
class Timetable:
    """How the bus runs: days, stops and minutes per day, dwell per stop, speed and road factor."""

    days: int = 3
    stops_per_day: int = 8
    day_minutes: int = 600
    dwell_minutes: int = 45
    speed_kmh: float = DEFAULT_SPEED_KMH
    road_factor: float = DEFAULT_ROAD_FACTOR
    start_minute: int = 9 * 60  # first departure from the depot, minutes after midnight

    def __post_init__(self) -> None:
        """Check every number is in a usable range."""
        checks = {
            "days": 1 <= self.days <= 14,
            "stops_per_day": 1 <= self.stops_per_day <= 20,
            "day_minutes": 30 <= self.day_minutes <= 16 * 60,
            "dwell_minutes": 5 <= self.dwell_minutes <= 8 * 60,
            "speed_kmh": 1 <= self.speed_kmh <= 80,
            "road_factor": 1 <= self.road_factor <= 3,
            "start_minute": 0 <= self.start_minute < 24 * 60,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"out of range: {', '.join(bad)}")

    def describe(self) -> str:
        """Return the assumptions in one sentence for captions and exports."""
        return (
            f"{self.days} day(s), up to {self.stops_per_day} stops and {self.day_minutes} minutes a"
            f" day from leaving the depot to returning, {self.dwell_minutes} minutes at each stop;"
            f" travel at {self.speed_kmh:g} km/h over road distance taken as {self.road_factor:g} x"
            " the straight line (no road network is available offline)"
        )


@dataclass(frozen=True)
class Visit:
    """One stop on one day: which candidate, and when the bus arrives (minutes after midnight)."""

    day: int
    order: int
    stop: int
    arrival_minute: int
    travel_minutes: int


def travel_seconds(lon: Sequence[float], lat: Sequence[float], timetable: Timetable) -> np.ndarray:
    """Return whole seconds of driving between every pair of points (road factor and speed)."""
    metres = distance_matrix(lon, lat, lon, lat) * timetable.road_factor
    return np.rint(metres / (timetable.speed_kmh * 1000 / 3600)).astype(np.int64)


def route_days(
    depot: tuple[float, float],
    stop_lon: Sequence[float],
    stop_lat: Sequence[float],
    values: Sequence[int],
    timetable: Timetable,
    time_limit_s: float = DEFAULT_ROUTE_TIME_LIMIT_S,
) -> tuple[list[Visit], list[int]]:
    """Order stops into days from and back to the depot; return the visits and the stops dropped.

    Every stop should be visited; where the days cannot hold them all, the solver drops the
    stops worth least (`values`, e.g. people reached) first. Travel time is minimised.
    """
    n = len(stop_lon)
    if n == 0:
        return [], []
    if not len(stop_lat) == len(values) == n:
        raise ValueError("stop_lon, stop_lat and values must have the same length")
    lon = [depot[0], *stop_lon]
    lat = [depot[1], *stop_lat]
    travel = travel_seconds(lon, lat, timetable)
    dwell = timetable.dwell_minutes * 60
    manager = pywrapcp.RoutingIndexManager(n + 1, timetable.days, 0)
    routing = pywrapcp.RoutingModel(manager)

    def drive(from_index: int, to_index: int) -> int:
        """Return driving seconds between two routing indices."""
        return int(travel[manager.IndexToNode(from_index), manager.IndexToNode(to_index)])

    def drive_and_dwell(from_index: int, to_index: int) -> int:
        """Return dwell at the 'from' stop plus driving to the next one, in seconds."""
        node = manager.IndexToNode(from_index)
        return (dwell if node else 0) + drive(from_index, to_index)

    def one_stop(from_index: int) -> int:
        """Return 1 for a stop, 0 for the depot."""
        return 1 if manager.IndexToNode(from_index) else 0

    cost = routing.RegisterTransitCallback(drive)
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    clock = routing.RegisterTransitCallback(drive_and_dwell)
    routing.AddDimension(clock, 0, timetable.day_minutes * 60, True, "time")
    counter = routing.RegisterUnaryTransitCallback(one_stop)
    routing.AddDimensionWithVehicleCapacity(
        counter, 0, [timetable.stops_per_day] * timetable.days, True, "stops"
    )
    for node in range(1, n + 1):
        penalty = DROP_PENALTY_BASE * (1 + int(values[node - 1]))
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(search)
    if solution is None:
        raise ValueError("no route fits these days; allow more minutes a day or fewer stops")

    time_dim = routing.GetDimensionOrDie("time")
    visits: list[Visit] = []
    visited: set[int] = set()
    for day in range(timetable.days):
        index = routing.Start(day)
        previous = 0
        order = 0
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                order += 1
                visited.add(node - 1)
                arrival = solution.Value(time_dim.CumulVar(index)) // 60
                visits.append(
                    Visit(
                        day + 1,
                        order,
                        node - 1,
                        timetable.start_minute + int(arrival),
                        int(round(travel[previous, node] / 60)),
                    )
                )
            previous = node
            index = solution.Value(routing.NextVar(index))
    dropped = [i for i in range(n) if i not in visited]
    return visits, dropped

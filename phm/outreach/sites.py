"""Pop-up site selection: the maximal covering location problem, solved as a MIP (OR-Tools, SCIP)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from phm.outreach.coverage import covered_count, order_by_gain

DEFAULT_TIME_LIMIT_S = 10.0
SOLVER = (
    "SCIP"  # bundled with OR-Tools; branch and bound on the LP relaxation, so it proves its bound
)


@dataclass(frozen=True)
class CoverSolution:
    """Chosen sites (indices into the candidates) and how good the choice provably is."""

    chosen: tuple[int, ...]
    covered: int
    bound: int
    optimal: bool
    seconds: float

    @property
    def gap_pct(self) -> float:
        """Return how far the solution may be below the best possible, as % of the bound."""
        return 0.0 if self.bound <= 0 else 100.0 * (self.bound - self.covered) / self.bound


def solve_mclp(
    coverage: np.ndarray,
    weights: Sequence[int],
    n_sites: int,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> CoverSolution:
    """Choose up to n_sites candidates (rows) to maximise the weight of demand (columns) reached.

    Each demand point counts once however many chosen sites reach it (Church and ReVelle's
    maximal covering location problem). Weights must be non-negative integers (people).
    """
    started = time.perf_counter()
    weights = np.asarray(weights)
    if coverage.ndim != 2 or coverage.shape[1] != len(weights):
        raise ValueError("coverage must have one column per demand weight")
    if n_sites < 1:
        raise ValueError(f"choose at least one site, got {n_sites}")
    if np.any(weights < 0) or not np.all(np.equal(np.mod(weights, 1), 0)):
        raise ValueError("weights must be non-negative whole numbers")
    weights = weights.astype(np.int64)
    useful_demand = np.flatnonzero((weights > 0) & coverage.any(axis=0))
    useful_sites = np.flatnonzero(coverage[:, useful_demand].any(axis=1))
    if len(useful_sites) == 0:
        return CoverSolution((), 0, 0, True, time.perf_counter() - started)
    if len(useful_sites) <= n_sites:
        chosen = order_by_gain(coverage, weights, useful_sites.tolist())
        total = covered_count(coverage, weights, chosen)
        return CoverSolution(tuple(chosen), total, total, True, time.perf_counter() - started)

    solver = pywraplp.Solver.CreateSolver(SOLVER)
    if solver is None:
        raise ValueError(f"OR-Tools was built without the {SOLVER} solver")
    site_vars = {int(s): solver.BoolVar(f"x{s}") for s in useful_sites}
    demand_vars = {}
    for d in useful_demand:
        reaching = [
            site_vars[int(useful_sites[i])] for i in np.flatnonzero(coverage[useful_sites, d])
        ]
        y = solver.BoolVar(f"y{d}")
        solver.Add(y <= solver.Sum(reaching))
        demand_vars[int(d)] = y
    solver.Add(solver.Sum(list(site_vars.values())) <= n_sites)
    solver.Maximize(solver.Sum([int(weights[d]) * y for d, y in demand_vars.items()]))
    solver.SetTimeLimit(int(1000 * time_limit_s))
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        raise ValueError(f"the solver found no plan within {time_limit_s} s")
    picked = [s for s, x in site_vars.items() if x.solution_value() > 0.5]
    chosen = order_by_gain(coverage, weights, picked)
    total = covered_count(coverage, weights, chosen)
    bound = max(total, int(np.floor(solver.Objective().BestBound() + 1e-6)))
    return CoverSolution(
        tuple(chosen),
        total,
        bound,
        status == pywraplp.Solver.OPTIMAL,
        time.perf_counter() - started,
    )

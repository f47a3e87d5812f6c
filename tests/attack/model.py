"""The attacker's integer model (OR-Tools CP-SAT): what each shown figure says about the true counts.

The constraint set is a parameter, so the same attacker runs against today's rule (each count
rounded to the nearest 5 on its own, errors up to 2, unvaccinated protected separately) and the
cell key method (counts rounded up or down to a multiple of 5 by cell key, errors up to 4, the
same people always shown the same value, unvaccinated derived from the two shown counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from ortools.sat.python import cp_model

from phm.disclosure import DEFAULT_RULE, DisclosureRule, smallest_shown
from tests.attack.shown import Cell, Row, Trend

# Which rule the attacker assumes the pages apply: "rounding" (today's), "cell_key" (the new
# one), or "auto" to tell them apart by the columns a protected frame carries.
PUBLISHED_RULE = "auto"
SOLVER_SECONDS = 5.0  # per optimisation; a timeout counts as not pinned and is reported
CEILING = 10_000_000  # upper bound of a count the pages say nothing about
Expr = cp_model.LinearExprT


@dataclass(frozen=True)
class Constraints:
    """What a shown count tells about the true count under one published rule."""

    name: str
    threshold: int  # counts 1..threshold-1 are shown as <threshold; 0 is shown as 0
    max_error: int  # a shown count lies within this of the true count
    independent_unvaccinated: bool  # unvaccinated is protected on its own, not derived
    independent_weekly: bool  # weekly doses are protected on their own, not cumulative differences
    marks_small: bool  # "<8" marks the small count of a hidden pair, "*" one hidden to protect
    unvaccinated_hidden_max: int  # a hidden pair: vaccinated small, or unvaccinated 1..this


@dataclass(frozen=True)
class Bounds:
    """The least and greatest value of an unknown over every solution (None when infeasible)."""

    low: int | None
    high: int | None
    timed_out: bool = False

    @property
    def infeasible(self) -> bool:
        """Return True when no true counts fit what the pages show (the model is wrong)."""
        return self.low is None or self.high is None

    def holds(self, truth: int) -> bool:
        """Return True when the true value lies within the bounds (the attacker is sound)."""
        return not self.infeasible and self.low <= truth <= self.high  # type: ignore[operator]

    def pins(self, truth: int) -> bool:
        """Return True when the solver proves exactly one value, the true one (a timeout never pins)."""
        return self.holds(truth) and self.low == self.high and not self.timed_out

    def within_one(self, truth: int) -> bool:
        """Return True when the bounds prove the value to within ±1 (at most three values)."""
        return self.holds(truth) and self.high - self.low <= 2  # type: ignore[operator]


def rounding_constraints(rule: DisclosureRule = DEFAULT_RULE) -> Constraints:
    """Return the constraint set of today's rule: each count rounded to the nearest multiple."""
    return Constraints(
        "rounding", rule.threshold, rule.rounding // 2, True, True, True, rule.threshold - 1
    )


def cell_key_constraints(rule: DisclosureRule = DEFAULT_RULE) -> Constraints:
    """Return the constraint set of the cell key method: rounded up or down, unvaccinated derived."""
    # A pair is also hidden when the two shown counts differ by less than the smallest count
    # shown (phm.disclosure.protect): then unvaccinated is at most that plus base - 2.
    limit = smallest_shown(rule) + rule.rounding - 2
    return Constraints(
        "cell_key", rule.threshold, max(rule.rounding - 1, 0), False, False, False, limit
    )


def constraints_for(frame: pd.DataFrame, published: str | None = None) -> Constraints:
    """Return the constraint set of the published rule, telling rules apart by a frame's columns."""
    published = published or PUBLISHED_RULE
    if published == "auto":
        published = "rounding" if "unvaccinated_protecting" in frame.columns else "cell_key"
    if published == "rounding":
        return rounding_constraints()
    if published == "cell_key":
        return cell_key_constraints()
    raise ValueError(f"unknown rule {published!r}: use rounding, cell_key or auto")


def shown_range(value: int, cons: Constraints) -> tuple[int, int]:
    """Return the least and greatest true count that the pages can show as `value`."""
    if value == 0:
        return 0, 0
    return max(value - cons.max_error, cons.threshold), value + cons.max_error


def small_range(cons: Constraints) -> tuple[int, int]:
    """Return the true counts shown as small (<threshold)."""
    return 1, cons.threshold - 1


def add_range(model: cp_model.CpModel, expr: Expr, span: tuple[int, int]) -> None:
    """Require low <= expr <= high."""
    model.add(expr >= span[0])  # type: ignore[operator]
    model.add(expr <= span[1])  # type: ignore[operator]


def add_either_small(model: cp_model.CpModel, first: Expr, second: Expr, cons: Constraints) -> None:
    """Require that the first count is small or the second at most its limit (a hidden pair)."""
    first_small = model.new_bool_var("first_small")
    low, high = small_range(cons)
    model.add(first >= low).only_enforce_if(first_small)  # type: ignore[operator]
    model.add(first <= high).only_enforce_if(first_small)  # type: ignore[operator]
    model.add(second >= low).only_enforce_if(~first_small)  # type: ignore[operator]
    model.add(second <= cons.unvaccinated_hidden_max).only_enforce_if(~first_small)  # type: ignore[operator]


def add_row(
    model: cp_model.CpModel,
    population: Expr,
    vaccinated: Expr,
    row: Row,
    cons: Constraints,
) -> None:
    """Add what one shown row says about its true population and vaccinated count."""
    unvaccinated = population - vaccinated
    model.add(vaccinated <= population)
    if row.population.value is not None:
        add_range(model, population, shown_range(row.population.value, cons))
    elif row.population.small:
        add_range(model, population, small_range(cons))
        return  # a small population hides the whole row: its other marks say nothing more
    add_count(model, vaccinated, row.vaccinated, cons)
    if cons.independent_unvaccinated and row.unvaccinated is not None:
        add_count(model, unvaccinated, row.unvaccinated, cons)
    elif row.vaccinated.value is None and row.vaccinated.small:
        add_either_small(model, vaccinated, unvaccinated, cons)


def add_count(model: cp_model.CpModel, expr: Expr, cell: Cell, cons: Constraints) -> None:
    """Add what one shown (or marked) count says about its true value."""
    if cell.value is not None:
        add_range(model, expr, shown_range(cell.value, cons))
    elif cell.small and cons.marks_small:
        add_range(model, expr, small_range(cons))


def add_rises(model: cp_model.CpModel, counts: list[cp_model.IntVar], rows: list[Row]) -> None:
    """Cumulative counts never fall, and a shown count that changes means more people."""
    for before, after in zip(counts, counts[1:], strict=False):
        model.add(after >= before)
    previous: tuple[cp_model.IntVar, int] | None = None
    for count, row in zip(counts, rows, strict=True):
        if row.vaccinated.value is None:
            continue
        if previous is not None and row.vaccinated.value != previous[1]:
            model.add(count >= previous[0] + 1)
        previous = (count, row.vaccinated.value)


def add_dose_order(model: cp_model.CpModel, counts: dict[str, list[cp_model.IntVar]]) -> None:
    """Everyone with a later dose has the earlier ones: dose 3 <= dose 2 <= dose 1 every week."""
    doses = sorted(counts)
    for earlier, later in zip(doses, doses[1:], strict=False):
        for first, second in zip(counts[earlier], counts[later], strict=True):
            model.add(second <= first)


@dataclass(frozen=True)
class Series:
    """The unknowns of one cohort's Trends series: its population and cumulative counts per dose."""

    population: cp_model.IntVar
    vaccinated: dict[str, list[cp_model.IntVar]]


def add_series(
    model: cp_model.CpModel, shown: dict[str, Trend], cons: Constraints, name: str
) -> Series:
    """Add one cohort's Trends figures for the three doses to the model and return its unknowns."""
    population = model.new_int_var(0, CEILING, f"{name}_population")
    if not any(trend.cumulative for trend in shown.values()):
        model.add(population == 0)  # the page says: no one in this cohort
    counts: dict[str, list[cp_model.IntVar]] = {}
    for dose, trend in shown.items():
        rows = trend.cumulative
        counts[dose] = [
            model.new_int_var(0, CEILING, f"{name}_d{dose}_{w}") for w in range(len(rows))
        ]
        for count, row in zip(counts[dose], rows, strict=True):
            add_row(model, population, count, row, cons)
        add_rises(model, counts[dose], rows)
        if cons.independent_weekly and trend.weekly:
            add_weekly(model, population, counts[dose], trend.weekly, cons)
    if len({len(c) for c in counts.values()}) == 1:
        add_dose_order(model, counts)
    return Series(population, counts)


def add_weekly(
    model: cp_model.CpModel,
    population: cp_model.IntVar,
    counts: list[cp_model.IntVar],
    rows: list[Row],
    cons: Constraints,
) -> None:
    """Add what the weekly doses bars say: each is this week's cumulative count minus last week's."""
    previous: Expr = 0
    for count, row in zip(counts, rows, strict=True):
        add_row(model, population, count - previous, row, cons)
        previous = count


def optimise(
    model: cp_model.CpModel, expr: cp_model.IntVar, maximise: bool
) -> tuple[int | None, bool]:
    """Return the proven least (or greatest) value of expr, and whether the solver timed out."""
    if maximise:
        model.maximize(expr)
    else:
        model.minimize(expr)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = SOLVER_SECONDS
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value), False
    if status == cp_model.INFEASIBLE:
        return None, False
    bound = solver.best_objective_bound  # still a sound bound when the solver stops early
    return (int(bound // 1) if maximise else -int(-bound // 1)), True


def bound(model: cp_model.CpModel, expr: cp_model.IntVar) -> Bounds:
    """Return the least and greatest value of expr over every solution of the model."""
    low, low_timed_out = optimise(model, expr, maximise=False)
    if low is None:
        return Bounds(None, None)
    high, high_timed_out = optimise(model, expr, maximise=True)
    return Bounds(low, high, low_timed_out or high_timed_out)


def bound_population(shown: dict[str, Trend], cons: Constraints) -> Bounds:
    """Return the bounds an attacker proves on a cohort's population from its Trends series."""
    model = cp_model.CpModel()
    series = add_series(model, shown, cons, "cohort")
    return bound(model, series.population)

"""The four attacks of issue 12, run as an outsider would, each returning its figures.

1. Trends: an integer model over a cohort's three cumulative dose series pins its population.
2. Complement: a suppressed cell (one first language in one MSOA) is the MSOA minus the MSOA
   with every other language, both pinned as in 1.
3. As-at: a small area's population on two consecutive days gives its exact net change.
4. Narrowing: shown vaccinated + unvaccinated against shown population narrows each count.

Targets are chosen from the ground truth (truth.py), which also scores the attacks; the attacker
itself reads only what the pages show (shown.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from phm.cohort import DEFAULT_AS_AT, Cohort
from phm.disclosure import DEFAULT_RULE
from phm.schema import DOSE_DATE_COLUMNS
from tests.attack import truth
from tests.attack.model import (
    Bounds,
    Constraints,
    add_series,
    bound,
    bound_population,
    constraints_for,
    shown_range,
    small_range,
)
from tests.attack.shown import (
    DOSES,
    Row,
    list_languages,
    read_rows,
    show_population,
    show_table,
    show_trends,
)

TREND_COHORTS = 12
SMALL_CELLS = 20
AS_AT_AREAS = 16
POPULATION_RANGE = (20, 400)  # cohorts the Trends attack is tried on
AS_AT_WINDOW = 30  # days before the default as-at date searched for a change
# Tables whose rows the narrowing attack reads: page -> (dimensions, ground-truth SQL keys).
NARROWING_TABLES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "Explore ethnicity x MSOA": (
        ("ethnicity_code", "msoa"),
        {"ethnicity_code": "p.ethnicity_code", "msoa": "l.msoa_code"},
    ),
    "Map by LSOA": (("lsoa",), {"lsoa": "p.lsoa_code"}),
    "Compare by practice": (("practice",), {"practice": "p.practice_code"}),
}


@dataclass(frozen=True)
class Outcome:
    """One attacked figure: what the attacker proved, the truth, and two point guesses."""

    bounds: Bounds
    truth: int
    guess: int | None = None  # the naive baseline's guess
    estimate: int | None = None  # the attacker's point estimate from shown figures


@dataclass(frozen=True)
class Figures:
    """What one attack achieved: figures tried, proved exactly, proved to ±1, and a baseline."""

    attack: str
    tried: int
    exact: int
    within_one: int
    baseline_exact: int | None = None
    baseline_within_one: int | None = None
    timeouts: int = 0
    unsound: int = 0
    estimate_exact: int | None = None
    estimate_within_one: int | None = None
    mismatched: int | None = None
    narrowed: int | None = None


def published_constraints(
    con: duckdb.DuckDBPyConnection, published: str | None = None
) -> Constraints:
    """Return the attacker's constraint set for the rule the pages apply (model.PUBLISHED_RULE)."""
    return constraints_for(show_table(con, Cohort()), published)


def spread(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """Return up to n rows spread evenly through a frame (deterministic)."""
    if len(frame) <= n:
        return frame.reset_index(drop=True)
    picks = np.unique(np.linspace(0, len(frame) - 1, n).round().astype(int))
    return frame.iloc[picks].reset_index(drop=True)


def hits(values: Iterable[int | None], truths: Iterable[int], slack: int) -> int:
    """Return how many point values lie within `slack` of their truths."""
    return sum(v is not None and abs(v - t) <= slack for v, t in zip(values, truths, strict=True))


def score(attack: str, outcomes: list[Outcome]) -> Figures:
    """Return the figures of an attack from its outcomes."""
    truths = [o.truth for o in outcomes]
    guesses = [o.guess for o in outcomes]
    estimates = [o.estimate for o in outcomes]
    has_estimates = any(e is not None for e in estimates)
    return Figures(
        attack=attack,
        tried=len(outcomes),
        exact=sum(o.bounds.pins(o.truth) for o in outcomes),
        within_one=sum(o.bounds.within_one(o.truth) for o in outcomes),
        baseline_exact=hits(guesses, truths, 0),
        baseline_within_one=hits(guesses, truths, 1),
        timeouts=sum(o.bounds.timed_out for o in outcomes),
        unsound=sum(not o.bounds.holds(o.truth) for o in outcomes),
        estimate_exact=hits(estimates, truths, 0) if has_estimates else None,
        estimate_within_one=hits(estimates, truths, 1) if has_estimates else None,
    )


# --- 1. Trends: pin a cohort's population from its three cumulative series -------------------


def choose_trend_cohorts(con: duckdb.DuckDBPyConnection, n: int) -> list[tuple[Cohort, int]]:
    """Return n cohorts of 20-400 people (half MSOAs, half MSOA x broad ethnic group) and their sizes."""
    low, high = POPULATION_RANGE
    msoas = truth.msoa_populations(con, DEFAULT_AS_AT)
    msoas = spread(msoas[msoas["population"].between(low, high)], n // 2)
    groups = truth.msoa_group_populations(con, DEFAULT_AS_AT)
    groups = spread(groups[groups["population"].between(low, high)], n - len(msoas))
    chosen = [(Cohort(msoas=(r.msoa,)), int(r.population)) for r in msoas.itertuples()]
    chosen += [
        (Cohort(msoas=(r.msoa,), ethnic_groups=(r.ethnic_group,)), int(r.population))
        for r in groups.itertuples()
    ]
    return chosen


def trends_outcomes(
    con: duckdb.DuckDBPyConnection, cons: Constraints, n: int = TREND_COHORTS
) -> list[Outcome]:
    """Return, per cohort, the population bounds proved from Trends against a guess from one table."""
    return [
        Outcome(
            bound_population(show_trends(con, cohort, cons.independent_weekly), cons),
            population,
            guess=show_population(con, cohort),
        )
        for cohort, population in choose_trend_cohorts(con, n)
    ]


def trends_attack(
    con: duckdb.DuckDBPyConnection, cons: Constraints, n: int = TREND_COHORTS
) -> Figures:
    """Return the figures of the Trends attack (baseline: the population one table shows)."""
    return score("1. Trends CP-SAT: cohort populations", trends_outcomes(con, cons, n))


# --- 2. Complement: a suppressed cell as the MSOA minus every other language ------------------


def choose_small_cells(con: duckdb.DuckDBPyConnection, n: int) -> tuple[pd.DataFrame, int]:
    """Return n (msoa, main_language, population) cells of 1..threshold-1 people, and their mode."""
    cells = truth.msoa_language_populations(con, DEFAULT_AS_AT)
    cells = cells[cells["population"].between(1, DEFAULT_RULE.threshold - 1)]
    return spread(cells, n), int(cells["population"].mode().min())


def estimate_difference(
    con: duckdb.DuckDBPyConnection, total: Cohort, others: Cohort
) -> int | None:
    """Return shown(total) - shown(others) from the tables, None when either is hidden."""
    whole, rest = show_population(con, total), show_population(con, others)
    return None if whole is None or rest is None else whole - rest


def bound_complement(
    con: duckdb.DuckDBPyConnection, total: Cohort, others: Cohort, cell: Cohort, cons: Constraints
) -> Bounds:
    """Return bounds on the cell's population from the three cohorts' Trends series together."""
    model = cp_model.CpModel()
    whole = add_series(model, show_trends(con, total, cons.independent_weekly), cons, "total")
    rest = add_series(model, show_trends(con, others, cons.independent_weekly), cons, "others")
    part = add_series(model, show_trends(con, cell, cons.independent_weekly), cons, "cell")
    model.add(part.population == whole.population - rest.population)
    for dose in DOSES:
        for p, w, r in zip(
            part.vaccinated[dose], whole.vaccinated[dose], rest.vaccinated[dose], strict=True
        ):
            model.add(p == w - r)
    return bound(model, part.population)


def complement_outcomes(
    con: duckdb.DuckDBPyConnection, cons: Constraints, n: int = SMALL_CELLS
) -> list[Outcome]:
    """Return, per suppressed cell, the bounds proved, the shown difference and the modal guess."""
    cells, mode = choose_small_cells(con, n)
    languages = list_languages(con)
    outcomes = []
    for msoa, language, population in cells[["msoa", "main_language", "population"]].itertuples(
        index=False
    ):
        total = Cohort(msoas=(msoa,))
        others = Cohort(msoas=(msoa,), languages=tuple(x for x in languages if x != language))
        cell = Cohort(msoas=(msoa,), languages=(language,))
        outcomes.append(
            Outcome(
                bound_complement(con, total, others, cell, cons),
                int(population),
                guess=mode,
                estimate=estimate_difference(con, total, others),
            )
        )
    return outcomes


def complement_attack(
    con: duckdb.DuckDBPyConnection, cons: Constraints, n: int = SMALL_CELLS
) -> Figures:
    """Return the figures of the complement attack (baseline: guess the commonest small value)."""
    return score("2. Complement: suppressed language x MSOA", complement_outcomes(con, cons, n))


# --- 3. As-at: the net change of an area's population between two days -----------------------


def choose_changes(con: duckdb.DuckDBPyConnection, n: int) -> pd.DataFrame:
    """Return n (msoa, day, before, after) where an MSOA's population changes the next day."""
    last = DEFAULT_AS_AT - timedelta(days=1)
    changes = truth.msoa_changes(con, last - timedelta(days=AS_AT_WINDOW - 1), last)
    changes = changes[changes["before"] != changes["after"]]
    changes = changes.drop_duplicates("msoa", keep="last")
    return spread(changes, n)


def bound_change(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, day: date, cons: Constraints
) -> Bounds:
    """Return bounds on a cohort's population change from day to the next, from Trends on both."""
    before = bound_population(
        show_trends(con, replace(cohort, as_at=day), cons.independent_weekly), cons
    )
    after = bound_population(
        show_trends(con, replace(cohort, as_at=day + timedelta(1)), cons.independent_weekly), cons
    )
    if before.infeasible or after.infeasible:
        return Bounds(None, None)
    return Bounds(
        after.low - before.high,  # type: ignore[operator]
        after.high - before.low,  # type: ignore[operator]
        before.timed_out or after.timed_out,
    )


def shown_change(con: duckdb.DuckDBPyConnection, cohort: Cohort, day: date) -> int | None:
    """Return the change of the shown table population from day to the next."""
    before = show_population(con, replace(cohort, as_at=day))
    after = show_population(con, replace(cohort, as_at=day + timedelta(1)))
    return None if before is None or after is None else after - before


def as_at_outcomes(
    con: duckdb.DuckDBPyConnection, cons: Constraints, n: int = AS_AT_AREAS
) -> list[Outcome]:
    """Return, per area and day, the bounds proved on the net change and the shown difference."""
    outcomes = []
    for row in choose_changes(con, n).itertuples():
        cohort = Cohort(msoas=(row.msoa,))
        day = pd.Timestamp(row.day).date()
        outcomes.append(
            Outcome(
                bound_change(con, cohort, day, cons),
                int(row.after) - int(row.before),
                guess=shown_change(con, cohort, day),
            )
        )
    return outcomes


def as_at_attack(
    con: duckdb.DuckDBPyConnection, cons: Constraints, n: int = AS_AT_AREAS
) -> Figures:
    """Return the figures of the as-at attack (baseline: the difference of two shown tables)."""
    return score("3. As-at: one-day change of an MSOA", as_at_outcomes(con, cons, n))


# --- 4. Narrowing: vaccinated + unvaccinated against population in one row --------------------


def unvaccinated_span(row: Row, cons: Constraints) -> tuple[int, int] | None:
    """Return what a row's unvaccinated figure says about the true unvaccinated, None if nothing."""
    cell = row.unvaccinated
    if not cons.independent_unvaccinated or cell is None:
        return None
    if cell.value is not None:
        return shown_range(cell.value, cons)
    return small_range(cons) if cell.small and cons.marks_small else None


def candidates(row: Row, cons: Constraints) -> dict[str, set[int]]:
    """Return every true vaccinated, unvaccinated and population a fully shown row allows."""
    v_low, v_high = shown_range(row.vaccinated.value, cons)  # type: ignore[arg-type]
    p_low, p_high = shown_range(row.population.value, cons)  # type: ignore[arg-type]
    span = unvaccinated_span(row, cons)
    pairs = [
        (v, p)
        for v in range(v_low, v_high + 1)
        for p in range(max(p_low, v), p_high + 1)
        if span is None or span[0] <= p - v <= span[1]
    ]
    return {
        "vaccinated": {v for v, _ in pairs},
        "unvaccinated": {p - v for v, p in pairs},
        "population": {p for _, p in pairs},
    }


def narrowed_sets(row: Row, sets: dict[str, set[int]], cons: Constraints) -> list[set[int]]:
    """Return the candidate sets the row narrows below what each count's own shown value allows.

    A count shown as 0 is exactly 0 under both rules: that is published, not narrowed.
    """
    alone = {
        "vaccinated": span_size(shown_range(row.vaccinated.value, cons)),  # type: ignore[arg-type]
        "population": span_size(shown_range(row.population.value, cons)),  # type: ignore[arg-type]
    }
    span = unvaccinated_span(row, cons)
    alone["unvaccinated"] = span_size(span) if span else len(sets["unvaccinated"])
    return [values for name, values in sets.items() if len(values) < alone[name]]


def span_size(span: tuple[int, int]) -> int:
    """Return how many whole numbers a closed range holds."""
    return span[1] - span[0] + 1


def is_mismatched(row: Row) -> bool:
    """Return True when shown vaccinated + unvaccinated differs from shown population."""
    u = row.unvaccinated
    if u is None or u.value is None:
        return False
    return row.vaccinated.value + u.value != row.population.value  # type: ignore[operator]


def narrowing_figures(
    con: duckdb.DuckDBPyConnection, page: str, cons: Constraints, dose: str = "1"
) -> Figures:
    """Return how many rows of one page's table narrow a count, scored against the truth."""
    dimensions, keys = NARROWING_TABLES[page]
    cohort = Cohort(dose=dose)
    shown = show_table(con, cohort, dimensions)
    exact_counts = truth.counts_by(con, cohort.as_at, keys, DOSE_DATE_COLUMNS[dose])
    merged = shown[list(dimensions)].merge(
        exact_counts, on=list(dimensions), how="left", validate="one_to_one"
    )
    tried = exact = within_one = narrowed = mismatched = unsound = 0
    for i, row in enumerate(read_rows(shown)):
        if row.vaccinated.value is None or row.population.value is None:
            continue
        tried += 1
        mismatched += is_mismatched(row)
        sets = candidates(row, cons)
        true_v, true_p = int(merged.at[i, "vaccinated"]), int(merged.at[i, "population"])
        actual = {"vaccinated": true_v, "unvaccinated": true_p - true_v, "population": true_p}
        if any(actual[name] not in values for name, values in sets.items()):
            unsound += 1
            continue
        gained = narrowed_sets(row, sets, cons)
        exact += any(len(values) == 1 for values in gained)
        narrowed += any(len(values) <= 2 for values in gained)
        within_one += any(max(values) - min(values) <= 2 for values in gained)
    return Figures(
        f"4. Narrowing: {page}",
        tried,
        exact,
        within_one,
        unsound=unsound,
        mismatched=mismatched,
        narrowed=narrowed,
    )


def narrowing_attack(con: duckdb.DuckDBPyConnection, cons: Constraints) -> list[Figures]:
    """Return the narrowing figures of each table and of all three together."""
    per_page = [narrowing_figures(con, page, cons) for page in NARROWING_TABLES]
    return [*per_page, add_figures("4. Narrowing: all three tables", per_page)]


def add_figures(attack: str, parts: list[Figures]) -> Figures:
    """Return the sum of several attacks' counts under one name."""
    total = {
        name: sum(getattr(f, name) or 0 for f in parts)
        for name in (
            "tried",
            "exact",
            "within_one",
            "timeouts",
            "unsound",
            "mismatched",
            "narrowed",
        )
    }
    return Figures(attack, **total)


def run_all(con: duckdb.DuckDBPyConnection, cons: Constraints) -> list[Figures]:
    """Return the figures of all four attacks."""
    return [
        trends_attack(con, cons),
        complement_attack(con, cons),
        as_at_attack(con, cons),
        *narrowing_attack(con, cons),
    ]


def format_table(figures: list[Figures]) -> str:
    """Return the figures as a plain-text table."""
    header = ("attack", "tried", "exact", "±1", "guess exact", "guess ±1", "timeouts", "unsound")
    lines = [header]
    for f in figures:
        lines.append(
            (
                f.attack,
                str(f.tried),
                str(f.exact),
                str(f.within_one),
                "" if f.baseline_exact is None else str(f.baseline_exact),
                "" if f.baseline_within_one is None else str(f.baseline_within_one),
                str(f.timeouts),
                str(f.unsound),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rows = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    notes = [note for f in figures if (note := describe_extras(f))]
    return "\n".join([rows[0], "-" * len(rows[0]), *rows[1:], *notes])


def describe_extras(f: Figures) -> str:
    """Return one line of an attack's extra figures (point estimates, mismatched rows), or ''."""
    parts = []
    if f.estimate_exact is not None:
        parts.append(
            f"shown-difference estimate exact {f.estimate_exact}, ±1 {f.estimate_within_one}"
        )
    if f.mismatched is not None:
        parts.append(f"vaccinated + unvaccinated != population in {f.mismatched} rows")
    if f.narrowed is not None:
        parts.append(f"a count narrowed to <= 2 values in {f.narrowed} rows")
    return f"{f.attack}: " + "; ".join(parts) if parts else ""


def checked_report(figures: list[Figures], cons: Constraints, at_least: int) -> str:
    """Print the figures; assert enough targets were tried and the attacker was sound; return them.

    An unsound attacker (the truth outside its bounds) means its constraints do not match
    the published rule, so its failure to recover anything would prove nothing.
    """
    report = f"{cons.name}\n{format_table(figures)}"
    print(report)
    total = figures[-1]
    assert total.tried >= at_least, report
    assert total.unsound == 0, "the attacker's constraints do not fit the published rule\n" + report
    return report

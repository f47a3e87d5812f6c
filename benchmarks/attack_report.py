"""Run the four disclosure attacks of issue 12 against a database and print their figures.

1. Trends CP-SAT: cohort populations pinned from the three doses' weekly series.
2. Complement: suppressed first language x MSOA cells from the MSOA and every other language.
3. As-at: an MSOA's net change of population between two consecutive days.
4. Narrowing: rows where shown vaccinated + unvaccinated and population narrow a count.

"exact" counts figures the attacker proves to be one value (the true one); "±1" those proved to
within three values; "guess" columns are a baseline that reads one shown value (1, 3) or
guesses the commonest small value (2). The attacks read only what the pages show; the truth
that scores them is SQL on the database. Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/attack_report.py --db data/phm.duckdb
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from tests.attack import attacks, model
from tests.attack.attacks import Figures
from tests.attack.model import Constraints


def parse_args() -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=Path("data/phm.duckdb"))
    parser.add_argument(
        "--rule",
        choices=("auto", "rounding", "cell_key"),
        default=model.PUBLISHED_RULE,
        help="the rule the attacker assumes (auto: told from the columns the pages send)",
    )
    parser.add_argument("--cohorts", type=int, default=attacks.TREND_COHORTS)
    parser.add_argument("--cells", type=int, default=attacks.SMALL_CELLS)
    parser.add_argument("--areas", type=int, default=attacks.AS_AT_AREAS)
    parser.add_argument("--seconds", type=float, default=model.SOLVER_SECONDS)
    return parser.parse_args()


def timed(label: str, run: Callable[[], Figures | list[Figures]]) -> list[Figures]:
    """Run one attack, print how long it took, and return its figures as a list."""
    start = time.perf_counter()
    figures = run()
    print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)
    return figures if isinstance(figures, list) else [figures]


def run_attacks(
    con: duckdb.DuckDBPyConnection, cons: Constraints, args: argparse.Namespace
) -> list[Figures]:
    """Return the figures of all four attacks with the sizes asked for."""
    return [
        *timed("trends", lambda: attacks.trends_attack(con, cons, args.cohorts)),
        *timed("complement", lambda: attacks.complement_attack(con, cons, args.cells)),
        *timed("as-at", lambda: attacks.as_at_attack(con, cons, args.areas)),
        *timed("narrowing", lambda: attacks.narrowing_attack(con, cons)),
    ]


def main() -> None:
    """Run the attacks against --db and print the figures as a table."""
    args = parse_args()
    model.SOLVER_SECONDS = args.seconds
    con = duckdb.connect(str(args.db), read_only=True)
    try:
        cons = attacks.published_constraints(con, args.rule)
        print(f"database {args.db}; attacker assumes the {cons.name} rule: {cons}")
        figures = run_attacks(con, cons, args)
    finally:
        con.close()
    print()
    print(attacks.format_table(figures))


if __name__ == "__main__":
    main()

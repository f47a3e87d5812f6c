"""Attack 1: an integer model over the Trends page's three dose series pins cohort populations."""

import duckdb

from tests.attack.attacks import checked_report, trends_attack
from tests.attack.model import Constraints


def test_trends_pin_no_more_populations_than_one_shown_value_guesses(
    tiny_con: duckdb.DuckDBPyConnection, constraints: Constraints
) -> None:
    """CP-SAT over ~69 weeks x 3 doses proves no more populations than reading one table gets right."""
    figures = trends_attack(tiny_con, constraints)
    report = checked_report([figures], constraints, at_least=10)
    assert figures.exact <= figures.baseline_exact, report

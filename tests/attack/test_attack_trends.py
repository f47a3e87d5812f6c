"""Attack 1: an integer model over the Trends page's three dose series pins cohort populations."""

import duckdb

from tests.attack.attacks import format_table, trends_attack
from tests.attack.model import Constraints


def test_trends_pin_no_more_populations_than_one_shown_value_guesses(
    tiny_con: duckdb.DuckDBPyConnection, constraints: Constraints
) -> None:
    """CP-SAT over ~69 weeks x 3 doses proves no more populations than reading one table gets right."""
    figures = trends_attack(tiny_con, constraints)
    report = f"{constraints.name}\n{format_table([figures])}"
    print(report)
    assert figures.tried >= 10, report
    assert figures.unsound == 0, (
        "the attacker's constraints do not fit the published rule\n" + report
    )
    assert figures.exact <= figures.baseline_exact, report

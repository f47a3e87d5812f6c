"""Attack 4: shown vaccinated + unvaccinated against shown population narrows each count."""

import duckdb

from tests.attack.attacks import checked_report, narrowing_attack
from tests.attack.model import Constraints


def test_no_row_narrows_a_count_to_two_values(
    tiny_con: duckdb.DuckDBPyConnection, constraints: Constraints
) -> None:
    """In Explore ethnicity x MSOA, Map by LSOA and Compare by practice no count narrows to <= 2 values."""
    figures = narrowing_attack(tiny_con, constraints)
    total = figures[-1]
    report = checked_report(figures, constraints, at_least=100)
    assert total.mismatched == 0, report
    assert total.narrowed == 0, report

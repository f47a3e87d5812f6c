"""Attack 3: moving the as-at date by one day gives a small area's exact net change."""

import duckdb

from tests.attack.attacks import as_at_attack, checked_report
from tests.attack.model import Constraints


def test_one_day_change_of_an_area_is_not_recovered(
    tiny_con: duckdb.DuckDBPyConnection, constraints: Constraints
) -> None:
    """No MSOA's net change of registered population between two consecutive days is proved exactly."""
    figures = as_at_attack(tiny_con, constraints)
    report = checked_report([figures], constraints, at_least=10)
    assert figures.exact == 0, report

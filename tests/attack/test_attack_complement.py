"""Attack 2: a suppressed cell is an MSOA minus the MSOA with every other first language."""

import duckdb

from tests.attack.attacks import checked_report, complement_attack
from tests.attack.model import Constraints


def test_no_suppressed_cell_is_recovered_from_its_complement(
    tiny_con: duckdb.DuckDBPyConnection, constraints: Constraints
) -> None:
    """No language x MSOA cell of 1-7 people is proved exactly from the MSOA and its complement."""
    figures = complement_attack(tiny_con, constraints)
    report = checked_report([figures], constraints, at_least=10)
    assert figures.exact == 0, report

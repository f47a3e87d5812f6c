"""Attack 2: a suppressed cell is an MSOA minus the MSOA with every other first language."""

import duckdb

from tests.attack.attacks import complement_attack, format_table
from tests.attack.model import Constraints


def test_no_suppressed_cell_is_recovered_from_its_complement(
    tiny_con: duckdb.DuckDBPyConnection, constraints: Constraints
) -> None:
    """No language x MSOA cell of 1-7 people is proved exactly from the MSOA and its complement."""
    figures = complement_attack(tiny_con, constraints)
    report = f"{constraints.name}\n{format_table([figures])}"
    print(report)
    assert figures.tried >= 10, report
    assert figures.unsound == 0, (
        "the attacker's constraints do not fit the published rule\n" + report
    )
    assert figures.exact == 0, report

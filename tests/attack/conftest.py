"""Fixtures of the attack tests: the constraint set of the rule the pages apply."""

import duckdb
import pytest

from tests.attack.attacks import published_constraints
from tests.attack.model import Constraints


@pytest.fixture(scope="session")
def constraints(tiny_con: duckdb.DuckDBPyConnection) -> Constraints:
    """Return the attacker's constraint set (model.PUBLISHED_RULE, or told from the page's columns)."""
    return published_constraints(tiny_con)

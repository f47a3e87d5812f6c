"""Fixtures of the query tests: the tiny database's people in pandas, and filter options."""

import pandas as pd
import pytest

from phm import codes
from phm.queries import filter_options
from tests.query.pandas_reference import QUINTILE_OF_DECILE


@pytest.fixture(scope="module")
def people(tiny_con) -> pd.DataFrame:
    """Return person joined to its LSOA and practice, with columns that don't depend on as_at."""
    person = tiny_con.execute("SELECT * FROM person").df()
    lsoa = tiny_con.execute(
        "SELECT lsoa_code, msoa_code, lad_code, lad_name, imd_decile FROM lsoa"
    ).df()
    practice = tiny_con.execute("SELECT practice_code, pcn_code, pcn_name FROM practice").df()
    frame = person.merge(lsoa, on="lsoa_code", how="inner", validate="many_to_one")
    frame = frame.merge(practice, on="practice_code", how="inner", validate="many_to_one")
    assert len(frame) == len(person)
    frame["ethnic_group"] = frame["ethnicity_code"].map(codes.ETHNICITY_GROUP)
    frame["imd_decile"] = frame["imd_decile"].astype(int)
    frame["imd_quintile"] = frame["imd_decile"].map(QUINTILE_OF_DECILE)
    frame["ltc_capped"] = frame["ltc_count"].astype(int).clip(upper=3)
    frame["jcvi_cohort"] = frame["jcvi_cohort"].astype(int)
    return frame


@pytest.fixture(scope="module")
def options(tiny_con) -> dict:
    return filter_options(tiny_con)

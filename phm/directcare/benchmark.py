"""A practice's uptake against its PCN and the ICS, for the same people, with intervals.

The practice's own row is what its staff see on every population page; the PCN and ICS rows
are the same cohort without the practice, each a protected aggregate like any other page's.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from phm import disclosure, queries
from phm.access import Capability, Principal, authorise, scope_cohort
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.queries import worklist


def practice_benchmark(
    con: duckdb.DuckDBPyConnection,
    principal: Principal | None,
    cohort: Cohort,
    rule: DisclosureRule,
) -> pd.DataFrame:
    """Return protected uptake of the cohort in the principal's practice, its PCN and the ICS."""
    principal = authorise(principal, Capability.VIEW_OWN_PATIENTS)
    practices = worklist.practices(con)
    scoped = scope_cohort(principal, cohort, practices["practice_code"])
    own = practices[practices["practice_code"] == principal.org_code].iloc[0]
    wider = scoped.with_(practices=())
    rows = []
    for label, narrowed in (
        (str(own["practice_name"]), scoped),
        (f"{own['pcn_name']} (PCN)", wider.with_(pcns=(str(own["pcn_code"]),))),
        ("Whole ICS", wider.with_(pcns=())),
    ):
        rows.append(queries.uptake_by(con, narrowed).assign(area=label))
    raw = pd.concat(rows, ignore_index=True)
    protected = disclosure.protect(raw, rule)
    return protected[["area", *[c for c in protected.columns if c != "area"]]]

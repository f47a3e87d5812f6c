"""Where people were vaccinated: the cohort's doses by delivery model or site, group and home MSOA.

A person's dose of the cohort's dose number is the first one recorded (the one whose date
`person` holds), so each vaccinated person counts once, at the site and delivery model that
gave it. Counts come with their record-key sums for phm.disclosure; nothing here is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from phm import codes
from phm.cohort import Cohort
from phm.queries import DIMENSIONS, from_clause
from phm.schema import DOSE_DATE_COLUMNS


@dataclass(frozen=True)
class Unit:
    """Where a dose was given: what it is called and the SQL of its code and name."""

    label: str
    noun: str  # "delivery model", "site"
    code_sql: str
    name_sql: str


# The two ways of saying where: a fixed allow-list, so no column name ever comes from a user.
UNITS: dict[str, Unit] = {
    "delivery_model": Unit(
        "Delivery model", "delivery model", "v.delivery_model", "v.delivery_model"
    ),
    "site": Unit("Site", "site", "v.site_id", "s.site_name"),
}

# The first dose of each number per person: the one `person`'s dose date records.
_FIRST_DOSE = (
    "(SELECT person_id, site_id, delivery_model FROM vaccination WHERE dose = $dose"
    " QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY vaccination_date, site_id) = 1)"
)


def _site_labels(ids: np.ndarray, names: np.ndarray, models: list[str]) -> np.ndarray:
    """Return each site's name with its delivery model, and its id where two sites share a name."""
    pairs = dict(zip(ids.tolist(), names.tolist(), strict=True))
    counts = pd.Series(list(pairs.values())).value_counts()
    return np.array(
        [
            f"{name} ({model})" + (f" {site}" if counts[name] > 1 else "")
            for site, name, model in zip(ids.tolist(), names.tolist(), models, strict=True)
        ],
        dtype=object,
    )


def doses_by(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, unit: str, dimension: str
) -> pd.DataFrame:
    """Return the cohort's doses (of its dose number, by its as-at date) by unit, group and MSOA.

    Columns: `unit`, `unit_label`, the dimension's code (named as the dimension) and
    `<dimension>_label`, `msoa` (where the people live), `doses` and `doses_key` (the sum of
    their record keys, for phm.disclosure). Only combinations with doses appear.
    """
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; choose from {sorted(UNITS)}")
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; choose from {sorted(DIMENSIONS)}")
    where, params = cohort.to_where()
    u, dim = UNITS[unit], DIMENSIONS[dimension]
    dose_date = DOSE_DATE_COLUMNS[cohort.dose]
    selects = (
        f"{u.code_sql} AS u, any_value({u.name_sql}) AS un, any_value(v.delivery_model) AS um, "
        + f"{dim.code_sql} AS g, "
        + (f"any_value({dim.name_sql}) AS gn, " if dim.name_sql else "")
        + "l.msoa_code AS m, count(*) AS doses, coalesce(sum(p.record_key), 0) AS doses_key"
    )
    site_join = " JOIN site s ON s.site_id = v.site_id" if unit == "site" else ""
    sql = (
        f"SELECT {selects} "
        + from_clause(where, selects)
        + f" JOIN {_FIRST_DOSE} v ON v.person_id = p.person_id"
        + site_join
        + f" WHERE {where} AND p.{dose_date} <= $as_at GROUP BY u, g, m"
    )
    result = con.cursor().execute(sql, {**params, "dose": cohort.dose}).fetchnumpy()
    code = np.asarray(result["g"])
    if dim.name_sql:
        group_label = np.asarray(result["gn"], dtype=object)
    elif dim.labels:
        group_label = np.array([dim.labels.get(c, str(c)) for c in code.tolist()], dtype=object)
    else:
        group_label = code.astype(str).astype(object)
    unit_code = np.asarray(result["u"], dtype=object)
    unit_label = np.asarray(result["un"], dtype=object)
    models = [codes.DELIVERY_MODELS.get(c, str(c)) for c in np.asarray(result["um"]).tolist()]
    if unit == "delivery_model":
        unit_label = np.array(models, dtype=object)
    else:
        unit_label = _site_labels(unit_code, unit_label, models)
    frame = pd.DataFrame(
        {
            "unit": unit_code,
            "unit_label": unit_label,
            dimension: code,
            f"{dimension}_label": group_label,
            "msoa": np.asarray(result["m"], dtype=object),
            "doses": np.asarray(result["doses"], dtype="int64"),
            "doses_key": np.asarray(result["doses_key"], dtype="int64"),
        }
    )
    return frame.sort_values(["unit", dimension, "msoa"], ignore_index=True)

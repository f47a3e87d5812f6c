"""A practice's worklist: who is due a dose, why, what may help, and the nearest open site.

The only way identifiable details leave phm. `read_worklist` refuses anyone but staff of the
practice (phm.access), reads one practice's rows (phm.queries.worklist) and appends a
`person_view` entry with the number of people read to the audit log before returning, so no
caller can show a list without it being recorded. Nothing here is cached: a list is read
afresh for each view, for the principal signed in now (a changed practice sees only the new
one's patients).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from phm import codes, geo
from phm.access import Capability, Principal, authorise, scope_cohort
from phm.audit import log
from phm.audit.log import EventKind
from phm.cohort import Cohort
from phm.directcare import rules
from phm.queries import geography, worklist

PAGE = "patients"
PRIORITY_LAST = 99  # people outside the JCVI priority cohorts (cohort 0) come last


@dataclass(frozen=True)
class Worklist:
    """One practice's people due a dose in a cohort, as read for one principal."""

    practice_code: str
    practice_name: str
    as_at: date
    people: pd.DataFrame  # one row per person due, in priority order (see `prioritise`)
    deceased_left_out: int  # due, but recorded as deceased on the Spine


def prioritise(people: pd.DataFrame) -> pd.DataFrame:
    """Return people in call order: JCVI cohort (1 first, 0 last), then more conditions, then older."""
    cohort = people["jcvi_cohort"].astype(int).replace(0, PRIORITY_LAST)
    ordered = people.assign(_cohort=cohort).sort_values(
        ["_cohort", "ltc_count", "age", "person_id"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    ordered = ordered.drop(columns="_cohort").reset_index(drop=True)
    ordered.insert(0, "priority", np.arange(1, len(ordered) + 1))
    return ordered


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """Return each row's non-empty parts joined by '; ' (parts: equal-length arrays of text)."""
    if not parts:
        return np.array([], dtype=object)
    table = np.column_stack(parts)
    return np.array(["; ".join(p for p in row if p) for row in table.tolist()], dtype=object)


def reasons(people: pd.DataFrame) -> np.ndarray:
    """Return why each person is on the list: age, JCVI cohort, clinical and social flags."""
    parts = [np.char.add("Age ", people["age"].astype(int).astype(str).to_numpy()).astype(object)]
    cohort = people["jcvi_cohort"].astype(int)
    # The cohort's number only: its definition (age, condition) is in the other reasons.
    parts.append(np.where(cohort > 0, "JCVI cohort " + cohort.astype(str), "").astype(object))
    for flag, label in rules.REASON_FLAGS.items():
        parts.append(np.where(people[flag].astype(bool).to_numpy(), label, "").astype(object))
    return _joined(parts) if len(people) else np.array([], dtype=object)


def helps(people: pd.DataFrame) -> np.ndarray:
    """Return what may help each person have their dose (home visit, adjustments, interpreter)."""
    parts = [
        np.where(people[flag].astype(bool).to_numpy(), text, "").astype(object)
        for flag, text in rules.HELPS.items()
    ]
    interpreter = people["main_language"].map(
        lambda lang: (
            rules.INTERPRETER_LANGUAGE_UNKNOWN
            if lang == codes.LANGUAGE_NOT_RECORDED
            else rules.INTERPRETER.format(language=lang)
        )
    )
    parts.append(
        np.where(people["needs_interpreter"].astype(bool).to_numpy(), interpreter, "").astype(
            object
        )
    )
    return _joined(parts) if len(people) else np.array([], dtype=object)


def nearest_sites(people: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Return each person's nearest open site (from their home LSOA's centre) and its distance."""
    if people.empty or sites.empty:
        return pd.DataFrame(
            {
                "nearest_site": pd.Series([None] * len(people), dtype=object),
                "nearest_km": np.full(len(people), np.nan),
            }
        )
    metres = geo.haversine_m(
        people["lon"].to_numpy()[:, None],
        people["lat"].to_numpy()[:, None],
        sites["lon"].to_numpy()[None, :],
        sites["lat"].to_numpy()[None, :],
    )
    best = metres.argmin(axis=1)
    return pd.DataFrame(
        {
            "nearest_site": sites["site_name"].to_numpy()[best],
            "nearest_km": np.round(metres[np.arange(len(people)), best] / 1000.0, 1),
        }
    )


def read_worklist(
    con: duckdb.DuckDBPyConnection,
    principal: Principal | None,
    cohort: Cohort,
    audit_path: Path,
    dues: tuple[str, ...] = tuple(rules.DUE),
) -> Worklist:
    """Return the principal's own practice's people due a dose in the cohort, audited as read.

    Refuses (phm.access.Refused) anyone without the practice role's VIEW_OWN_PATIENTS and any
    cohort naming another practice; the audit entry is written before anything is returned.
    """
    principal = authorise(principal, Capability.VIEW_OWN_PATIENTS)
    practices = worklist.practices(con)
    scoped = scope_cohort(principal, cohort, practices["practice_code"])
    unknown = [d for d in dues if d not in rules.DUE]
    if unknown:
        raise ValueError(f"unknown due reasons {unknown}; choose from {list(rules.DUE)}")
    raw = worklist.due_patients(con, scoped, principal.org_code)
    raw = raw[raw["due"].isin(dues)]
    deceased = raw["is_deceased"].astype(bool)
    people = prioritise(raw[~deceased].reset_index(drop=True))
    sites = geography.open_sites(con, scoped.as_at)
    people = pd.concat([people, nearest_sites(people, sites)], axis=1)
    people["why"] = reasons(people)
    people["helps"] = helps(people)
    log.append(
        audit_path,
        principal,
        EventKind.PERSON_VIEW,
        page=PAGE,
        cohort=scoped,
        records=len(people),
        detail="worklist: " + ", ".join(dues),
    )
    name = practices.loc[practices["practice_code"] == principal.org_code, "practice_name"]
    return Worklist(
        principal.org_code,
        str(name.iloc[0]) if len(name) else principal.org_code,
        scoped.as_at,
        people,
        int(deceased.sum()),
    )

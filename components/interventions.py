"""The interventions register in the app: who may change it, where it is, and the audit of each change."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from components import data, signin
from phm import settings
from phm.access import Capability, Principal, authorise
from phm.analysis import what_worked as W
from phm.audit.log import EventKind
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.interventions import evaluate as E
from phm.interventions import register
from phm.interventions.observed import Observed, observed
from phm.interventions.record import RecordedIntervention

PAGE = "what_worked"


def state_path() -> Path:
    """Return the app's state database (PHM_STATE_DB)."""
    path = settings.get_path("PHM_STATE_DB")
    if path is None:
        raise RuntimeError("PHM_STATE_DB is empty; the interventions register needs a file")
    return path


def listed(meta: dict[str, str]) -> list[register.Listed]:
    """Return the dataset's own interventions and those users recorded."""
    return register.listed(state_path(), meta)


def save(principal: Principal | None, record: RecordedIntervention, page: str = PAGE) -> int:
    """Store a new intervention for a principal who may record one, and audit it; return its id.

    `page` is where it was recorded (What worked's form, Plan outreach, the business case).
    """
    principal = authorise(principal, Capability.RECORD_INTERVENTIONS)
    new_id = register.add(state_path(), record, principal.user_id)
    signin.audit(
        principal,
        EventKind.INTERVENTION_SAVED,
        page=page,
        detail=json.dumps({"id": new_id, **record.to_json()}, sort_keys=True),
    )
    return new_id


def remove(principal: Principal | None, intervention_id: int) -> None:
    """Mark a stored intervention removed for a principal who may, and audit it."""
    principal = authorise(principal, Capability.RECORD_INTERVENTIONS)
    register.remove(state_path(), intervention_id, principal.user_id)
    signin.audit(
        principal,
        EventKind.INTERVENTION_REMOVED,
        page=PAGE,
        detail=json.dumps({"id": intervention_id}),
    )


def evaluate(
    principal: Principal | None,
    record: RecordedIntervention,
    records: Sequence[RecordedIntervention],
    chosen: Sequence[str] | None,
    version: str,
    rule: DisclosureRule,
    as_at: date,
) -> tuple[W.Evaluated, pd.DataFrame]:
    """Return an intervention evaluated for the principal (matched areas when `chosen` is None).

    Also returns the raw weekly doses of its target cohort by MSOA the evaluation used.
    """
    mix = data.uptake_by(principal, Cohort(), ("msoa", "ethnic_group"), version)
    deprivation = data.uptake_by(principal, Cohort(), ("msoa", "imd_quintile"), version)
    weekly = data.intervention_weekly(principal, record.cohort, version)
    features = E.area_features(weekly, mix, deprivation, E.window(record)[1])
    result = W.evaluate_one(
        record, weekly, features, W.overlapping(record, records), chosen, rule, as_at
    )
    return result, weekly


def observed_by_id(
    principal: Principal | None,
    intervention_id: str,
    meta: dict[str, str],
    version: str,
    rule: DisclosureRule,
) -> tuple[Observed | None, str]:
    """Return a listed intervention's observed figures (matched comparison areas), or why not."""
    items = {str(item.id): item for item in listed(meta)}
    item = items.get(intervention_id.strip())
    if item is None:
        return (
            None,
            "The intervention in the link is not in the register; its figures are not used.",
        )
    as_at = date.fromisoformat(meta.get("as_at", "2022-03-31"))
    records = [i.record for i in items.values()]
    result, weekly = evaluate(principal, item.record, records, None, version, rule, as_at)
    if result.estimate is None:
        return None, f"{item.record.name} could not be evaluated: {result.reason}"
    found = observed(item.record, result.estimate, weekly, rule)
    if found is None:
        return None, f"{item.record.name}: too few people to show what was observed."
    return found, ""

"""The interventions register in the app: who may change it, where it is, and the audit of each change."""

from __future__ import annotations

import json
from pathlib import Path

from components import signin
from phm import settings
from phm.access import Capability, Principal, authorise
from phm.audit.log import EventKind
from phm.interventions import register
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


def save(principal: Principal | None, record: RecordedIntervention) -> int:
    """Store a new intervention for a principal who may record one, and audit it; return its id."""
    principal = authorise(principal, Capability.RECORD_INTERVENTIONS)
    new_id = register.add(state_path(), record, principal.user_id)
    signin.audit(
        principal,
        EventKind.INTERVENTION_SAVED,
        page=PAGE,
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

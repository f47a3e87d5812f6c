"""A SYNTHETIC year of usage for the demo's Usage page, shaped like NCL's published evaluation.

NCL's dashboard was used by 289 people in six kinds of organisation, who generated 12,198
events from December 2020 to November 2021: use peaked in February 2021 (the deadline to
offer cohorts 1-4 a first dose), CCG users were steady at 25-35 a month and GP practice use
fell after mid-February. This generator gives the same totals and shapes, deterministically
from a seed, and writes them into an audit log file (every entry and grant marked synthetic)
so the Usage page reads the same tables as it does for real use. None of it is anyone's use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from phm.access.claims import pseudonymous_id
from phm.access.demo import DEMO_KEY
from phm.access.grants import Grant, write_grants
from phm.access.roles import OrgType, Principal, Role
from phm.audit import log
from phm.synth.random import rng_for

SYNTHETIC_ISSUER = "urn:phm:synthetic-usage"
TOTAL_EVENTS = 12_198
MONTHS = tuple(f"{y}-{m:02d}" for y, m in [(2020, 12)] + [(2021, m) for m in range(1, 12)])
ROLLOUT = date(2020, 12, 8)
CCG_ACTIVE = (25, 35)  # CCG/ICB users active each month, inclusive
# Who records the synthetic year's grants in the chain (a generated administrator).
SYNTHETIC_ADMINISTRATOR = Principal(
    user_id=pseudonymous_id(SYNTHETIC_ISSUER, "administrator", DEMO_KEY),
    role=Role.ADMINISTRATOR,
    org_code="QMJ",
    org_type=OrgType.ICB,
    display_name="Synthetic administrator",
)

# Users per organisation type (289 in all), their role, and the organisations they are in.
POPULATION: dict[OrgType, tuple[int, Role, tuple[str, ...]]] = {
    OrgType.ICB: (46, Role.PLANNER, ("QMJ",)),
    OrgType.CSU: (20, Role.PLANNER, ("0DF",)),
    OrgType.GP_FEDERATION: (14, Role.PLANNER, ("FED01", "FED02", "FED03", "FED04", "FED05")),
    OrgType.GP_PRACTICE: (150, Role.PRACTICE, tuple(f"P{i:05d}" for i in range(1, 61))),
    OrgType.HOSPITAL: (24, Role.PLANNER, ("RKE", "RAL", "RAP", "RRV", "RP4")),
    OrgType.LOCAL_AUTHORITY: (
        35,
        Role.PLANNER,
        ("E09000003", "E09000007", "E09000010", "E09000014", "E09000019"),
    ),
}
# Share of each type's users active in each month (ICB users are drawn within CCG_ACTIVE).
ACTIVE_SHARE: dict[OrgType, tuple[float, ...]] = {
    OrgType.CSU: (0.30, 0.50, 0.70, 0.55, 0.45, 0.40, 0.35, 0.35, 0.30, 0.30, 0.35, 0.35),
    OrgType.GP_FEDERATION: (0.30, 0.60, 0.80, 0.50, 0.40, 0.35, 0.30, 0.25, 0.25, 0.25, 0.30, 0.30),
    OrgType.GP_PRACTICE: (0.25, 0.55, 0.75, 0.30, 0.20, 0.15, 0.12, 0.10, 0.08, 0.08, 0.10, 0.08),
    OrgType.HOSPITAL: (0.30, 0.45, 0.60, 0.40, 0.30, 0.25, 0.25, 0.20, 0.20, 0.20, 0.25, 0.25),
    OrgType.LOCAL_AUTHORITY: (
        0.35,
        0.55,
        0.75,
        0.55,
        0.45,
        0.40,
        0.35,
        0.30,
        0.30,
        0.30,
        0.35,
        0.35,
    ),
}
# How busy an active user is each month, relative to the rest (February highest).
MONTH_WEIGHT = (0.8, 1.2, 1.6, 1.1, 0.9, 0.8, 0.8, 0.7, 0.7, 0.8, 1.0, 0.9)
PAGES: dict[Role, dict[str, float]] = {
    Role.PLANNER: {
        "targets": 0.18,
        "explore": 0.22,
        "overview": 0.15,
        "map": 0.15,
        "compare": 0.10,
        "trends": 0.10,
        "outreach": 0.07,
        "about": 0.03,
    },
    Role.PRACTICE: {"overview": 0.35, "explore": 0.25, "trends": 0.20, "map": 0.15, "about": 0.05},
}
CHARACTERISTICS: dict[str, tuple[str, ...]] = {
    "age_band": ("50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80+"),
    "ethnic_group": ("Asian or Asian British", "Black or Black British", "White", "Mixed"),
    "language": ("Polish", "Turkish", "Somali", "Bengali", "Romanian"),
    "imd_quintile": ("1", "2"),
    "borough": ("E09000003", "E09000007", "E09000010", "E09000014", "E09000019"),
    "housebound": ("yes",),
    "learning_disability": ("yes",),
}


@dataclass(frozen=True)
class SyntheticUser:
    """One generated user and the period they had access."""

    principal: Principal
    granted_on: date
    removed_on: date | None


def _users(seed: int) -> list[SyntheticUser]:
    """Return the 289 generated users with grant dates (most before January, some later)."""
    rng = rng_for(seed, "usage-users")
    users = []
    for org_type, (count, role, orgs) in POPULATION.items():
        for i in range(count):
            key = f"{org_type}-{i:03d}"
            granted = ROLLOUT + timedelta(
                days=int(
                    rng.choice(
                        [0, 10, 25, 40, 60, 90, 150], p=[0.35, 0.2, 0.15, 0.1, 0.1, 0.06, 0.04]
                    )
                )
            )
            removed = None
            if rng.random() < 0.08:
                removed = granted + timedelta(days=int(rng.integers(90, 300)))
            principal = Principal(
                user_id=pseudonymous_id(SYNTHETIC_ISSUER, key, DEMO_KEY),
                role=role,
                org_code=str(orgs[i % len(orgs)]),
                org_type=org_type,
                display_name=f"Synthetic user {key}",
                is_demo=True,
            )
            users.append(SyntheticUser(principal, granted, removed))
    return users


def _holds(user: SyntheticUser, month: str) -> bool:
    """Return True when a user had access on some day of a month after the rollout began."""
    start = max(date.fromisoformat(f"{month}-01"), ROLLOUT)
    end = (date.fromisoformat(f"{month}-01") + timedelta(days=32)).replace(day=1) - timedelta(
        days=1
    )
    return user.granted_on <= end and (user.removed_on is None or user.removed_on >= start)


def _active(users: list[SyntheticUser], seed: int) -> list[tuple[SyntheticUser, int]]:
    """Return (user, month index) pairs of use; ICB users active 25-35 a month."""
    rng = rng_for(seed, "usage-active")
    pairs = []
    for m, month in enumerate(MONTHS):
        for org_type in POPULATION:
            holders = [u for u in users if u.principal.org_type is org_type and _holds(u, month)]
            if org_type is OrgType.ICB:
                wanted = min(len(holders), int(rng.integers(CCG_ACTIVE[0], CCG_ACTIVE[1] + 1)))
            else:
                wanted = int(round(ACTIVE_SHARE[org_type][m] * len(holders)))
            chosen = rng.choice(len(holders), size=wanted, replace=False) if wanted else []
            pairs.extend((holders[i], m) for i in sorted(chosen))
    return pairs


def _moment(month: str, practice: bool, draws: np.ndarray) -> datetime:
    """Return a time in a month's working hours from three uniform draws.

    Practices' February use falls mostly before the 15th; December's starts on the 8th.
    """
    start = date.fromisoformat(f"{month}-01")
    days = ((start + timedelta(days=32)).replace(day=1) - start).days
    first = ROLLOUT.day - 1 if month == f"{ROLLOUT:%Y-%m}" else 0
    if practice and month == "2021-02" and draws[0] < 0.8:
        first, days = 0, 14
    day = first + int(draws[1] * (days - first))
    seconds = 8 * 3600 + int(draws[2] * 10 * 3600)
    midnight = datetime.combine(start + timedelta(days=day), datetime.min.time(), UTC)
    return midnight + timedelta(seconds=seconds)


KINDS = ("page_view", "sign_in", "export")
KIND_SHARES = (0.86, 0.09, 0.05)
LAYERS_SHARES = (0.3, 0.3, 0.25, 0.15)  # how many characteristics a cohort layers: 0 to 3


def _cohort(principal: Principal, layers: int, order: np.ndarray, picks: np.ndarray) -> str:
    """Return a cohort's URL parameters as JSON: `layers` characteristics, values from `picks`."""
    names = list(CHARACTERISTICS)
    params: dict[str, list[str] | str] = {}
    for i in sorted(order[:layers]):
        values = CHARACTERISTICS[names[i]]
        value = values[int(picks[i]) % len(values)]
        params[names[i]] = value if values == ("yes",) else [value]
    if principal.role is Role.PRACTICE:
        params["practice"] = [principal.org_code]
    return json.dumps(params, sort_keys=True)


def usage_events(seed: int) -> tuple[list[dict[str, object]], list[Grant]]:
    """Return the year's events (audit fields, in time order) and grants, all marked synthetic."""
    users = _users(seed)
    pairs = _active(users, seed)
    rng = rng_for(seed, "usage-events")
    weights = np.array([MONTH_WEIGHT[m] for _, m in pairs]) * rng.gamma(2.0, 0.5, len(pairs))
    # Every active user-month has at least one event; the rest are shared by weight.
    counts = 1 + rng.multinomial(TOTAL_EVENTS - len(pairs), weights / weights.sum())
    kinds = rng.choice(len(KINDS), size=TOTAL_EVENTS, p=KIND_SHARES)
    page_draws = rng.random(TOTAL_EVENTS)
    layers = rng.choice(len(LAYERS_SHARES), size=TOTAL_EVENTS, p=LAYERS_SHARES)
    orders = rng.random((TOTAL_EVENTS, len(CHARACTERISTICS))).argsort(axis=1)
    picks = rng.integers(0, 1000, (TOTAL_EVENTS, len(CHARACTERISTICS)))
    moments = rng.random((TOTAL_EVENTS, 3))
    records = rng.integers(50, 5000, TOTAL_EVENTS)
    events = []
    for (user, m), n in zip(pairs, counts, strict=True):
        p = user.principal
        pages = PAGES[Role.PRACTICE if p.role is Role.PRACTICE else Role.PLANNER]
        page_cdf = np.cumsum(list(pages.values()))
        for _ in range(int(n)):
            i = len(events)
            kind = KINDS[kinds[i]]
            page = list(pages)[min(int(np.searchsorted(page_cdf, page_draws[i])), len(pages) - 1)]
            fields = log.event_fields(
                p,
                kind,
                page="" if kind == "sign_in" else page,
                records=int(records[i]) if kind == "export" else None,
                at=_moment(MONTHS[m], p.role is Role.PRACTICE, moments[i]),
                synthetic=True,
            )
            if kind == "export":
                fields["file_sha256"] = log.file_sha256(f"synthetic export {i}")
            fields["cohort"] = _cohort(p, int(layers[i]), orders[i], picks[i])
            events.append(fields)
    events.sort(key=lambda e: str(e["at_utc"]))
    grants = [
        Grant(
            u.principal.user_id,
            str(u.principal.role),
            u.principal.org_code,
            str(u.principal.org_type),
            u.granted_on,
            u.removed_on,
            synthetic=True,
        )
        for u in users
    ]
    return events, grants


def write_usage_year(path: Path, seed: int) -> int:
    """Write the synthetic year into an audit log file (events and grants); return the events."""
    events, grants = usage_events(seed)
    write_grants(path, grants, SYNTHETIC_ADMINISTRATOR)
    return log.append_many(path, events)

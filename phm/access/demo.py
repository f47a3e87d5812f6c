"""Demo users for workshops on synthetic data, and when the demo sign-in may exist at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from phm.access.claims import pseudonymous_id
from phm.access.roles import OrgType, Principal, Role

DEMO_ISSUER = "urn:phm:demo-sign-in"
DEMO_KEY = "synthetic-demo-users-not-secret"  # demo users are not people: nothing to protect
DEMO_PRACTICE = "P00001"  # the first practice of every synthetic demo
SYNTHETIC_KIND = "synthetic"

SignInMode = Literal["provider", "demo", "unavailable"]


@dataclass(frozen=True)
class DemoUser:
    """One user a workshop can pick: a key for the URL, a label for the picker, its principal."""

    key: str
    label: str
    principal: Principal


def _demo(
    key: str, label: str, role: Role, org_code: str, org_type: OrgType, name: str
) -> DemoUser:
    """Return a demo user whose pseudonymous id comes from the public demo key."""
    principal = Principal(
        user_id=pseudonymous_id(DEMO_ISSUER, key, DEMO_KEY),
        role=role,
        org_code=org_code,
        org_type=org_type,
        display_name=f"{name} (demo)",
        is_demo=True,
    )
    return DemoUser(key, label, principal)


DEMO_USERS: tuple[DemoUser, ...] = (
    _demo("ics-analyst", "ICS analyst (planner)", Role.PLANNER, "QMJ", OrgType.ICB, "Asha Patel"),
    _demo(
        "borough-commissioner",
        "Borough commissioner",
        Role.COMMISSIONER,
        "QMJ",
        OrgType.ICB,
        "Tom Okafor",
    ),
    _demo(
        "practice-nurse",
        f"Practice nurse at practice {DEMO_PRACTICE}",
        Role.PRACTICE,
        DEMO_PRACTICE,
        OrgType.GP_PRACTICE,
        "Marta Nowak",
    ),
    _demo(
        "programme-lead",
        "PHM programme lead",
        Role.PROGRAMME_LEAD,
        "QMJ",
        OrgType.ICB,
        "Priya Shah",
    ),
    _demo(
        "administrator",
        "Administrator",
        Role.ADMINISTRATOR,
        "QMJ",
        OrgType.ICB,
        "Sam Reid",
    ),
)


def sign_in_mode(dataset_kind: str, auth_configured: bool) -> SignInMode:
    """Return how people sign in: a configured provider, the demo picker, or not at all.

    A configured provider always wins. Without one, only synthetic data opens, through the
    demo picker; any other dataset cannot be opened until `[auth]` is configured.
    """
    if auth_configured:
        return "provider"
    return "demo" if dataset_kind == SYNTHETIC_KIND else "unavailable"


def demo_sign_in_allowed(dataset_kind: str, auth_configured: bool) -> bool:
    """Return True when the demo sign-in may be offered (synthetic data, no `[auth]`)."""
    return sign_in_mode(dataset_kind, auth_configured) == "demo"


def demo_principal(key: str, dataset_kind: str, auth_configured: bool) -> Principal:
    """Return a demo user's principal; ValueError when the demo sign-in is not allowed."""
    if not demo_sign_in_allowed(dataset_kind, auth_configured):
        raise ValueError("the demo sign-in exists only for synthetic data with no [auth] set up")
    for user in DEMO_USERS:
        if user.key == key:
            return user.principal
    raise ValueError(f"unknown demo user {key!r}; choose from {[u.key for u in DEMO_USERS]}")

"""Roles, what each may do, the signed-in Principal, and the checks every data call makes.

The roles follow how North Central London's dashboard was used: population-level figures
for planning, identifiable data only for direct care, and a few people who run the service.

- planner: an ICS, borough or local-authority public-health analyst; every population-level
  page, disclosure-controlled, and outreach planning.
  Planners and commissioners record interventions in the register (What worked).
- commissioner: the planner's pages plus the business case, which commits money.
- practice: staff of one GP practice (direct care); their own practice's figures only (every
  cohort is narrowed to their ODS code) and, later, their own patients' worklists.
- programme_lead: the PHM programme lead (the "architect"); population pages and the Usage
  page (aggregate, pseudonymous), but not the audit log of individual actions.
- administrator: runs the service; datasets, people's access, the audit log and usage.

Usage and audit are split on purpose: usage is counts by month and organisation type, the
audit log is who did what; only the administrator (often the information-governance lead's
delegate) reads the second.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from phm.cohort import Cohort


class Role(StrEnum):
    """A role in the app; see the module docstring for who holds each."""

    PLANNER = "planner"
    COMMISSIONER = "commissioner"
    PRACTICE = "practice"
    PROGRAMME_LEAD = "programme_lead"
    ADMINISTRATOR = "administrator"


class Capability(StrEnum):
    """One thing a role may see or do."""

    VIEW_FIGURES = "view_figures"  # uptake pages for a cohort (narrowed for practice staff)
    PLAN_OUTREACH = "plan_outreach"  # pop-up sites and bus routes
    BUSINESS_CASE = "business_case"
    EXPORT = "export"  # download protected tables, briefs and plans
    VIEW_OWN_PATIENTS = "view_own_patients"  # person-level worklists for direct care
    MANAGE_DATASETS = "manage_datasets"  # switch the active dataset
    MANAGE_ACCESS = "manage_access"  # grant and remove people's access
    VIEW_AUDIT = "view_audit"
    VIEW_USAGE = "view_usage"
    RECORD_INTERVENTIONS = "record_interventions"  # add, change, remove in the register


class OrgType(StrEnum):
    """The six kinds of organisation whose staff used NCL's dashboard."""

    ICB = "icb"
    CSU = "csu"
    GP_FEDERATION = "gp_federation"
    GP_PRACTICE = "gp_practice"
    HOSPITAL = "hospital"
    LOCAL_AUTHORITY = "local_authority"


ORG_TYPE_LABELS: dict[OrgType, str] = {
    OrgType.ICB: "CCG / ICB",
    OrgType.CSU: "Commissioning support unit",
    OrgType.GP_FEDERATION: "GP federation",
    OrgType.GP_PRACTICE: "GP practice",
    OrgType.HOSPITAL: "Hospital trust",
    OrgType.LOCAL_AUTHORITY: "Local authority public health",
}

ROLE_LABELS: dict[Role, str] = {
    Role.PLANNER: "Planner",
    Role.COMMISSIONER: "Commissioner",
    Role.PRACTICE: "Practice (direct care)",
    Role.PROGRAMME_LEAD: "Programme lead",
    Role.ADMINISTRATOR: "Administrator",
}

_C = Capability
CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.PLANNER: frozenset(
        {_C.VIEW_FIGURES, _C.PLAN_OUTREACH, _C.EXPORT, _C.RECORD_INTERVENTIONS}
    ),
    Role.COMMISSIONER: frozenset(
        {
            _C.VIEW_FIGURES,
            _C.PLAN_OUTREACH,
            _C.BUSINESS_CASE,
            _C.EXPORT,
            _C.RECORD_INTERVENTIONS,
        }
    ),
    Role.PRACTICE: frozenset({_C.VIEW_FIGURES, _C.EXPORT, _C.VIEW_OWN_PATIENTS}),
    Role.PROGRAMME_LEAD: frozenset({_C.VIEW_FIGURES, _C.EXPORT, _C.VIEW_USAGE}),
    Role.ADMINISTRATOR: frozenset(
        {
            _C.VIEW_FIGURES,
            _C.EXPORT,
            _C.MANAGE_DATASETS,
            _C.MANAGE_ACCESS,
            _C.VIEW_AUDIT,
            _C.VIEW_USAGE,
        }
    ),
}

# Each page (components.pages.PAGES keys, plus the Audit and Usage pages to come) and what it
# needs; None: any signed-in user.
PAGE_CAPABILITY: dict[str, Capability | None] = {
    "patients": _C.VIEW_OWN_PATIENTS,
    "targets": _C.VIEW_FIGURES,
    "explore": _C.VIEW_FIGURES,
    "overview": _C.VIEW_FIGURES,
    "compare": _C.VIEW_FIGURES,
    "trends": _C.VIEW_FIGURES,
    "map": _C.VIEW_FIGURES,
    "scenarios": _C.VIEW_FIGURES,
    "published_map": _C.VIEW_FIGURES,
    "published_compare": _C.VIEW_FIGURES,
    "quality": _C.VIEW_FIGURES,
    "data": _C.VIEW_FIGURES,  # switching datasets there needs MANAGE_DATASETS
    "outreach": _C.PLAN_OUTREACH,
    "business_case": _C.BUSINESS_CASE,
    "delivery": _C.VIEW_FIGURES,
    "what_worked": _C.VIEW_FIGURES,  # recording an intervention there needs RECORD_INTERVENTIONS
    "audit": _C.VIEW_AUDIT,
    "usage": _C.VIEW_USAGE,
    "about": None,
}

# Why a capability is missing, in words a user reads on the page.
_REFUSALS: dict[Capability, str] = {
    _C.VIEW_FIGURES: "Your role does not include viewing uptake figures.",
    _C.PLAN_OUTREACH: "Outreach planning is for planners and commissioners.",
    _C.BUSINESS_CASE: "The business case is for commissioners.",
    _C.EXPORT: "Your role does not include downloads.",
    _C.VIEW_OWN_PATIENTS: "Patient lists are only for staff of the patients' own practice.",
    _C.MANAGE_DATASETS: "Only an administrator can switch datasets.",
    _C.MANAGE_ACCESS: "Only an administrator can change people's access.",
    _C.VIEW_AUDIT: "Only an administrator can read the audit log.",
    _C.VIEW_USAGE: "Usage analytics are for the administrator and the programme lead.",
    _C.RECORD_INTERVENTIONS: "Recording interventions is for planners and commissioners.",
}


class Refused(PermissionError):
    """Raised when a principal may not see or do something; str() is the user-facing message."""


@dataclass(frozen=True)
class Principal:
    """Who is signed in: a pseudonymous id, role, organisation and name to greet them by."""

    user_id: str  # keyed hash of issuer + subject (phm.access.claims.pseudonymous_id)
    role: Role
    org_code: str  # ODS code (a practice's code for the practice role)
    org_type: OrgType
    display_name: str
    is_demo: bool = False

    def __post_init__(self) -> None:
        """Check the fields make a principal the checks can rely on."""
        if not self.user_id:
            raise ValueError("a principal needs a user id")
        if self.role is Role.PRACTICE and not self.org_code:
            raise ValueError("a practice principal needs its practice's ODS code")

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Return what this principal's role may do."""
        return CAPABILITIES[self.role]


def can(principal: Principal | None, capability: Capability) -> bool:
    """Return True when a principal (None: nobody signed in) holds a capability."""
    return principal is not None and capability in principal.capabilities


def authorise(principal: Principal | None, capability: Capability) -> Principal:
    """Return the principal when it holds the capability; raise Refused with the reason if not."""
    if principal is None:
        raise Refused("Sign in to see this.")
    if capability not in principal.capabilities:
        raise Refused(
            _REFUSALS[capability] + f" You are signed in as {ROLE_LABELS[principal.role]}."
        )
    return principal


def authorise_page(principal: Principal | None, page: str) -> Principal | None:
    """Return the principal when it may open a page; raise Refused (unknown pages too) if not."""
    if page not in PAGE_CAPABILITY:
        raise Refused(f"There is no page called {page!r}.")
    needed = PAGE_CAPABILITY[page]
    if needed is None:
        if principal is None:
            raise Refused("Sign in to see this.")
        return principal
    return authorise(principal, needed)


def pages_for(principal: Principal | None, pages: Iterable[str]) -> list[str]:
    """Return the pages (in the order given) that a principal may open."""
    allowed = []
    for page in pages:
        try:
            authorise_page(principal, page)
        except Refused:
            continue
        allowed.append(page)
    return allowed


def scope_cohort(
    principal: Principal | None, cohort: Cohort, known_practices: Iterable[str] | None = None
) -> Cohort:
    """Return the cohort a principal may see: practice staff are narrowed to their own practice.

    A practice principal's cohort with no practice gets theirs; one naming any other practice
    (a shared link from a wider role, an edited URL) is refused, never silently narrowed, so
    what is shown always matches what was asked. `known_practices`, when given, are the
    dataset's practice codes: a practice not in the dataset is refused too.
    """
    principal = authorise(principal, Capability.VIEW_FIGURES)
    if principal.role is not Role.PRACTICE:
        return cohort
    own = principal.org_code
    if known_practices is not None and own not in set(known_practices):
        raise Refused(
            f"Your practice ({own}) is not in this dataset, so there are no figures to show you."
        )
    others = [code for code in cohort.practices if code != own]
    if others:
        raise Refused(
            "Practice staff see their own practice's figures only; this view asks for"
            f" {', '.join(others)}. Remove the other practices to see {own}."
        )
    if cohort.practices == (own,):
        return cohort
    return cohort.with_(practices=(own,))

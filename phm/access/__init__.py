"""Sign-in and roles: principals from OIDC claims, capabilities, cohort scoping, demo users."""

from phm.access.roles import (
    CAPABILITIES,
    PAGE_CAPABILITY,
    Capability,
    OrgType,
    Principal,
    Refused,
    Role,
    authorise,
    authorise_page,
    can,
    pages_for,
    scope_cohort,
)

__all__ = [
    "CAPABILITIES",
    "PAGE_CAPABILITY",
    "Capability",
    "OrgType",
    "Principal",
    "Refused",
    "Role",
    "authorise",
    "authorise_page",
    "can",
    "pages_for",
    "scope_cohort",
]

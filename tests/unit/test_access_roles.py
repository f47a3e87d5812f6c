"""Capabilities and cohort scoping (phm.access.roles) for every role, and the demo sign-in."""

import pytest

from components.pages import PAGES
from phm.access import (
    CAPABILITIES,
    PAGE_CAPABILITY,
    Capability,
    OrgType,
    Principal,
    Refused,
    Role,
    authorise,
    authorise_page,
    pages_for,
    scope_cohort,
)
from phm.access.demo import DEMO_PRACTICE, DEMO_USERS, demo_principal, sign_in_mode
from phm.cohort import Cohort


def principal(role: Role, org_code: str = "QMJ") -> Principal:
    org_type = OrgType.GP_PRACTICE if role is Role.PRACTICE else OrgType.ICB
    return Principal(f"id-{role}", role, org_code, org_type, "Test user")


EXPECTED_PAGES = {
    Role.PLANNER: {"outreach"},
    Role.COMMISSIONER: {"outreach", "business_case"},
    Role.PRACTICE: {"patients"},
    Role.PROGRAMME_LEAD: {"usage"},
    Role.ADMINISTRATOR: {"audit", "usage"},
}
COMMON_PAGES = {p for p, c in PAGE_CAPABILITY.items() if c in (None, Capability.VIEW_FIGURES)}


def test_every_app_page_and_the_audit_and_usage_pages_declare_what_they_need():
    assert set(PAGES) == set(PAGE_CAPABILITY)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_its_pages(role):
    allowed = set(pages_for(principal(role), PAGE_CAPABILITY))
    assert allowed == COMMON_PAGES | EXPECTED_PAGES[role]
    for page in set(PAGE_CAPABILITY) - allowed:
        with pytest.raises(Refused) as refused:
            authorise_page(principal(role), page)
        assert "You are signed in as" in str(refused.value)


def test_nobody_signed_in_opens_nothing_and_unknown_pages_are_refused():
    assert pages_for(None, PAGE_CAPABILITY) == []
    with pytest.raises(Refused, match="Sign in"):
        authorise_page(None, "about")
    with pytest.raises(Refused, match="no page called"):
        authorise_page(principal(Role.ADMINISTRATOR), "secret")


def test_planner_cannot_administer_and_only_the_administrator_audits():
    for capability in (Capability.MANAGE_DATASETS, Capability.MANAGE_ACCESS, Capability.VIEW_AUDIT):
        with pytest.raises(Refused, match="Only an administrator"):
            authorise(principal(Role.PLANNER), capability)
        assert [r for r in Role if capability in CAPABILITIES[r]] == [Role.ADMINISTRATOR]


def test_only_practice_staff_may_see_patients_and_only_commissioners_the_business_case():
    assert [r for r in Role if Capability.VIEW_OWN_PATIENTS in CAPABILITIES[r]] == [Role.PRACTICE]
    assert [r for r in Role if Capability.BUSINESS_CASE in CAPABILITIES[r]] == [Role.COMMISSIONER]
    with pytest.raises(Refused, match="The business case is for commissioners"):
        authorise(principal(Role.PLANNER), Capability.BUSINESS_CASE)


def test_only_planners_and_commissioners_record_interventions():
    recorders = [r for r in Role if Capability.RECORD_INTERVENTIONS in CAPABILITIES[r]]
    assert recorders == [Role.PLANNER, Role.COMMISSIONER]
    for role in (Role.PRACTICE, Role.PROGRAMME_LEAD, Role.ADMINISTRATOR):
        with pytest.raises(Refused, match="Recording interventions is for planners"):
            authorise(principal(role), Capability.RECORD_INTERVENTIONS)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.PRACTICE])
def test_population_roles_keep_their_cohort(role):
    cohort = Cohort().with_(practices=("P00002",), languages=("Polish",))
    assert scope_cohort(principal(role), cohort) == cohort


def test_practice_cohort_is_narrowed_to_its_own_practice():
    nurse = principal(Role.PRACTICE, "P00001")
    cohort = Cohort().with_(languages=("Polish",))
    assert scope_cohort(nurse, cohort) == cohort.with_(practices=("P00001",))
    own = cohort.with_(practices=("P00001",))
    assert scope_cohort(nurse, own) is own


@pytest.mark.parametrize("asked", [("P00002",), ("P00001", "P00002")])
def test_practice_cannot_widen_to_another_practice(asked):
    """A link shared by a planner naming other practices is refused, never silently narrowed."""
    nurse = principal(Role.PRACTICE, "P00001")
    with pytest.raises(Refused, match="own practice's figures only; this view asks for P00002"):
        scope_cohort(nurse, Cohort().with_(practices=asked))


def test_practice_not_in_the_dataset_and_nobody_signed_in_are_refused():
    with pytest.raises(Refused, match="not in this dataset"):
        scope_cohort(principal(Role.PRACTICE, "P09999"), Cohort(), known_practices={"P00001"})
    with pytest.raises(Refused, match="Sign in"):
        scope_cohort(None, Cohort())


def test_a_practice_principal_needs_its_practice():
    with pytest.raises(ValueError, match="ODS code"):
        Principal("id", Role.PRACTICE, "", OrgType.GP_PRACTICE, "x")


@pytest.mark.parametrize(
    ("kind", "auth", "mode"),
    [
        ("synthetic", False, "demo"),
        ("synthetic", True, "provider"),
        ("linked extract", True, "provider"),
        ("linked extract", False, "unavailable"),
        ("published aggregate", False, "unavailable"),
    ],
)
def test_demo_sign_in_only_for_synthetic_data_without_a_provider(kind, auth, mode):
    assert sign_in_mode(kind, auth) == mode
    if mode == "demo":
        assert demo_principal("administrator", kind, auth).role is Role.ADMINISTRATOR
    else:
        with pytest.raises(ValueError, match="only for synthetic data"):
            demo_principal("administrator", kind, auth)


def test_demo_users_cover_every_role_and_are_labelled():
    roles = {u.principal.role for u in DEMO_USERS}
    assert roles == set(Role)
    nurse = next(u for u in DEMO_USERS if u.principal.role is Role.PRACTICE)
    assert nurse.principal.org_code == DEMO_PRACTICE and DEMO_PRACTICE in nurse.label
    assert all(u.principal.is_demo and "(demo)" in u.principal.display_name for u in DEMO_USERS)
    assert len({u.principal.user_id for u in DEMO_USERS}) == len(DEMO_USERS)
    with pytest.raises(ValueError, match="unknown demo user"):
        demo_principal("root", "synthetic", False)

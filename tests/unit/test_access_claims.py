"""Claims to principals (phm.access.claims): Entra app roles, CIS2 national RBAC, refusals."""

import tomllib

import pytest

from phm import settings
from phm.access import OrgType, Refused, Role
from phm.access.claims import load_mapping, parse_mapping, principal_from_claims, pseudonymous_id

EXAMPLE = settings.ROOT / "config" / "access.example.toml"
KEY = "k" * 32
ENTRA_ISS = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
CIS2_ISS = (
    "https://am.nhsidentity.spineservices.nhs.uk:443/openam/oauth2/realms/root/realms/"
    "NHSIdentity/realms/Healthcare"
)


@pytest.fixture(scope="module")
def mapping():
    return load_mapping(EXAMPLE)


def nrbac(org_code, role_code, roleid="555000000001", activities=()):
    """Return one nhsid_nrbac_roles entry in the shape CIS2's UserInfo returns."""
    return {
        "person_orgid": "555000000000",
        "person_roleid": roleid,
        "org_code": org_code,
        "role_name": '"Clinical":"Clinical Provision":"Nurse Access Role"',
        "role_code": role_code,
        "activity_codes": list(activities),
    }


def test_entra_app_role_gives_the_role_and_the_tenant_organisation(mapping):
    claims = {"iss": ENTRA_ISS, "sub": "pairwise", "oid": "obj-1", "roles": ["PHM.Planner"]}
    principal = principal_from_claims({**claims, "name": "Asha Patel"}, None, mapping, KEY)
    assert (principal.role, principal.org_code, principal.org_type) == (
        Role.PLANNER,
        "QMJ",
        OrgType.ICB,
    )
    assert principal.display_name == "Asha Patel"
    # subject_claim = "oid": the id follows the person, not Entra's per-app `sub`.
    assert principal.user_id == pseudonymous_id(ENTRA_ISS, "obj-1", KEY)


def test_entra_first_rule_wins_and_a_rule_can_override_the_organisation(mapping):
    both = {"iss": ENTRA_ISS, "oid": "o", "roles": ["PHM.Planner", "PHM.Administrator"]}
    assert principal_from_claims(both, None, mapping, KEY).role is Role.ADMINISTRATOR
    public_health = {"iss": ENTRA_ISS, "oid": "o", "roles": ["PHM.PublicHealth"]}
    principal = principal_from_claims(public_health, None, mapping, KEY)
    assert (principal.org_code, principal.org_type) == ("E09000010", OrgType.LOCAL_AUTHORITY)


def test_entra_user_without_an_app_role_is_refused_with_a_clear_message(mapping):
    with pytest.raises(Refused, match="no role for you"):
        principal_from_claims({"iss": ENTRA_ISS, "oid": "o", "roles": []}, None, mapping, KEY)
    with pytest.raises(Refused, match="no role for you"):
        principal_from_claims({"iss": ENTRA_ISS, "oid": "o"}, None, mapping, KEY)


def test_cis2_practice_nurse_gets_the_practice_role_at_the_ods_code_from_userinfo(mapping):
    id_token = {"iss": CIS2_ISS, "sub": "910000000001", "name": "Marta Nowak"}
    userinfo = {"sub": "910000000001", "nhsid_nrbac_roles": [nrbac("F83004", "S0030:G0100:R8001")]}
    principal = principal_from_claims(id_token, userinfo, mapping, KEY)
    assert (principal.role, principal.org_code, principal.org_type) == (
        Role.PRACTICE,
        "F83004",
        OrgType.GP_PRACTICE,
    )


def test_cis2_roles_only_in_the_id_token_without_userinfo_are_refused(mapping):
    """CIS2 sends nhsid_nrbac_roles from UserInfo: without that call there is no role."""
    with pytest.raises(Refused):
        principal_from_claims({"iss": CIS2_ISS, "sub": "9"}, None, mapping, KEY)


def test_cis2_trust_rule_comes_before_the_practice_rule(mapping):
    userinfo = {"sub": "9", "nhsid_nrbac_roles": [nrbac("RKE", "S8000:G8000:R8000")]}
    principal = principal_from_claims({"iss": CIS2_ISS, "sub": "9"}, userinfo, mapping, KEY)
    assert (principal.role, principal.org_type) == (Role.PLANNER, OrgType.HOSPITAL)


def test_cis2_unknown_role_code_or_organisation_is_refused(mapping):
    for entry in (
        nrbac("F83004", "S8001:G8005:R8015"),  # systems support: no rule
        nrbac("RXX", "S8000:G8000:R8000"),  # a trust not listed, not a practice code
    ):
        userinfo = {"sub": "9", "nhsid_nrbac_roles": [entry]}
        with pytest.raises(Refused, match="no role for you"):
            principal_from_claims({"iss": CIS2_ISS, "sub": "9"}, userinfo, mapping, KEY)


def test_cis2_selected_role_is_the_only_one_considered(mapping):
    entries = [
        nrbac("F83004", "S0030:G0100:R8001", roleid="1"),
        nrbac("RKE", "S8000:G8000:R8000", roleid="2"),
    ]
    id_token = {"iss": CIS2_ISS, "sub": "9", "selected_roleid": "2"}
    userinfo = {"sub": "9", "nhsid_nrbac_roles": entries}
    assert principal_from_claims(id_token, userinfo, mapping, KEY).org_code == "RKE"
    id_token["selected_roleid"] = "3"
    with pytest.raises(Refused):
        principal_from_claims(id_token, userinfo, mapping, KEY)


def test_cis2_activity_codes_rule():
    mapping = parse_mapping(
        {
            "provider": [
                {
                    "name": "cis2",
                    "kind": "cis2",
                    "issuer": CIS2_ISS,
                    "rule": [
                        {"role": "practice", "org_type": "gp_practice", "activity_codes": ["B0264"]}
                    ],
                }
            ]
        }
    )
    ok = {"sub": "9", "nhsid_nrbac_roles": [nrbac("F1", "R8001", activities=["B0264", "B0380"])]}
    assert principal_from_claims({"iss": CIS2_ISS, "sub": "9"}, ok, mapping, KEY).org_code == "F1"
    no = {"sub": "9", "nhsid_nrbac_roles": [nrbac("F1", "R8001", activities=["B0380"])]}
    with pytest.raises(Refused):
        principal_from_claims({"iss": CIS2_ISS, "sub": "9"}, no, mapping, KEY)


def test_untrusted_issuer_and_mismatched_userinfo_are_refused(mapping):
    with pytest.raises(Refused, match="does not trust"):
        principal_from_claims({"iss": "https://evil.example", "sub": "9"}, None, mapping, KEY)
    with pytest.raises(Refused, match="did not match"):
        principal_from_claims({"iss": CIS2_ISS, "sub": "9"}, {"sub": "10"}, mapping, KEY)


def test_pseudonymous_id_is_stable_keyed_and_not_the_subject():
    one = pseudonymous_id(CIS2_ISS, "910000000001", KEY)
    assert one == pseudonymous_id(CIS2_ISS + "/", "910000000001", KEY)
    assert one != pseudonymous_id(CIS2_ISS, "910000000001", "other" * 8)
    assert one != pseudonymous_id(ENTRA_ISS, "910000000001", KEY)
    assert "910000000001" not in one and len(one) == 24


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[provider]]\nname="x"\nkind="okta"\nissuer="i"', "kind must be one of"),
        (
            '[[provider]]\nname="x"\nkind="entra"\nissuer="i"\n[[provider.rule]]\nrole="boss"\napp_role="a"',
            "unknown role",
        ),
        (
            '[[provider]]\nname="x"\nkind="entra"\nissuer="i"\n[[provider.rule]]\nrole="planner"',
            "needs app_role",
        ),
        (
            '[[provider]]\nname="x"\nkind="cis2"\nissuer="i"\n[[provider.rule]]\nrole="practice"',
            "needs role_codes",
        ),
        ('[[provider]]\nname="x"\nkind="cis2"\nissuer="i"\norg_type="shop"', "unknown org_type"),
        ("", r"names no \[\[provider\]\]"),
    ],
)
def test_mapping_mistakes_are_named(toml, message):
    with pytest.raises(ValueError, match=message):
        parse_mapping(tomllib.loads(toml))

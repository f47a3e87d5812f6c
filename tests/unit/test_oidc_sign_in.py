"""Sign-in against a real OpenID Connect provider on localhost, mapped by phm.access.claims.

The authorization-code flow is driven with Authlib's client (what st.login uses): consent
posted to the provider's page, the code exchanged for tokens, the ID token's signature and
nonce checked against the provider's keys, then UserInfo called with the access token.
"""

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from phm.access import OrgType, Refused, Role
from phm.access.claims import parse_mapping, principal_from_claims, pseudonymous_id
from tests.oidc_provider import oidc_provider  # noqa: F401  (the fixture)

KEY = "k" * 32
REDIRECT = "http://localhost:8501/oauth2callback"


def mapping_for(issuer: str):
    """Return a mapping trusting the local provider as CIS2 would be trusted."""
    return parse_mapping(
        {
            "provider": [
                {
                    "name": "cis2",
                    "kind": "cis2",
                    "issuer": issuer,
                    "rule": [
                        {
                            "role": "practice",
                            "org_type": "gp_practice",
                            "role_codes": ["R8001"],
                            "org_code_pattern": "[A-Z][0-9]{5}",
                        }
                    ],
                }
            ]
        }
    )


def sign_in(provider, subject: str, scope: str = "openid profile") -> tuple[dict, dict]:
    """Run the authorization-code flow as `subject`; return (ID token claims, UserInfo)."""
    metadata = httpx.get(provider.metadata_url).json()
    client = OAuth2Client("phm-test", "secret", scope=scope, redirect_uri=REDIRECT)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], nonce="n-0S6_WzA2Mj"
    )
    consent = httpx.post(url, data={"sub": subject})  # the provider's consent form
    assert consent.status_code == 302, consent.text
    callback = parse_qs(urlparse(consent.headers["location"]).query)
    assert callback["state"] == [state]
    token = client.fetch_token(metadata["token_endpoint"], code=callback["code"][0])
    keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"]).json())
    id_claims = jwt.decode(token["id_token"], keys).claims
    jwt.JWTClaimsRegistry(aud={"essential": True, "value": "phm-test"}).validate(id_claims)
    assert id_claims["nonce"] == "n-0S6_WzA2Mj" and id_claims["iss"] == metadata["issuer"]
    userinfo = client.get(metadata["userinfo_endpoint"]).json()
    return dict(id_claims), userinfo


def test_practice_nurse_signs_in_and_userinfo_roles_map_to_her_practice(oidc_provider):  # noqa: F811
    oidc_provider.add_user(
        "910000000001",
        {
            "name": "Marta Nowak",
            "nhsid_nrbac_roles": [
                {
                    "person_orgid": "555000000000",
                    "person_roleid": "555000000001",
                    "org_code": "P00001",
                    "role_name": '"Clinical":"Clinical Provision":"Nurse Access Role"',
                    "role_code": "S0030:G0100:R8001",
                }
            ],
        },
    )
    id_claims, userinfo = sign_in(oidc_provider, "910000000001")
    assert userinfo["sub"] == "910000000001"
    assert userinfo["nhsid_nrbac_roles"][0]["org_code"] == "P00001"
    # As CIS2 does, pass only the standard ID token claims: the roles come from UserInfo.
    standard = {k: id_claims[k] for k in ("iss", "sub", "aud", "name")}
    principal = principal_from_claims(standard, userinfo, mapping_for(oidc_provider.issuer), KEY)
    assert (principal.role, principal.org_code, principal.org_type) == (
        Role.PRACTICE,
        "P00001",
        OrgType.GP_PRACTICE,
    )
    assert principal.display_name == "Marta Nowak"
    assert principal.user_id == pseudonymous_id(oidc_provider.issuer, "910000000001", KEY)


def test_a_person_the_provider_knows_but_the_mapping_does_not_is_refused(oidc_provider):  # noqa: F811
    oidc_provider.add_user("910000000002", {"name": "No Role"})
    id_claims, userinfo = sign_in(oidc_provider, "910000000002")
    with pytest.raises(Refused, match="no role for you"):
        principal_from_claims(id_claims, userinfo, mapping_for(oidc_provider.issuer), KEY)

"""Signing tests in: demo users for page files, and a configured provider for the whole app."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from phm.access import Principal, Role
from phm.access.demo import DEMO_USERS


def demo_user(role: Role) -> Principal:
    """Return the demo user of a role (the practice nurse is at the demo's practice P00001)."""
    return next(u.principal for u in DEMO_USERS if u.principal.role is role)


def as_user(at: AppTest, role: Role = Role.COMMISSIONER) -> AppTest:
    """Sign a page file's AppTest in as a role's demo user, as app.py's gate would; return it."""
    at.session_state["principal"] = demo_user(role)
    return at


# A Microsoft Entra ID tenant as the claims mapping sees it: one app role per app role.
TEST_ISSUER = "https://login.microsoftonline.com/00000000-test-tenant/v2.0"
APP_ROLES = {role: f"PHM.{role.value.title().replace('_', '')}" for role in Role}
ACCESS_TOML = f"""
[[provider]]
name = "entra"
kind = "entra"
issuer = "{TEST_ISSUER}"
org_code = "QMJ"
org_type = "icb"
subject_claim = "oid"
""" + "".join(
    f"""
[[provider.rule]]
app_role = "{APP_ROLES[role]}"
role = "{role.value}"
"""
    + ('org_code = "P00001"\norg_type = "gp_practice"\n' if role is Role.PRACTICE else "")
    for role in Role
)


def provider_sign_in(at: AppTest, role: Role = Role.COMMISSIONER, subject: str = "u-1") -> AppTest:
    """Configure `[auth]` for the run and sign in through it as a user holding a role's app role.

    AppTest's `user` stands for what st.login leaves in `st.user` (the ID token's claims); the
    app maps them to a principal with the mapping in PHM_ACCESS_FILE (fixture `app_env`).
    """
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "entra": {
            "client_id": "phm-test",
            "client_secret": "not-a-secret",
            "server_metadata_url": f"{TEST_ISSUER}/.well-known/openid-configuration",
        },
    }
    at.user = {
        "is_logged_in": True,
        "provider": "entra",
        "iss": TEST_ISSUER,
        "sub": f"pairwise-{subject}",
        "oid": subject,
        "name": f"Test {role.value}",
        "roles": [APP_ROLES[role]],
    }
    return at

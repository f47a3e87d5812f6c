"""Who is signed in: the sign-in gate of app.py, the sidebar's name and sign-out, the audit log.

How people sign in follows `phm.access.demo.sign_in_mode`:
- `[auth]` in secrets.toml: through the identity provider (`st.login`); the principal is built
  once per session from `st.user`'s claims (and, for CIS2, the UserInfo answer) by the
  claims mapping in PHM_ACCESS_FILE;
- no `[auth]` and a synthetic dataset: a labelled demo sign-in picker (PHM_DEMO_USER picks one
  without the picker, for workshops and browser tests; it is honoured in this mode only);
- anything else: a page saying sign-in must be configured, and nothing more.

The principal lives in `st.session_state["principal"]`; pages read it through the frame.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NoReturn

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from phm import settings
from phm.access import Principal, Refused
from phm.access import claims as access_claims
from phm.access.demo import DEMO_USERS, SYNTHETIC_KIND, demo_principal, sign_in_mode
from phm.access.grants import ensure_grant
from phm.access.roles import ORG_TYPE_LABELS, ROLE_LABELS
from phm.audit import log
from phm.audit.log import EventKind
from phm.text import escape_markdown

PRINCIPAL = "principal"
_IDENTITY = "phm_identity"  # (issuer, subject) the session's principal was built from
_SIGNED_OUT = "phm_signed_out"  # set by signing out, so PHM_DEMO_USER does not sign back in
_DEMO_CHOICE = "phm_demo_user"
_SIGNED_IN_AT = "phm_signed_in_at"  # UTC stamp of this session's sign-in (phm.audit.log)
USERINFO_TIMEOUT_S = 10
PROVIDER_LABELS = {"cis2": "NHS Care Identity Service 2", "entra": "Microsoft Entra ID"}


def audit_path() -> Path:
    """Return the audit log's file (PHM_AUDIT_DB)."""
    path = settings.get_path("PHM_AUDIT_DB")
    if path is None:
        raise RuntimeError("PHM_AUDIT_DB is empty; the app needs an audit log to open")
    return path


def audit(principal: Any, kind: EventKind | str, **details: Any) -> log.Entry:
    """Append one event to the audit log, committed before returning (see phm.audit.log)."""
    return log.append(audit_path(), principal, kind, **details)


def signed_in_at() -> str | None:
    """Return when this session signed in (UTC stamp as the audit log stores it), if it has."""
    value = st.session_state.get(_SIGNED_IN_AT)
    return value if isinstance(value, str) else None


def ended_reason(principal: Principal, since: str | None) -> str:
    """Return why a provider session that signed in at `since` has ended ('' while it lasts)."""
    if principal.is_demo or since is None:
        return ""  # demo users are shared by a room: one person's sign-out is not everyone's
    return log.ended_since(audit_path(), principal.user_id, since)


def current_principal() -> Principal | None:
    """Return the session's signed-in principal, or None."""
    principal = st.session_state.get(PRINCIPAL)
    return principal if isinstance(principal, Principal) else None


def auth_configured() -> bool:
    """Return True when secrets.toml has an `[auth]` section (sign-in through a provider)."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:
        return False


@st.cache_resource(show_spinner=False)
def _seeded(path: str, seed: int) -> int:
    """Write the synthetic usage year into a new audit log, once per server; return its events."""
    if Path(path).exists() and log.count(Path(path)) > 0:
        return 0  # without importing the build stage (0.2 s on a server's first page view)
    from phm.synth.usage import write_usage_year  # a build stage, needed on a first start only

    return write_usage_year(Path(path), seed)


def seed_synthetic_usage(dataset_kind: str) -> None:
    """Give a synthetic dataset's new audit log the demo's year of usage (labelled synthetic).

    The Usage page then has a year to show in a workshop; every generated entry has
    synthetic = 1 and the page says so. A log that already has entries is left alone.
    """
    if dataset_kind == SYNTHETIC_KIND:
        _seeded(str(audit_path()), settings.get_int("PHM_DEMO_SEED"))


def gate(dataset_kind: str) -> Principal:
    """Return the signed-in principal, or draw the sign-in page and stop the run.

    Call before `st.navigation`: nothing of the dataset is shown to someone not signed in.
    """
    mode = sign_in_mode(dataset_kind, auth_configured())
    if mode == "unavailable":
        _unavailable(dataset_kind)
    principal = _demo_gate(dataset_kind) if mode == "demo" else _provider_gate()
    _sidebar(principal, mode)
    return principal


def _signed_in(principal: Principal, how: str) -> None:
    """Keep a new sign-in in the session, open a grant on a first sign-in, and audit it.

    A person whose access was removed is refused here (phm.access.grants.ensure_grant).
    """
    try:
        ensure_grant(audit_path(), principal, date.today())
    except Refused as refused:
        audit(principal, EventKind.REFUSED, page="sign_in", detail=str(refused))
        _ended(str(refused), "provider" if not principal.is_demo else "demo")
    st.session_state[PRINCIPAL] = principal
    st.session_state[_SIGNED_IN_AT] = log.utc_stamp()
    st.session_state.pop(_SIGNED_OUT, None)
    audit(principal, EventKind.SIGN_IN, detail=how)


def _ended(message: str, mode: str) -> NoReturn:
    """Forget the session's sign-in, say why it ended, offer signing in again, and stop."""
    for name in (PRINCIPAL, _IDENTITY, _DEMO_CHOICE, _SIGNED_IN_AT):
        st.session_state.pop(name, None)
    st.session_state[_SIGNED_OUT] = True
    st.title("Signed out")
    st.warning(escape_markdown(message), icon=":material/logout:")
    if mode == "provider":
        # st.logout clears the identity cookie, so the next sign-in is a fresh one.
        st.button("Sign in again", key="sign_in_again", icon=":material/login:", on_click=st.logout)
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises


def _check_still_signed_in(principal: Principal) -> None:
    """End a provider session that was signed out elsewhere or lost its access since it began."""
    reason = ended_reason(principal, signed_in_at())
    if reason:
        _ended(reason, "provider")


def _unavailable(dataset_kind: str) -> None:
    """Say that this dataset needs sign-in configured, and stop."""
    st.title("Sign-in must be configured")
    st.error(
        f"This dataset ({escape_markdown(dataset_kind)}) is not synthetic, so it opens only for"
        " people signed in through your organisation's identity provider (NHS CIS2 or Microsoft"
        " Entra ID). Nobody can see it until the server's administrator configures `[auth]` in"
        " `.streamlit/secrets.toml` and the access mapping (PHM_ACCESS_FILE); the README's"
        " production set-up says how.",
        icon=":material/lock:",
    )
    st.stop()


def _demo_gate(dataset_kind: str) -> Principal:
    """Return the demo user signed in, or draw the labelled demo picker and stop."""
    principal = current_principal()
    if principal is not None and principal.is_demo:
        return principal
    wanted = settings.get("PHM_DEMO_USER")
    if wanted and not st.session_state.get(_SIGNED_OUT):
        principal = demo_principal(wanted, dataset_kind, auth_configured=False)
        _signed_in(principal, "demo (PHM_DEMO_USER)")
        return principal
    st.title("Demo sign-in")
    st.warning(
        "**Synthetic data, demo users.** This dataset is generated, so you can pick who to be"
        " and see the app as that role sees it. A real dataset has no demo sign-in: people"
        " sign in through their organisation's identity provider.",
        icon=":material/science:",
    )
    labels = {user.label: user.key for user in DEMO_USERS}
    choice = st.radio("Sign in as", list(labels), key=_DEMO_CHOICE)
    if st.button("Sign in", type="primary", icon=":material/login:", key="phm_demo_sign_in"):
        _signed_in(demo_principal(labels[choice], dataset_kind, auth_configured=False), "demo")
        st.rerun()
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises


def _provider_gate() -> Principal:
    """Return the principal of the provider's sign-in, or draw the sign-in page and stop."""
    if not st.user.is_logged_in:
        st.session_state.pop(PRINCIPAL, None)
        _provider_sign_in_page()
    identity = (str(st.user.get("iss", "")), str(st.user.get("sub", "")))
    principal = current_principal()
    if (
        principal is not None
        and not principal.is_demo
        and st.session_state.get(_IDENTITY) == identity
    ):
        _check_still_signed_in(principal)
        return principal
    try:
        mapping = access_claims.load_mapping(_access_file())
        key = access_claims.load_user_key(_user_key_file())
    except (OSError, ValueError) as problem:
        st.title("Sign-in is not set up completely")
        st.error(
            "The access mapping (PHM_ACCESS_FILE) could not be read, so nobody can be given a"
            f" role: {escape_markdown(str(problem))}",
            icon=":material/error:",
        )
        _sign_out_button("provider")
        st.stop()
    claims = st.user.to_dict()
    try:
        principal = access_claims.principal_from_claims(claims, _userinfo(mapping), mapping, key)
    except Refused as refused:
        _refused_sign_in(claims, key, str(refused))
    issued = st.user.get("iat")
    if isinstance(issued, int | float):
        # An identity cookie issued before this person signed out (copied, or left in another
        # browser) no longer signs them in: Streamlit's cookie cannot be revoked, the log can.
        since = log.utc_stamp(datetime.fromtimestamp(issued, UTC))
        reason = log.ended_since(audit_path(), principal.user_id, since)
        if reason:
            _ended("This sign-in has ended. " + reason, "provider")
    st.session_state[_IDENTITY] = identity
    _signed_in(principal, str(st.user.get("provider", "")))
    return principal


def _access_file() -> Path:
    """Return the claims mapping's file (PHM_ACCESS_FILE)."""
    path = settings.get_path("PHM_ACCESS_FILE")
    if path is None or not path.is_file():
        raise OSError(f"no access mapping at {path}; start from config/access.example.toml")
    return path


def _user_key_file() -> Path:
    """Return the file of the secret behind pseudonymous ids (PHM_USER_KEY_FILE)."""
    path = settings.get_path("PHM_USER_KEY_FILE")
    if path is None:
        raise OSError("PHM_USER_KEY_FILE is empty")
    return path


def _provider_sign_in_page() -> None:
    """Draw one sign-in button per configured provider, and stop."""
    st.title("Sign in")
    st.write("Sign in with your organisation's account to see vaccination uptake.")
    auth = st.secrets["auth"]
    names = [name for name, value in auth.items() if hasattr(value, "keys")]
    kinds: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError):
        kinds = {p.name: p.kind for p in access_claims.load_mapping(_access_file()).providers}
    for name in names or [None]:
        label = PROVIDER_LABELS.get(kinds.get(name or "", ""), name or "your organisation")
        st.button(
            f"Sign in with {label}",
            key=f"sign_in_{name}",
            type="primary",
            icon=":material/login:",
            on_click=st.login,
            args=(name,),
        )
    st.stop()


def _userinfo(mapping: access_claims.AccessMapping) -> dict[str, Any] | None:
    """Return the provider's UserInfo answer for CIS2 (its roles come only from there)."""
    provider = mapping.provider_for(str(st.user.get("iss", "")))
    if provider.kind != "cis2":
        return None
    try:
        token = st.user.tokens["access"]
    except KeyError:
        raise Refused(
            'Sign-in is misconfigured: CIS2 needs expose_tokens = ["access"] in [auth].'
        ) from None
    section = st.secrets["auth"].get(str(st.user.get("provider", provider.name)), {})
    with urllib.request.urlopen(
        str(section["server_metadata_url"]), timeout=USERINFO_TIMEOUT_S
    ) as response:
        endpoint = json.load(response)["userinfo_endpoint"]
    request = urllib.request.Request(endpoint, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=USERINFO_TIMEOUT_S) as response:
        return json.load(response)


def _refused_sign_in(claims: dict[str, Any], key: str, message: str) -> None:
    """Audit a sign-in no rule gives a role to, say why, offer sign-out, and stop."""
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    nobody = SimpleNamespace(
        user_id=access_claims.pseudonymous_id(issuer, subject, key),
        role="none",
        org_code="",
        org_type="",
    )
    audit(nobody, EventKind.REFUSED, page="sign_in", detail=message)
    st.title("No access")
    st.error(escape_markdown(message), icon=":material/block:")
    _sign_out_button("provider")
    st.stop()


def _sign_out_button(mode: str) -> None:
    """Draw the sign-out button; on a click, audit the sign-out first, then sign out."""
    if not st.button("Sign out", key="sign_out", icon=":material/logout:"):
        return
    principal = current_principal()
    if principal is not None:
        audit(principal, EventKind.SIGN_OUT)
    for name in (PRINCIPAL, _IDENTITY, _DEMO_CHOICE, _SIGNED_IN_AT):
        st.session_state.pop(name, None)
    st.session_state[_SIGNED_OUT] = True
    if mode == "provider":
        st.logout()  # sends the browser to clear the identity cookie and end the provider's session
        st.stop()  # not a rerun: a rerun's page could race the browser's redirect
    st.rerun()


def _sidebar(principal: Principal, mode: str) -> None:
    """Show who is signed in, as what, for which organisation, and a sign-out button."""
    with st.sidebar:
        org = ORG_TYPE_LABELS[principal.org_type]
        st.markdown(
            f"**{escape_markdown(principal.display_name)}**  \n"
            f"{ROLE_LABELS[principal.role]} · {org} {escape_markdown(principal.org_code)}"
        )
        if principal.is_demo:
            st.caption("Demo sign-in on synthetic data.")
        _sign_out_button(mode)

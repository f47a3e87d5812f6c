"""From OpenID Connect claims to a Principal, by a TOML mapping (config/access.example.toml).

Entra ID puts app roles in the ID token's `roles` claim; CIS2 returns `nhsid_nrbac_roles`
from its UserInfo endpoint, so the function takes the ID token's claims and the UserInfo
answer, which OIDC requires to name the same subject. Anyone no rule matches is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phm.access.roles import OrgType, Principal, Refused, Role

PROVIDER_KINDS = ("entra", "cis2")
NOT_ALLOWED = (
    "You signed in, but this app has no role for you. Ask your organisation's administrator"
    " for access to the PHM Vaccination Uptake Explorer."
)


@dataclass(frozen=True)
class Rule:
    """One way to a role: an Entra app role, or CIS2 national RBAC codes at organisations."""

    role: Role
    app_role: str = ""  # Entra: a value of the `roles` claim
    role_codes: tuple[str, ...] = ()  # CIS2: any part of an entry's role_code (R-, G-, S-codes)
    activity_codes: tuple[str, ...] = ()  # CIS2: any of an entry's activity_codes (B-codes)
    org_codes: tuple[str, ...] = ()  # CIS2: allowed organisations (empty: any)
    org_code_pattern: str = ""  # CIS2: a regular expression the whole org code must match
    org_code: str = ""  # overrides the provider's organisation (Entra)
    org_type: OrgType | None = None  # overrides the provider's organisation type


@dataclass(frozen=True)
class Provider:
    """One identity provider: its name in secrets.toml, issuer, organisation and rules."""

    name: str
    kind: str
    issuer: str
    rules: tuple[Rule, ...]
    org_code: str = ""
    org_type: OrgType | None = None
    subject_claim: str = "sub"


@dataclass(frozen=True)
class AccessMapping:
    """Every configured provider, looked up by the `iss` claim."""

    providers: tuple[Provider, ...]

    def provider_for(self, issuer: str) -> Provider:
        """Return the provider with this issuer, or refuse the sign-in."""
        for provider in self.providers:
            if provider.issuer.rstrip("/") == issuer.rstrip("/"):
                return provider
        raise Refused(f"Sign-in from an identity provider this app does not trust ({issuer}).")


def _strings(value: object, where: str) -> tuple[str, ...]:
    """Return a TOML list of strings as a tuple, or raise ValueError naming where it was."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _org_type(value: object, where: str) -> OrgType | None:
    """Return an organisation type from its TOML value (absent: None)."""
    if value is None:
        return None
    try:
        return OrgType(str(value))
    except ValueError:
        raise ValueError(
            f"{where}: unknown org_type {value!r}; use one of {list(OrgType)}"
        ) from None


def _rule(raw: Mapping[str, Any], kind: str, where: str) -> Rule:
    """Return one rule from its TOML table, checked against its provider's kind."""
    try:
        role = Role(str(raw.get("role")))
    except ValueError:
        raise ValueError(
            f"{where}: unknown role {raw.get('role')!r}; use one of {list(Role)}"
        ) from None
    lists = {
        key: _strings(raw.get(key, []), f"{where}.{key}")
        for key in ("role_codes", "activity_codes", "org_codes")
    }
    rule = Rule(
        role=role,
        app_role=str(raw.get("app_role", "")),
        org_code=str(raw.get("org_code", "")),
        org_type=_org_type(raw.get("org_type"), where),
        org_code_pattern=str(raw.get("org_code_pattern", "")),
        **lists,
    )
    if kind == "entra" and not rule.app_role:
        raise ValueError(f"{where}: an Entra rule needs app_role")
    if kind == "cis2" and not (rule.role_codes or rule.activity_codes):
        raise ValueError(f"{where}: a CIS2 rule needs role_codes or activity_codes")
    if rule.org_code_pattern:
        re.compile(rule.org_code_pattern)
    return rule


def parse_mapping(data: Mapping[str, Any]) -> AccessMapping:
    """Return the mapping from parsed TOML, raising ValueError with the place of any mistake."""
    providers = []
    for i, raw in enumerate(data.get("provider", [])):
        where = f"provider[{i}]"
        kind = raw.get("kind")
        if kind not in PROVIDER_KINDS:
            raise ValueError(f"{where}: kind must be one of {PROVIDER_KINDS}, got {kind!r}")
        for key in ("name", "issuer"):
            if not raw.get(key):
                raise ValueError(f"{where}: {key} is required")
        rules = tuple(
            _rule(r, kind, f"{where}.rule[{j}]") for j, r in enumerate(raw.get("rule", []))
        )
        providers.append(
            Provider(
                name=str(raw["name"]),
                kind=str(kind),
                issuer=str(raw["issuer"]),
                rules=rules,
                org_code=str(raw.get("org_code", "")),
                org_type=_org_type(raw.get("org_type"), where),
                subject_claim=str(raw.get("subject_claim", "sub")),
            )
        )
    if not providers:
        raise ValueError("the access mapping names no [[provider]]")
    return AccessMapping(tuple(providers))


def load_mapping(path: Path) -> AccessMapping:
    """Return the mapping in a TOML file (see config/access.example.toml)."""
    with path.open("rb") as handle:
        return parse_mapping(tomllib.load(handle))


def pseudonymous_id(issuer: str, subject: str, key: str) -> str:
    """Return a stable pseudonymous user id: HMAC-SHA256 of issuer and subject, 24 hex digits.

    Without the key (PHM_USER_KEY_FILE) the id cannot be linked back to a sign-in name, so the
    audit log and usage tables hold no directly identifying data.
    """
    message = f"{issuer.rstrip('/')}\n{subject}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:24]


def _display_name(claims: Mapping[str, Any]) -> str:
    """Return the name to greet a user by, from the usual claims."""
    for key in ("name", "display_name", "preferred_username", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "Signed-in user"


def _entra_match(provider: Provider, claims: Mapping[str, Any]) -> tuple[Rule, str, OrgType | None]:
    """Return the first rule whose app role is in the `roles` claim, with its organisation."""
    roles = claims.get("roles") or []
    roles = [roles] if isinstance(roles, str) else list(roles)
    for rule in provider.rules:
        if rule.app_role in roles:
            return rule, rule.org_code or provider.org_code, rule.org_type or provider.org_type
    raise Refused(NOT_ALLOWED)


def _entry_matches(rule: Rule, entry: Mapping[str, Any]) -> bool:
    """Return True when one nhsid_nrbac_roles entry satisfies a CIS2 rule."""
    org = str(entry.get("org_code", ""))
    if not org or (rule.org_codes and org not in rule.org_codes):
        return False
    if rule.org_code_pattern and not re.fullmatch(rule.org_code_pattern, org):
        return False
    parts = set(str(entry.get("role_code", "")).split(":"))
    if rule.role_codes and not parts & set(rule.role_codes):
        return False
    activities = entry.get("activity_codes") or []
    return not rule.activity_codes or bool(set(activities) & set(rule.activity_codes))


def _cis2_match(provider: Provider, claims: Mapping[str, Any]) -> tuple[Rule, str, OrgType | None]:
    """Return the first rule met by an nhsid_nrbac_roles entry, with that entry's organisation."""
    entries: Sequence[Mapping[str, Any]] = claims.get("nhsid_nrbac_roles") or []
    if not isinstance(entries, list):
        raise Refused(NOT_ALLOWED)
    selected = claims.get("selected_roleid")
    if selected:
        entries = [e for e in entries if str(e.get("person_roleid")) == str(selected)]
    for rule in provider.rules:
        for entry in entries:
            if isinstance(entry, Mapping) and _entry_matches(rule, entry):
                return rule, str(entry["org_code"]), rule.org_type or provider.org_type
    raise Refused(NOT_ALLOWED)


def principal_from_claims(
    id_claims: Mapping[str, Any],
    userinfo: Mapping[str, Any] | None,
    mapping: AccessMapping,
    key: str,
) -> Principal:
    """Return the Principal of a sign-in from its ID token claims and UserInfo answer.

    Raises Refused (the message says why, for the sign-in page) for an untrusted issuer,
    UserInfo about another subject, or a person no rule of their provider matches.
    """
    userinfo = userinfo or {}
    if userinfo.get("sub") is not None and userinfo.get("sub") != id_claims.get("sub"):
        raise Refused("The identity provider's answers did not match; sign in again.")
    claims = {**id_claims, **userinfo}
    provider = mapping.provider_for(str(claims.get("iss", "")))
    subject = claims.get(provider.subject_claim) or claims.get("sub")
    if not subject:
        raise Refused("The identity provider did not say who you are; sign in again.")
    match = _entra_match if provider.kind == "entra" else _cis2_match
    rule, org_code, org_type = match(provider, claims)
    if org_type is None:
        raise Refused(f"{NOT_ALLOWED} (No organisation type is configured for {provider.name}.)")
    return Principal(
        user_id=pseudonymous_id(provider.issuer, str(subject), key),
        role=rule.role,
        org_code=org_code,
        org_type=org_type,
        display_name=_display_name(claims),
    )


def load_user_key(path: Path) -> str:
    """Return the secret behind pseudonymous ids (PHM_USER_KEY_FILE), created (mode 600) if missing."""
    from phm.record_keys import load_secret

    return load_secret(path)[0]

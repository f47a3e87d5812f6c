"""A real OpenID Connect provider on localhost for sign-in tests: oidc-provider-mock in a thread.

`OidcProvider.add_user` registers a subject with claims (PUT /users/<sub>); the provider puts
them in the UserInfo answer and, as it is a mock, in the ID token too (CIS2 sends
nhsid_nrbac_roles only from UserInfo). The consent page signs in whichever subject is posted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import oidc_provider_mock
import pytest


@dataclass(frozen=True)
class OidcProvider:
    """A running provider: its issuer URL (also its base URL) and user registration."""

    issuer: str

    @property
    def metadata_url(self) -> str:
        """Return the discovery document's URL (Streamlit's server_metadata_url)."""
        return f"{self.issuer}/.well-known/openid-configuration"

    def add_user(self, subject: str, claims: Mapping[str, Any]) -> None:
        """Register a subject and the claims the provider returns for it."""
        response = httpx.put(f"{self.issuer}/users/{quote(subject, safe='')}", json=dict(claims))
        response.raise_for_status()


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """Start oidc-provider-mock on a free port of localhost for the test session."""
    with oidc_provider_mock.run_server_in_thread(port=0, require_nonce=True) as server:
        yield OidcProvider(f"http://localhost:{server.server_port}")

"""Fixtures for browser journeys: `streamlit run serve.py` on the tiny demo, and a headless Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from phm import settings
from tests.oidc_provider import OidcProvider, oidc_provider  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1400}  # tall enough that no sidebar popover needs scrolling
STARTUP_TIMEOUT_S = 45
TIMEOUT_MS = 20_000


def _free_port() -> int:
    """Return a TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(
    database: Path,
    log: Path,
    env: dict[str, str] | None = None,
    secrets: Path | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
) -> Iterator[str]:
    """Run `streamlit run serve.py` (app.py, warmed up) on `database` until the block ends; yield its base URL.

    The server signs every session in as the demo commissioner (PHM_DEMO_USER; synthetic data
    only) unless `env` says otherwise ("" for the picker); its audit log is beside `log`.
    `secrets` is a secrets.toml for the server (e.g. `[auth]` of a local provider).
    """
    port = port or _free_port()
    env = {
        **os.environ,
        "PHM_DB": str(database),
        "PHM_DEMO_USER": "borough-commissioner",
        "PHM_AUDIT_DB": str(log.parent / "audit.sqlite"),
        "PHM_USER_KEY_FILE": str(log.parent / "user-key.secret"),
        **(env or {}),
    }
    for name in ("PHM_SUPPRESS_BELOW", "PHM_ROUND_TO"):
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "serve.py",  # the server entry `make run` starts: warms up, then serves app.py
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--secrets.files",
        str(secrets or log.parent / "no-secrets.toml"),  # never the machine's own secrets
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    log.with_suffix(".pid").write_text(str(server.pid))  # for a journey that kills the server
    url = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
            try:
                health = f"http://127.0.0.1:{port}/_stcore/health"
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit not healthy after {STARTUP_TIMEOUT_S} s:\n{log.read_text()}"
                )
            time.sleep(0.25)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Return the Chromium to drive; skip (or fail with PHM_REQUIRE_BROWSER=1) when it is missing."""
    path = Path(settings.get("PHM_CHROMIUM"))
    if path.is_file() and os.access(path, os.X_OK):
        return path
    reason = f"no Chromium at {path} (set PHM_CHROMIUM to an executable Chromium)"
    if settings.get_flag("PHM_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}; PHM_REQUIRE_BROWSER=1 makes this a failure", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    """Yield a headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def app_url(browser, tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield the URL of `streamlit run serve.py` on `tiny_db` once it reports healthy."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_server(tiny_db, log) as url:
        yield url


@pytest.fixture
def fresh_app_url(browser, tiny_db: Path, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a just-started server that no session has used yet."""
    del browser  # no server is started when there is no browser to drive it
    with streamlit_server(tiny_db, tmp_path / "server.log") as url:
        yield url


@pytest.fixture
def published_app_url(browser, published_db: Path, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a server on the small published-aggregate database."""
    del browser
    with streamlit_server(published_db, tmp_path / "server.log") as url:
        yield url


@pytest.fixture
def artifacts() -> Path:
    """Return the (git-ignored) folder screenshots go to."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test item, so fixtures can tell whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def context(browser, artifacts: Path, request: pytest.FixtureRequest):
    """Yield a fresh browser context; on failure, screenshot every page it still has open."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            for number, page in enumerate(ctx.pages):
                page.screenshot(
                    path=str(artifacts / f"{request.node.name}-failure-{number}.png"),
                    full_page=True,
                )
        ctx.close()


# The local provider stands in for NHS CIS2: roles come from nhsid_nrbac_roles in UserInfo.
CIS2_USERS = {
    "planner": ("910000000011", "Ada Planner", "QMJ", "S8000:G8000:R0260"),
    "administrator": ("910000000012", "Ian Admin", "QMJ", "S8000:G8000:R0001"),
    "practice": ("910000000013", "Marta Nowak", "P00001", "S0030:G0100:R8001"),
}


def cis2_mapping(issuer: str) -> str:
    """Return an access mapping trusting the local provider as CIS2."""
    return f"""
[[provider]]
name = "cis2"
kind = "cis2"
issuer = "{issuer}"

[[provider.rule]]
role = "administrator"
org_type = "icb"
role_codes = ["R0001"]
org_codes = ["QMJ"]

[[provider.rule]]
role = "planner"
org_type = "icb"
role_codes = ["R0260"]
org_codes = ["QMJ"]

[[provider.rule]]
role = "practice"
org_type = "gp_practice"
role_codes = ["R8001"]
org_code_pattern = "[A-Z][0-9]{{5}}"
"""


@contextmanager
def provider_server(database: Path, folder: Path, provider: OidcProvider) -> Iterator[str]:
    """Run the app with `[auth]` set up for the local provider (as CIS2); yield its URL.

    The URL is http://localhost:PORT, the host of the redirect URI, so the identity cookie
    set on the callback is sent back to the app.
    """
    for role, (subject, name, org, role_code) in CIS2_USERS.items():
        provider.add_user(
            subject,
            {
                "name": name,
                "nhsid_nrbac_roles": [
                    {
                        "person_roleid": f"55500000{subject[-4:]}",
                        "org_code": org,
                        "role_code": role_code,
                    }
                ],
            },
        )
        del role
    port = _free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        f"""
[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "browser-test-cookie-secret-0123456789abcdef"
expose_tokens = ["access"]

[auth.cis2]
client_id = "phm-test"
client_secret = "secret"
server_metadata_url = "{provider.metadata_url}"
client_kwargs = {{ scope = "openid profile", prompt = "login" }}
"""
    )
    access = folder / "access.toml"
    access.write_text(cis2_mapping(provider.issuer))
    env = {"PHM_ACCESS_FILE": str(access), "PHM_DEMO_USER": ""}
    with streamlit_server(
        database, folder / "server.log", env, secrets, port, host="localhost"
    ) as url:
        yield url


def sign_in_through_provider(page, url: str, role: str) -> None:
    """Open the app, press the CIS2 sign-in button and authorise a role's user at the provider."""
    from playwright.sync_api import expect

    page.goto(url)
    button = page.get_by_role("button", name="Sign in with NHS Care Identity Service 2")
    expect(button).to_be_visible(timeout=TIMEOUT_MS * 2)
    button.click()
    page.locator("input[name='sub']").fill(CIS2_USERS[role][0])
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text(CIS2_USERS[role][1]).first).to_be_visible(timeout=TIMEOUT_MS * 2)


@pytest.fixture
def start_provider_server(browser, oidc_provider: OidcProvider):  # noqa: F811
    """Return provider_server bound to the session's local provider: (database, folder) -> URL."""
    del browser  # no server is started when there is no browser to drive it

    def start(database: Path, folder: Path):
        return provider_server(database, folder, oidc_provider)

    return start


@pytest.fixture
def provider_sign_in():
    """Return sign_in_through_provider(page, url, role)."""
    return sign_in_through_provider


@pytest.fixture
def start_server(browser):
    """Return streamlit_server, for a journey that starts its own server with its own settings."""
    del browser
    return streamlit_server

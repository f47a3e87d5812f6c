"""Fixtures for AppTest runs of single page files against the tiny demo database."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit
from streamlit import config
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from phm import codes
from phm.access import Principal, Role
from tests.signin import ACCESS_TOML, as_user, demo_user, provider_sign_in

__all__ = ["as_user", "demo_user", "provider_sign_in"]  # for the tests of this folder
COMMISSIONER = demo_user(Role.COMMISSIONER)

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "views"


@pytest.fixture(autouse=True)
def error_details() -> Iterator[None]:
    """Keep exception messages in AppTest results (users get none: see .streamlit/config.toml)."""
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


@pytest.fixture
def audit_db(tmp_path: Path) -> Path:
    """Return the audit log file of this test (PHM_AUDIT_DB; created by the first entry)."""
    return tmp_path / "audit.sqlite"


@pytest.fixture
def app_env(tiny_db: Path, audit_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the app at `tiny_db` with the default disclosure rule, whatever the shell says.

    The audit log, state database, user-key secret and claims mapping go to the test's
    temporary folder.
    """
    monkeypatch.setenv("PHM_DB", str(tiny_db))
    monkeypatch.setenv("PHM_AUDIT_DB", str(audit_db))
    monkeypatch.setenv("PHM_USER_KEY_FILE", str(audit_db.parent / "user-key.secret"))
    monkeypatch.setenv("PHM_STATE_DB", str(audit_db.parent / "state.sqlite"))
    access_file = audit_db.parent / "access.toml"
    access_file.write_text(ACCESS_TOML)
    monkeypatch.setenv("PHM_ACCESS_FILE", str(access_file))
    # app.py on the synthetic demo signs in the demo commissioner (synthetic data, no [auth]);
    # tests of the picker remove this, tests of a provider sign in with provider_sign_in.
    monkeypatch.setenv("PHM_DEMO_USER", "borough-commissioner")
    for name in ("PHM_SUPPRESS_BELOW", "PHM_ROUND_TO"):
        monkeypatch.delenv(name, raising=False)
    # Page files import `components` and `phm` from the repository root.
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    yield tiny_db


def default_state() -> dict[str, object]:
    """Return the session state the cohort picker leaves behind with nothing chosen."""
    state: dict[str, object] = {flag: "any" for flag in codes.FLAGS}
    state["dose"] = "1"
    return state


@pytest.fixture
def run_page(app_env: Path) -> Callable[..., AppTest]:
    """Return a function that runs one page file with the given session state and returns it.

    The page runs as a signed-in user, the demo commissioner unless `principal` says otherwise
    (None: nobody signed in), as app.py's sign-in gate would leave the session.
    """

    def run(page: str, principal: Principal | None = COMMISSIONER, **state: object) -> AppTest:
        at = AppTest.from_file(str(PAGES / page), default_timeout=60)
        if principal is not None:
            at.session_state["principal"] = principal
        for key, value in {**default_state(), **state}.items():
            at.session_state[key] = value
        return at.run()

    return run


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Record what each download button of a run would send (file name -> text)."""
    sent: dict[str, str] = {}
    original = DeltaGenerator.download_button

    def record(self, label, data, file_name=None, *args, **kwargs):
        value = data() if callable(data) else data
        sent[str(file_name)] = value.decode() if isinstance(value, bytes) else str(value)
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    monkeypatch.setattr(
        streamlit, "download_button", lambda *a, **k: record(streamlit._main, *a, **k)
    )
    return sent

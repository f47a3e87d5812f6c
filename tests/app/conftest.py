"""Fixtures for AppTest runs of single page files against the tiny demo database."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from phm import codes

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "views"


@pytest.fixture
def app_env(tiny_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the app at `tiny_db` with the default disclosure rule, whatever the shell says."""
    monkeypatch.setenv("PHM_DB", str(tiny_db))
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
    """Return a function that runs one page file with the given session state and returns it."""

    def run(page: str, **state: object) -> AppTest:
        at = AppTest.from_file(str(PAGES / page), default_timeout=60)
        for key, value in {**default_state(), **state}.items():
            at.session_state[key] = value
        return at.run()

    return run

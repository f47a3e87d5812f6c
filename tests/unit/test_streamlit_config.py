"""The server's Streamlit settings: no tracebacks for users, uploads only as large as needed,
no full garbage collection after every run."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config
from streamlit.testing.v1 import AppTest

from phm.outreach.candidates import MAX_UPLOAD_MB

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def settings() -> dict:
    """Return the committed .streamlit/config.toml."""
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_users_see_a_message_not_a_traceback() -> None:
    assert settings()["client"]["showErrorDetails"] == "none"
    # "none" is one of the values this Streamlit documents (type, message and traceback go
    # to the server's console only).
    assert '"none"' in config.get_config_options()["client.showErrorDetails"].description


def test_uploads_are_limited_to_what_the_upload_widget_needs() -> None:
    assert MAX_UPLOAD_MB == 5
    assert settings()["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert config.get_config_options()["server.maxUploadSize"].default_val == 200  # not the default


def test_no_full_garbage_collection_after_every_script_run() -> None:
    # A full collection per run held the interpreter lock for most of a cached page view
    # (benchmarks/bench_room.py); Python's generational collector still runs.
    assert settings()["runner"]["postScriptGC"] is False
    assert config.get_config_options()["runner.postScriptGC"].default_val is True


def test_an_error_reaches_the_browser_without_its_message_or_traceback(monkeypatch) -> None:
    monkeypatch.chdir(CONFIG.parents[1])
    config.get_config_options(force_reparse=True)
    at = AppTest.from_string('raise ValueError("/srv/phm/data/secret.duckdb is locked")').run()
    [error] = at.exception
    assert "/srv/phm" not in error.message and "ValueError" not in error.message
    assert error.stack_trace == []

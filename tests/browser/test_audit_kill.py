"""A server killed (SIGKILL) while signed-in sessions use it leaves an audit log that verifies.

Sessions are websocket clients (streamlit_ws.Tab), signing in through the demo picker and
opening pages in a loop; the server is killed in the middle. Every entry it acknowledged is
in the log and `python -m phm audit verify` passes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from streamlit_ws import Tab, Trigger

from phm.access.demo import DEMO_USERS
from phm.audit import log

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def use_the_app(url: str, user_index: int, stop: threading.Event, runs: list[int]) -> None:
    """Sign in as a demo user and open pages until stopped or the server dies."""
    user = DEMO_USERS[user_index]
    try:
        with Tab(url) as tab:
            picker = tab.run("")
            tab.run(
                "",
                widgets={
                    picker.widget_id("phm_demo_user"): user.label,
                    picker.widget_id("phm_demo_sign_in"): Trigger(),
                },
            )
            runs.append(1)
            while not stop.is_set():
                for page in ("overview", "explore", "about"):
                    tab.run(page)
                    runs.append(1)
    except Exception:  # noqa: BLE001 - the server is killed under it
        return


def test_killing_the_server_mid_session_leaves_a_log_that_verifies(start_server, tiny_db, tmp_path):
    log_file = tmp_path / "server.log"
    audit = tmp_path / "audit.sqlite"
    with start_server(tiny_db, log_file, {"PHM_DEMO_USER": ""}) as url:
        stop, runs = threading.Event(), []
        sessions = [
            threading.Thread(target=use_the_app, args=(url, i, stop, runs), daemon=True)
            for i in range(4)
        ]
        for session in sessions:
            session.start()
        deadline = time.monotonic() + 60
        while len(runs) < 12 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(runs) >= 12, "the sessions did not get going"
        os.kill(int(log_file.with_suffix(".pid").read_text()), signal.SIGKILL)
        stop.set()
        for session in sessions:
            session.join(timeout=30)

    real = [e for e in log.entries(audit) if not e.synthetic]
    assert sum(e.kind == "sign_in" for e in real) == 4
    assert sum(e.kind == "page_view" for e in real) >= len(runs)  # each finished run audited
    verified = subprocess.run(
        [sys.executable, "-m", "phm", "audit", "verify", "--db", str(audit)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert ": OK:" in verified.stdout

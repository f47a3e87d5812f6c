"""The real server as a room meets it: warmed up before it serves, pages computed in turn.

Websocket clients (what a tab sends, nothing drawn) on `streamlit run serve.py`: no Chromium.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from components.queueing import waiting_words
from phm.cohort import Cohort
from tests.browser.conftest import streamlit_server
from tests.browser.streamlit_ws import Run, Tab

WAITING = waiting_words(1).split(":")[0]  # "The server is busy"


def test_the_server_warms_up_before_it_reports_healthy(tiny_db: Path, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with streamlit_server(tiny_db, log):
        started = log.read_text()
    assert "warmed up in" in started
    assert "dataset read" in started


def test_a_room_opened_at_once_is_served_in_turn_and_told_it_waits(
    tiny_db: Path, tmp_path: Path
) -> None:
    pages = ["targets", "compare", "trends", "explore", "overview", "map"] * 2
    runs: list[Run | BaseException | None] = [None] * len(pages)
    with streamlit_server(tiny_db, tmp_path / "server.log", {"PHM_PAGE_SLOTS": "1"}) as url:
        connected = threading.Barrier(len(pages))

        def session(i: int) -> None:
            try:
                with Tab(url) as tab:
                    connected.wait()
                    query = "&".join(
                        f"{k}={v}" for k, v in Cohort().with_(dose="2").to_query_params().items()
                    )
                    runs[i] = tab.run(pages[i], query)
            except BaseException as error:  # noqa: BLE001 - reported below
                runs[i] = error

        threads = [threading.Thread(target=session, args=(i,)) for i in range(len(pages))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finished = [run for run in runs if isinstance(run, Run)]
    assert len(finished) == len(pages), runs
    assert not any(run.of("exception") for run in finished)
    # Every page drew its own content once admitted (a heading of its own)...
    assert all(run.of("heading") for run in finished)
    # ...and with one slot and twelve pages asked at once, some were told they wait.
    told = [run for run in finished if WAITING in run.text()]
    assert told
    assert all(
        re.search(r"this page follows \d+ others? being prepared", run.text()) for run in told
    )

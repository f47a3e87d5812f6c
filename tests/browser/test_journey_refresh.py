"""Journey 7, the weekly refresh: a new extract is ingested to the live path (PHM_DB) while
people have the app open; their next rerun, and every new visitor, sees the new dataset."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect
from streamlit_page import no_exception, settle

from phm.ingest.sample import write_sample_extract

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 30_000
NEW_NAME = "NCL extract, week 2 refresh"
PERCENT = re.compile(r"^\d{1,3}\.\d%$")


pytestmark = pytest.mark.browser


def figures(page: Page) -> list[str]:
    """Return the Overview's three KPI figures with their counts, once they are drawn."""
    metrics = page.locator("[data-testid='stMetric']")
    expect(metrics).to_have_count(3, timeout=TIMEOUT_MS)
    for index in range(3):
        value = metrics.nth(index).locator("[data-testid='stMetricValue']")
        expect(value).to_have_text(PERCENT, timeout=TIMEOUT_MS)
    settle(page, TIMEOUT_MS)
    counts = page.locator("[data-testid='stCaptionContainer']").filter(has_text=" of ")
    return metrics.all_inner_texts() + counts.all_inner_texts()


def banner(page: Page) -> str:
    """Return the dataset banner's text."""
    alert = page.locator("[data-testid='stAlert']").filter(has_text="data as at").first
    expect(alert).to_be_visible(timeout=TIMEOUT_MS)
    return alert.inner_text()


def test_a_refresh_ingested_to_the_live_path_is_seen_on_the_next_rerun(
    context, tiny_db, tmp_path, artifacts, start_provider_server, provider_sign_in
) -> None:
    live = tmp_path / "data" / "phm.duckdb"
    live.parent.mkdir()
    shutil.copy(tiny_db, live)
    # Next week's extract: the same layout, with half of the people (so other figures).
    files = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    persons = pd.read_csv(files["persons"], dtype=str, keep_default_na=False)
    kept = persons[persons["person_id"].astype(int) % 2 == 0]
    kept.to_csv(files["persons"], index=False)
    doses = pd.read_csv(files["vaccinations"], dtype=str, keep_default_na=False)
    doses[doses["person_id"].isin(kept["person_id"])].to_csv(files["vaccinations"], index=False)
    who = pd.read_csv(files["identities"], dtype=str, keep_default_na=False)
    who[who["person_id"].isin(kept["person_id"])].to_csv(files["identities"], index=False)

    # The refresh is real data, which opens only after a provider sign-in: sign in from the start.
    with start_provider_server(live, tmp_path) as url:
        page = context.new_page()
        provider_sign_in(page, url, "planner")
        page.goto(f"{url}/overview")
        assert "SYNTHETIC DATA" in banner(page)
        before = figures(page)
        no_exception(page)

        # The operator's weekly load, to the path the app is serving, while the page is open.
        loaded = subprocess.run(
            [
                sys.executable,
                "-m",
                "phm",
                "ingest",
                *(f"--{kind}={path}" for kind, path in files.items()),
                f"--out={live}",
                "--as-at=2022-03-31",
                f"--name={NEW_NAME}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr

        # The open session's next rerun ("R", as a user reruns) shows the new dataset.
        page.get_by_role("heading", name="Overview").click()
        page.keyboard.press("r")
        expect(page.get_by_text(NEW_NAME).first).to_be_visible(timeout=TIMEOUT_MS)
        after = figures(page)
        assert NEW_NAME in banner(page) and "SYNTHETIC DATA" not in banner(page)
        assert after != before
        no_exception(page)
        page.screenshot(path=str(artifacts / "journey7-1-rerun-after-refresh.png"), full_page=True)

        # A new visitor sees the same.
        other = context.new_page()
        other.goto(f"{url}/overview")
        assert NEW_NAME in banner(other)
        assert figures(other) == after
        no_exception(other)
        other.screenshot(path=str(artifacts / "journey7-2-new-visitor.png"), full_page=True)

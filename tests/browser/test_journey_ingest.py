"""Journey 6, bring real data: a bad extract changes nothing, a good one is loaded and validated,
the administrator makes it active on the Data page, and every page then says so."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from phm.ingest.sample import write_sample_extract

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


def phm(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m phm ...` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "phm", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_bring_real_data(
    context, tiny_db, tmp_path, artifacts, start_provider_server, provider_sign_in
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    live = data / "phm.duckdb"
    shutil.copy(tiny_db, live)
    files = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    args = [f"--{kind}={path}" for kind, path in files.items()]

    # 1. A bad extract (a duplicated person) is refused and changes nothing.
    persons = pd.read_csv(files["persons"], dtype=str, keep_default_na=False)
    bad = tmp_path / "bad-persons.csv"
    pd.concat([persons, persons.iloc[[0]]]).to_csv(bad, index=False)
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    refused = phm("ingest", *args, f"--persons={bad}", f"--out={live}", "--as-at=2022-03-31")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "duplicate id" in refused.stdout
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before

    # 2. The good extract is validated and loaded beside the live dataset.
    out = data / "extract-2022-03.duckdb"
    loaded = phm("ingest", *args, f"--out={out}", "--as-at=2022-03-31", "--name=NCL linked extract")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert (data / "extract-2022-03.report.html").exists()

    # 3. The Data page lists both, with reports; the administrator makes the extract active.
    # Real data needs a provider sign-in, so the server has [auth] for the local provider.
    with start_provider_server(live, tmp_path) as url:
        page = context.new_page()
        provider_sign_in(page, url, "administrator")
        page.goto(f"{url}/data")
        expect(page.get_by_text("SYNTHETIC DATA: not real people.")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        expect(page.get_by_text("extract-2022-03.duckdb: loaded")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("phm.rejected.json")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
        table = page.locator("[data-testid='stDataFrame']").first
        expect(table).to_be_visible(timeout=TIMEOUT_MS)
        page.screenshot(path=str(artifacts / "journey6-1-data-page.png"), full_page=True)

        selectbox = page.locator("[data-testid='stSelectbox']").filter(
            has_text="Dataset to make active"
        )
        expect(selectbox).to_be_visible(timeout=TIMEOUT_MS)
        selectbox.click()
        page.get_by_role("option", name="extract-2022-03.duckdb").click()
        page.get_by_role("button", name="Make active").click()
        expect(page.get_by_text("NCL linked extract").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("SYNTHETIC DATA: not real people.")).to_have_count(0)
        page.screenshot(path=str(artifacts / "journey6-2-switched.png"), full_page=True)

        # 4. Every page now shows the extract, for a new visitor too.
        other = context.new_page()
        other.goto(f"{url}/data")
        expect(other.get_by_text("Linked extract: NCL linked extract")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        expect(other.locator("[data-testid='stException']")).to_have_count(0)
        other.screenshot(path=str(artifacts / "journey6-3-new-visitor.png"), full_page=True)

"""Waits and checks shared by the Chromium journeys."""

from playwright.sync_api import Page, expect

TIMEOUT_MS = 30_000

# Streamlit's frontend writes its script-run state on the app root; the status widget can
# lag behind it, and on a loaded machine a second run may begin before the widget shows.
_IDLE_APP = "[data-testid='stApp'][data-test-script-state='notRunning']"


def settle(page: Page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until the script run has finished and stayed finished for a moment."""
    page.wait_for_timeout(300)
    for _ in range(2):  # twice, so a rerun requested by the first run is waited for too
        expect(page.locator(_IDLE_APP)).to_have_count(1, timeout=timeout_ms)
        expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=timeout_ms)
        page.wait_for_timeout(200)
    expect(page.locator(_IDLE_APP)).to_have_count(1, timeout=timeout_ms)


def no_exception(page: Page) -> None:
    """Fail when the page shows a Python traceback."""
    expect(page.locator("[data-testid='stException']")).to_have_count(0)

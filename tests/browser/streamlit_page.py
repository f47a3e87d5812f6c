"""Waits and checks shared by the Chromium journeys."""

from playwright.sync_api import Page, expect

TIMEOUT_MS = 30_000


def settle(page: Page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until no script run is in progress."""
    page.wait_for_timeout(300)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=timeout_ms)


def no_exception(page: Page) -> None:
    """Fail when the page shows a Python traceback."""
    expect(page.locator("[data-testid='stException']")).to_have_count(0)

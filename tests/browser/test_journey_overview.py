"""A user's journey through the running app in Chromium: filter, share the link, bad links, About."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit_page import settle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
FIRST_RUN_TIMEOUT_MS = 60_000
PERCENT = re.compile(r"^\d{1,3}\.\d%$")
IMD_LABEL = "IMD quintile (Core20 = 1)"
MOST_DEPRIVED = "1 (most deprived)"


def metric_value(page: Page, index: int) -> Locator:
    """Return the value element of the index-th KPI metric (0 = first dose)."""
    return (
        page.locator("[data-testid='stMetric']").nth(index).locator("[data-testid='stMetricValue']")
    )


def wait_for_numbers(page: Page) -> None:
    """Wait until the three KPI metrics show percentages and no script run is in progress."""
    expect(page.locator("[data-testid='stMetric']")).to_have_count(3, timeout=TIMEOUT_MS)
    for index in range(3):
        expect(metric_value(page, index)).to_have_text(PERCENT, timeout=TIMEOUT_MS)
    settle(page, TIMEOUT_MS)


def assert_no_exception(page: Page) -> None:
    """Fail when the page shows a Python traceback."""
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def shot(page: Page, folder: Path, name: str) -> None:
    """Save a full-page screenshot of the current step."""
    page.screenshot(path=str(folder / f"journey-{name}.png"), full_page=True)


def query(page: Page) -> dict[str, list[str]]:
    """Return the query parameters of the page's current URL."""
    return parse_qs(urlparse(page.url).query)


def sidebar(page: Page) -> Locator:
    """Return the sidebar, where the cohort picker lives."""
    return page.locator("[data-testid='stSidebar']")


def pick_imd_quintile_1(page: Page, attempts: int = 3) -> None:
    """Open 'Place and deprivation' and choose '1 (most deprived)' in the IMD multiselect."""
    sidebar(page).get_by_text("Place and deprivation").click()
    multiselect = sidebar(page).locator("[data-testid='stMultiSelect']").filter(has_text=IMD_LABEL)
    expect(multiselect).to_be_visible()
    for _ in range(attempts):
        multiselect.locator("input").click()
        try:
            page.get_by_role("option", name=MOST_DEPRIVED, exact=True).click(timeout=3_000)
        except PlaywrightTimeoutError:  # the list did not open; close whatever did and retry
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Escape")
        return
    pytest.fail(f"the {IMD_LABEL!r} list did not open in {attempts} attempts")


def test_overview_filter_share_bad_link_and_about(context, app_url, artifacts):
    page = context.new_page()

    # 1. Overview with everyone: real numbers, no traceback.
    page.goto(f"{app_url}/overview")
    wait_for_numbers(page)
    assert_no_exception(page)
    expect(page.get_by_text("SYNTHETIC DATA: not real people.")).to_be_visible()
    everyone_first = metric_value(page, 0).inner_text()
    shot(page, artifacts, "1-overview")

    # 2. Pick IMD quintile 1 in the sidebar with real clicks; the first-dose figure changes.
    pick_imd_quintile_1(page)
    expect(metric_value(page, 0)).not_to_have_text(everyone_first, timeout=TIMEOUT_MS)
    wait_for_numbers(page)
    deprived_first = metric_value(page, 0).inner_text()
    expect(page.get_by_text("living in IMD quintile 1 areas (1 = most deprived)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]imd_quintile=1(&|$)"))
    assert_no_exception(page)
    shot(page, artifacts, "2-imd-quintile-1")

    # 3. Click 'Booster' in the Dose control: the headings and the URL follow; the KPI row,
    # which shows every dose, keeps its figures.
    dose = sidebar(page).get_by_role("radiogroup", name="Dose")
    dose.get_by_role("radio", name="Booster").click()
    expect(page.get_by_role("heading", name="By borough (booster)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]dose=3(&|$)"))
    wait_for_numbers(page)
    expect(dose.get_by_role("radio", name="Booster")).to_be_checked()
    assert metric_value(page, 0).inner_text() == deprived_first
    assert query(page) == {"imd_quintile": ["1"], "dose": ["3"]}
    assert_no_exception(page)
    shared = page.url
    shot(page, artifacts, "3-booster")

    # 4. The link is shareable: a fresh page (a new session) shows the same view.
    fresh = context.new_page()
    fresh.goto(shared)
    wait_for_numbers(fresh)
    assert metric_value(fresh, 0).inner_text() == deprived_first
    expect(fresh.get_by_role("heading", name="By borough (booster)")).to_be_visible()
    expect(fresh.get_by_text("living in IMD quintile 1 areas (1 = most deprived)")).to_be_visible()
    expect(
        sidebar(fresh).get_by_role("radiogroup", name="Dose").get_by_role("radio", name="Booster")
    ).to_be_checked()
    assert query(fresh) == {"imd_quintile": ["1"], "dose": ["3"]}
    assert_no_exception(fresh)
    shot(fresh, artifacts, "4-shared-link")
    fresh.close()

    # 5. A malformed link: visible warnings name the bad values; the page still has numbers,
    # for everyone, and the bad values are dropped from the URL.
    bad = context.new_page()
    bad.goto(f"{app_url}/overview?sex=Q&jcvi=banana")
    wait_for_numbers(bad)
    alerts = bad.locator("[data-testid='stAlert']")
    expect(alerts.filter(has_text="Ignored sex='Q'")).to_be_visible()
    expect(alerts.filter(has_text="Ignored jcvi='banana'")).to_be_visible()
    assert metric_value(bad, 0).inner_text() == everyone_first
    expect(bad.get_by_text("Everyone: first dose of COVID-19 vaccine")).to_be_visible()
    expect(bad).not_to_have_url(re.compile(r"sex=|jcvi="))
    assert_no_exception(bad)
    shot(bad, artifacts, "5-malformed-link")

    # 6. About, through the sidebar navigation: the synthetic statement and the attribution.
    sidebar(bad).locator("[data-testid='stSidebarNav']").get_by_role("link", name="About").click()
    expect(bad.get_by_role("heading", name="About this tool")).to_be_visible()
    expect(bad.get_by_text("This dataset is synthetic.")).to_be_visible()
    expect(bad.get_by_role("link", name="Open Government Licence v3.0")).to_be_visible()
    expect(bad.get_by_text("Crown copyright").first).to_be_visible()
    assert_no_exception(bad)
    shot(bad, artifacts, "6-about")


def test_first_session_after_start_keeps_the_first_filter(context, fresh_app_url, artifacts):
    page = context.new_page()
    page.goto(f"{fresh_app_url}/overview")
    wait_for_numbers(page)
    everyone_first = metric_value(page, 0).inner_text()

    pick_imd_quintile_1(page)
    # Either outcome ends the wait: the filter reaches the URL, or the Dose control is blanked.
    # A fresh server's first filtered run scans cold, so on a loaded machine allow it longer.
    try:
        page.wait_for_function(
            "() => location.search.includes('imd_quintile=1')"
            " || !document.querySelector(\"[data-testid='stSidebar'] [role='radio'][aria-checked='true']\")",
            timeout=FIRST_RUN_TIMEOUT_MS,
        )
    except PlaywrightTimeoutError:
        shot(page, artifacts, "0-first-session-after-start-timeout")
        chosen = sidebar(page).locator("[data-testid='stMultiSelect']").filter(has_text=IMD_LABEL)
        pytest.fail(
            f"neither outcome after {FIRST_RUN_TIMEOUT_MS} ms: url={page.url!r},"
            f" IMD widget shows {chosen.inner_text()!r}"
        )
    wait_for_numbers(page)
    shot(page, artifacts, "0-first-session-after-start")
    dose = sidebar(page).get_by_role("radiogroup", name="Dose")
    assert dose.get_by_role("radio", name="First dose").get_attribute("aria-checked") == "true"
    assert query(page) == {"imd_quintile": ["1"]}
    assert metric_value(page, 0).inner_text() != everyone_first

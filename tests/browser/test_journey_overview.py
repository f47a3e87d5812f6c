"""A user's journey through the running app in Chromium: filter, share the link, bad links, About."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
PERCENT = re.compile(r"^\d{1,3}\.\d%$")


def wait_for_numbers(page: Page) -> None:
    """Wait until the three KPI metrics show percentages and no script is running."""
    metrics = page.locator("[data-testid='stMetric']")
    expect(metrics).to_have_count(3, timeout=TIMEOUT_MS)
    expect(metric_value(page, 0)).to_have_text(PERCENT, timeout=TIMEOUT_MS)
    wait_until_idle(page)


def wait_until_idle(page: Page) -> None:
    """Wait until Streamlit has finished the current run (its 'Running...' widget is gone)."""
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=TIMEOUT_MS)


def metric_value(page: Page, index: int):
    """Return the value element of the index-th KPI metric (0 = first dose)."""
    return (
        page.locator("[data-testid='stMetric']").nth(index).locator("[data-testid='stMetricValue']")
    )


def assert_no_exception(page: Page) -> None:
    """Fail when the page shows a Python traceback."""
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def shot(page: Page, folder: Path, name: str) -> None:
    """Save a full-page screenshot of the current step."""
    page.screenshot(path=str(folder / f"journey-{name}.png"), full_page=True)


def choose(page: Page, multiselect, option: str, attempts: int = 3) -> None:
    """Open a multiselect with a click and click one option (retrying if a rerun closed it)."""
    for _ in range(attempts):
        multiselect.locator("input").click()
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.click(timeout=3_000)
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            continue
        expect(multiselect).to_contain_text(option)
        page.keyboard.press("Escape")
        return
    pytest.fail(f"the option {option!r} did not open in {attempts} attempts")


def query(page: Page) -> dict[str, list[str]]:
    """Return the query parameters of the page's current URL."""
    return parse_qs(urlparse(page.url).query)


def test_overview_filter_share_bad_link_and_about(context, app_url, artifacts):
    page = context.new_page()

    # 1. Overview with everyone: real numbers, no traceback.
    page.goto(app_url)
    wait_for_numbers(page)
    assert_no_exception(page)
    expect(page.get_by_text("SYNTHETIC DATA: not real people.")).to_be_visible()
    everyone_first = metric_value(page, 0).inner_text()
    assert PERCENT.match(everyone_first)
    shot(page, artifacts, "1-overview")

    # 2. Pick IMD quintile 1 in the sidebar with real clicks; the first-dose figure changes.
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Place and deprivation").click()
    imd = sidebar.locator("[data-testid='stMultiSelect']").filter(
        has_text="IMD quintile (Core20 = 1)"
    )
    choose(page, imd, "1 (most deprived)")
    expect(metric_value(page, 0)).not_to_have_text(everyone_first, timeout=TIMEOUT_MS)
    wait_for_numbers(page)
    deprived_first = metric_value(page, 0).inner_text()
    assert PERCENT.match(deprived_first)
    expect(page.get_by_text("living in IMD quintile 1 (1 = most deprived)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]imd_quintile=1(&|$)"))
    shot(page, artifacts, "2-imd-quintile-1")

    # 3. Click 'Booster' in the Dose control: the headings and the URL follow.
    sidebar.locator("[data-testid='stButtonGroup']").first.get_by_role(
        "button", name="Booster"
    ).click()
    expect(page.get_by_text("By borough (booster)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]dose=3(&|$)"))
    wait_for_numbers(page)
    assert metric_value(page, 0).inner_text() == deprived_first  # KPIs show every dose
    assert query(page) == {"imd_quintile": ["1"], "dose": ["3"]}
    assert_no_exception(page)
    shared = page.url
    shot(page, artifacts, "3-booster")

    # 4. The link is shareable: a fresh page (new session) shows the same view.
    fresh = context.new_page()
    fresh.goto(shared)
    wait_for_numbers(fresh)
    assert metric_value(fresh, 0).inner_text() == deprived_first
    expect(fresh.get_by_text("By borough (booster)")).to_be_visible()
    expect(fresh.get_by_text("living in IMD quintile 1 (1 = most deprived)")).to_be_visible()
    assert_no_exception(fresh)
    shot(fresh, artifacts, "4-shared-link")
    fresh.close()

    # 5. A malformed link: visible warnings name the bad values; the page still has numbers.
    bad = context.new_page()
    bad.goto(f"{app_url}/?sex=Q&jcvi=banana")
    wait_for_numbers(bad)
    alerts = bad.locator("[data-testid='stAlert']")
    expect(alerts.filter(has_text="Ignored sex='Q'")).to_be_visible()
    expect(alerts.filter(has_text="Ignored jcvi='banana'")).to_be_visible()
    assert metric_value(bad, 0).inner_text() == everyone_first
    assert_no_exception(bad)
    expect(bad).not_to_have_url(re.compile(r"sex=Q|jcvi=banana"))
    shot(bad, artifacts, "5-malformed-link")

    # 6. About, through the sidebar navigation: attribution and the synthetic statement.
    bad.locator("[data-testid='stSidebarNav']").get_by_role("link", name="About").click()
    expect(bad.get_by_role("heading", name="About this tool")).to_be_visible()
    wait_until_idle(bad)
    expect(bad.get_by_text("This dataset is synthetic.")).to_be_visible()
    expect(bad.get_by_role("link", name="Open Government Licence v3.0")).to_be_visible()
    expect(bad.get_by_text("Crown copyright").first).to_be_visible()
    assert_no_exception(bad)
    shot(bad, artifacts, "6-about")

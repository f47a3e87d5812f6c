"""Journey 1 in Chromium: land on the targeting finder, open a finding in Explore, layer more."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect
from streamlit_page import TIMEOUT_MS, no_exception, settle

pytestmark = pytest.mark.browser


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a select box by typing it, as a keyboard user would."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label)
    box.locator("input").click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).wait_for()
    page.keyboard.press("Enter")
    settle(page)


def test_find_a_target_group_open_it_and_layer_characteristics(context, app_url, artifacts):
    page = context.new_page()

    # 1. Landing: the finder is the first view, with ranked findings as sentences.
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Find target groups")).to_be_visible(timeout=TIMEOUT_MS)
    first = page.get_by_text(re.compile(r"^1\. .+: \d+\.\d% \(\d+\.\d–\d+\.\d%\) against \d+\.\d%"))
    expect(first).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    no_exception(page)
    expect(page.get_by_text("SYNTHETIC DATA: not real people.")).to_be_visible()
    sentence = first.inner_text()
    uptake = re.search(r": (\d+\.\d%) \(", sentence).group(1)
    page.screenshot(path=str(artifacts / "journey1-1-landing-finder.png"), full_page=True)

    # 2. Borough level: the list follows the choice.
    page.get_by_role("radiogroup", name="Places").get_by_role("radio", name="Borough").click()
    expect(
        page.get_by_text(re.compile(r"^1\. .+ in (Barnet|Camden|Enfield|Haringey|Islington):"))
    ).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    page.get_by_role("radiogroup", name="Places").get_by_role("radio", name="MSOA").click()
    expect(first).to_have_text(sentence, timeout=TIMEOUT_MS)
    settle(page)

    # 3. Open the first finding: Explore shows exactly that group, with its interval.
    page.locator("[data-testid='stPageLink']").first.locator("a").first.click()
    expect(page.get_by_role("heading", name="Explore")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    no_exception(page)
    params = parse_qs(urlparse(page.url).query)
    assert params.get("age_min") == ["18"] and "msoa" in params
    kpi = page.locator("[data-testid='stMetric']").first
    expect(kpi.locator("[data-testid='stMetricValue']")).to_have_text(uptake, timeout=TIMEOUT_MS)
    expect(page.get_by_text(re.compile(r"95% CI \d+\.\d–\d+\.\d%")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Cohort: People aged 18 and over .*MSOA"))).to_be_visible()
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_label("Age from")).to_have_value("18")
    page.screenshot(path=str(artifacts / "journey1-2-finding-in-explore.png"), full_page=True)

    # 4. Layer: break the group down by sex and first language: a heatmap and a table.
    choose(page, "Break down by", "Sex")
    expect(page.get_by_text("First dose uptake by Sex", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    choose(page, "and by", "IMD quintile")
    expect(page.get_by_role("tab", name="Heatmap")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
    no_exception(page)
    page.screenshot(path=str(artifacts / "journey1-3-layered-heatmap.png"), full_page=True)

    # 5. The view is a link: a fresh tab opens the same group.
    fresh = context.new_page()
    fresh.goto(page.url)
    expect(
        fresh.locator("[data-testid='stMetric']").first.locator("[data-testid='stMetricValue']")
    ).to_have_text(uptake, timeout=TIMEOUT_MS)
    no_exception(fresh)

"""What a user sees on hovering the map: the area's figures as text, never raw markup."""

import re

import pytest
from playwright.sync_api import Page, expect
from streamlit_page import no_exception, settle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # software WebGL in headless Chromium draws the map slowly
MARKUP = re.compile(r"</?\w+[^>]*>|&[a-z]+;")


def hover_until_area_tooltip(page: Page) -> str:
    """Move over the map on a grid until deck.gl shows an area's (not a site's) tooltip."""
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    expect(canvas).to_be_visible(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stDeckGlJsonChart']").first.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    tooltip = page.locator(".deck-tooltip")
    for fx, fy in [(x / 10, y / 10) for y in (5, 4, 6, 3, 7) for x in (5, 4, 6, 3, 7)]:
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=4)
        try:
            expect(tooltip).to_be_visible(timeout=4_000)
        except AssertionError:
            continue
        text = tooltip.inner_text()
        if "E09" in text:  # a borough's code (a site's tooltip has none)
            return text
    pytest.fail("no area's tooltip appeared over the map")


def test_hovering_an_area_shows_its_figures_as_readable_lines(context, app_url, artifacts):
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{app_url}/map")
    expect(page.get_by_role("heading", name="Map")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page, TIMEOUT_MS)
    page.get_by_role("radiogroup", name="Areas").get_by_role("radio", name="Borough").click()
    settle(page, TIMEOUT_MS)
    text = hover_until_area_tooltip(page)
    page.screenshot(path=str(artifacts / "map-tooltip.png"))
    no_exception(page)

    assert not MARKUP.search(text), f"the tooltip shows markup: {text!r}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert len(lines) >= 3, lines  # name, level and code, then figures: one per line
    assert re.fullmatch(r"Borough E09\d{6}", lines[1]), lines
    assert any(
        re.match(r"Uptake \d{1,3}\.\d% \(95% CI", line) or line.startswith("Suppressed")
        for line in lines[2:]
    ), lines
    # The whole tooltip is inside the window, not cut off at its edge.
    box = page.locator(".deck-tooltip").bounding_box()
    assert box is not None and box["width"] <= 360
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, box

"""A chart's toolbar (hover) never covers a heading or the text above the chart."""

import pytest
from playwright.sync_api import expect
from streamlit_page import no_exception, settle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
OVERLAPS = """([t, boxes]) => boxes.filter(b =>
  b.x < t.x + t.width && t.x < b.x + b.width && b.y < t.y + t.height && t.y < b.y + b.height)"""
TEXT_ABOVE = (
    "[data-testid='stMain'] h1, [data-testid='stMain'] h2, [data-testid='stMain'] h3,"
    " [data-testid='stMain'] [data-testid='stMarkdownContainer'] p"
)


@pytest.mark.parametrize("path", ["overview", "compare?age_min=18", "trends"])
def test_the_chart_toolbar_covers_no_heading_or_text(context, app_url, path):
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{app_url}/{path}")
    settle(page, TIMEOUT_MS)
    charts = page.locator("[data-testid='stVegaLiteChart']:visible")
    expect(charts.first).to_be_visible(timeout=TIMEOUT_MS)
    texts = page.locator(TEXT_ABOVE)
    for i in range(min(charts.count(), 3)):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        chart.hover()
        toolbar = page.locator("[data-testid='stElementToolbar']:visible").first
        expect(toolbar).to_be_visible()
        box = toolbar.bounding_box()
        boxes = [b for b in (texts.nth(j).bounding_box() for j in range(texts.count())) if b]
        assert page.evaluate(OVERLAPS, [box, boxes]) == [], path
    no_exception(page)

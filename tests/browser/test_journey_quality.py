"""Chromium: Data quality -> the worst practice -> its feedback report; a flagged finding."""

import re
import subprocess

import duckdb
import pytest
from playwright.sync_api import expect
from streamlit_page import TIMEOUT_MS, no_exception, settle

from phm import disclosure
from phm.analysis import quality
from phm.cohort import Cohort
from phm.queries.quality import completeness

pytestmark = pytest.mark.browser


def test_worst_practice_feedback_report_and_a_flagged_finding(context, app_url, artifacts, tiny_db):
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        practices = quality.protect_completeness(
            completeness(con, Cohort(), "practice"), disclosure.DEFAULT_RULE
        )
    worst = quality.worst_area(practices)
    assert worst is not None
    code, name = worst
    page = context.new_page()

    # 1. Data quality: the ICS's completeness, the funnel and the ranked practices.
    page.goto(f"{app_url}/data_quality")
    expect(page.get_by_role("heading", name="Data quality", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Ethnicity (GP records only)")
    expect(metric.locator("[data-testid='stMetricValue']")).to_have_text(
        re.compile(r"^\d+\.\d%$"), timeout=TIMEOUT_MS
    )
    expect(page.get_by_text("each practice against the ICS")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    no_exception(page)
    expect(page.get_by_text("SYNTHETIC DATA: not real people.")).to_be_visible()
    page.screenshot(path=str(artifacts / "quality-1-practices.png"), full_page=True)

    # 2. The worst practice's feedback: it is chosen first, its report downloads.
    page.get_by_role("tab", name="Practice feedback").click()
    expect(page.get_by_role("heading", name=f"Recording feedback: {name}")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    settle(page)
    no_exception(page)
    page.screenshot(path=str(artifacts / "quality-2-feedback.png"), full_page=True)
    with page.expect_download() as html_download:
        page.get_by_role("button", name="Feedback report (HTML)").click()
    html_path = artifacts / f"feedback_{code}.html"
    html_download.value.save_as(html_path)
    text = html_path.read_text()
    assert "SYNTHETIC DATA" in text
    assert f"Recording feedback: {name}" in text
    assert "Patients with no usable ethnicity record" in text
    assert "Its PCN" in text and "ICS" in text
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Feedback report (PDF)").click()
    pdf_path = artifacts / f"feedback_{code}.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    # Rendered to an image to be looked at (and checked to hold the practice's name).
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path), str(pdf_path)],
        check=True,
    )
    assert (artifacts / f"feedback_{code}.pdf-1.png").exists()
    words = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "SYNTHETIC DATA" in words and "Recording feedback" in words

    # 3. The landing page (the target finder) flags a finding about first language.
    page.goto(f"{app_url}/?find_level=borough&find_by=main_language")
    expect(page.get_by_text("Low completeness: first language").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    settle(page)
    no_exception(page)
    page.screenshot(path=str(artifacts / "quality-3-finder-flag.png"), full_page=True)

"""The business-case brief: HTML is self-contained and complete; the PDF renders to A4 pages."""

import base64
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from phm import settings
from phm.analysis.business_case import INTERVENTIONS, Counts, Target, evaluate
from phm.output import maps
from phm.output.brief import Brief, results_table, summary, to_html, to_pdf

TARGET = Target(
    group=Counts(vaccinated=600, population=1000),
    comparator=Counts(vaccinated=7000, population=10000),
    group_by_quintile={1: Counts(400, 700), 3: Counts(200, 300)},
    comparator_by_quintile={1: Counts(1000, 2000), 5: Counts(1600, 2000)},
)


def square(x: float) -> list[list[list[float]]]:
    """Return one small square polygon (lon/lat rings) near London."""
    return [[[x, 51.5], [x + 0.01, 51.5], [x + 0.01, 51.51], [x, 51.51], [x, 51.5]]]


LEGEND = tuple(maps.legend("uptake", (50.0,)))
AREAS = pd.DataFrame(
    {
        "polygon": [square(-0.10), square(-0.08), square(-0.06)],
        "state": ["shown", "suppressed", "empty"],
        "fill": [
            maps.hex_to_rgba(LEGEND[0].colour),
            list(maps.SUPPRESSED_RGBA),
            list(maps.EMPTY_RGBA),
        ],
    }
)


def make_brief(kind: str = "synthetic", areas: pd.DataFrame | None = AREAS) -> Brief:
    """Return a brief of two interventions for a made-up target, mapped over three areas."""
    return Brief(
        cohort="People whose first language is Polish; first dose of COVID-19 vaccine",
        comparator="everyone in the ICS",
        dataset="Test dataset",
        kind=kind,
        as_at="2022-03-31",
        rule="Counts from 1 to 7 are shown as <8.",
        outcomes=(
            evaluate(INTERVENTIONS["link_worker"], TARGET),
            evaluate(INTERVENTIONS["popup"], TARGET),
        ),
        comparator_uptake=70.0,
        made_on=date(2026, 11, 23),
        areas=areas,
        area_legend=LEGEND,
        area_title="Uptake of the target group (%) by MSOA",
    )


def test_results_table_has_hand_computed_popup_figures():
    table = results_table(make_brief().outcomes)
    popup = dict(zip(table["Result"], table["Pop-up clinic sessions"], strict=True))
    assert popup["People reached"] == "40 (20–80)"
    assert popup["Additional vaccinations"] == "12 (4–32)"
    assert popup["Cost per additional vaccination"] == "£1,250 (£469–£3,750)"
    assert popup["Uptake after"] == "61.2% (60.4–63.2%)"


def test_html_is_self_contained_and_has_every_section():
    page = to_html(make_brief())
    for text in (
        "SYNTHETIC DATA",
        "People whose first language is Polish",
        "Community-language link worker",
        "£1,250 (£469–£3,750)",
        "Assumption — replace with local figures.",
        "Agenda for Change",
        "Data caveats",
        "Counts from 1 to 7 are shown as &lt;8.",
        "23 November 2026",
        "data:image/svg+xml;base64,",
    ):
        assert text in page, text
    assert not re.search(r"""(src|href)=["']https?:""", page)
    assert "SYNTHETIC" not in to_html(make_brief("linked extract"))


def test_html_map_colours_areas_by_class_and_marks_suppressed_and_empty():
    page = to_html(make_brief())
    assert "<h2>Map: Uptake of the target group (%) by MSOA</h2>" in page
    assert "Open Government Licence" in page
    svgs = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)
    map_svg = base64.b64decode(svgs[0]).decode()
    for entry in LEGEND:
        assert entry.label in map_svg, entry.label
    fills = re.findall(r'<path[^>]*fill="(#[0-9a-fA-F]{6})"', map_svg)
    for colour in (LEGEND[0].colour, maps.rgba_hex(maps.SUPPRESSED_RGBA), "#ffffff"):
        assert colour.lower() in [f.lower() for f in fills], colour
    assert "<h2>Map:" not in to_html(make_brief(areas=None))


def test_pdf_renders_to_a4_pages(tmp_path: Path):
    if not all(shutil.which(tool) for tool in ("pdftoppm", "pdfinfo", "pdftotext")):
        reason = "poppler-utils (pdftoppm, pdfinfo, pdftotext) is not installed"
        if settings.get_flag("PHM_REQUIRE_BROWSER"):
            pytest.fail(f"{reason}; PHM_REQUIRE_BROWSER=1 makes this a failure", pytrace=False)
        pytest.skip(reason)
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(to_pdf(make_brief()))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 1 <= pages <= 3
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    assert all(image.stat().st_size > 5_000 for image in images)  # not blank
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for words in ("SYNTHETIC DATA", "Pop-up clinic sessions", "1,250", "Data caveats", "Map:"):
        assert words in text, words


def test_results_table_has_exact_values_in_every_row():
    # Group 600 of 1,000 (60.0%); comparator 7,000 of 10,000 (70.0%), which holds the group, so
    # each added vaccination raises both. Link worker adds 20 (6-48): group 62.0% (60.6-64.8),
    # comparator 70.20% (70.06-70.48), gap -8.2 (-9.46 to -5.68). Pop-up adds 12 (4-32): 61.2%
    # against 70.12%, gap -8.92 (-9.64 to -7.12). Deprivation: quintile 1 of the comparator is
    # 1,000 of 2,000 (50%), quintile 5 1,600 of 2,000 (80%), gap -30; three quarters of the group's
    # unvaccinated live in quintile 1 (300 of 400), so it gains 15 (link worker) or 9 (pop-up):
    # 50.75% and 50.45%, gaps -29.25 and -29.55.
    table = results_table(make_brief().outcomes)
    assert table.to_dict("list") == {
        "Result": [
            "Total cost",
            "People reached",
            "Additional vaccinations",
            "Cost per additional vaccination",
            "Uptake now",
            "Uptake after",
            "Gap to comparator now",
            "Gap to comparator after",
            "Most vs least deprived gap now",
            "Most vs least deprived gap after",
        ],
        "Community-language link worker": [
            "£35,000",
            "100 (60–160)",
            "20 (6–48)",
            "£1,750 (£729–£5,833)",
            "60.0%",
            "62.0% (60.6–64.8%)",
            "10.0 percentage points lower",
            "8.2 percentage points lower (range 5.7 to 9.5 lower)",
            "30.0 percentage points lower",
            "29.2 percentage points lower (range 28.2 to 29.8 lower)",
        ],
        "Pop-up clinic sessions": [
            "£15,000",
            "40 (20–80)",
            "12 (4–32)",
            "£1,250 (£469–£3,750)",
            "60.0%",
            "61.2% (60.4–63.2%)",
            "10.0 percentage points lower",
            "8.9 percentage points lower (range 7.1 to 9.6 lower)",
            "30.0 percentage points lower",
            "29.5 percentage points lower (range 28.8 to 29.9 lower)",
        ],
    }


def test_missing_results_say_why_and_a_range_capacity_fixes_says_so():
    # Quintile 5 has no one, the comparator no shown population, and a capacity of 10 binds
    # every scenario (even the low one reaches 500 and converts 100).
    target = Target(
        group=Counts(vaccinated=0, population=10_000),
        comparator=Counts(vaccinated=0, population=0),
        group_by_quintile={1: Counts(0, 10_000)},
        comparator_by_quintile={1: Counts(0, 10_000)},
    )
    small = replace(INTERVENTIONS["popup"], units=1, capacity_per_unit=10.0)
    outcome = evaluate(small, target)
    cells = dict(zip(*results_table([outcome]).to_dict("list").values(), strict=True))
    assert cells["Additional vaccinations"] == (
        "10 (capacity-limited: capacity limits every scenario, so low, central and high are the"
        " same)"
    )
    assert cells["Cost per additional vaccination"] == (
        "£150 (capacity limits every scenario, so low, central and high are the same)"
    )
    assert "£150 (£150–£150)" not in cells.values()
    assert cells["Gap to comparator now"].startswith("– (the comparator's uptake is suppressed")
    assert cells["Most vs least deprived gap after"].startswith("– (the most or least deprived")


def test_the_brief_opens_with_the_problem_the_ask_and_the_recommendation():
    opening = dict(summary(make_brief()))
    assert list(opening) == ["The problem", "The ask", "Recommendation"]
    assert opening["The problem"].startswith(
        "Uptake in this group is 60.0%, 10.0 percentage points lower than everyone in the ICS"
        " (70.0%)."
    )
    assert "Pop-up clinic sessions: 10 sessions, costing £15,000" in opening["The ask"]
    assert "Community-language link worker: 1 year-long post, costing £35,000" in opening["The ask"]
    assert opening["Recommendation"].startswith(
        "On these assumptions, fund pop-up clinic sessions: about £1,250 per additional"
        " vaccination (£469 to £3,750), the lowest of the 2 options costed."
    )
    page = to_html(make_brief())
    assert page.index("The problem") < page.index("Results (central")


def test_a_one_area_map_names_its_value_not_every_area_shown():
    entries = maps.legend("uptake", (), [42.4])
    assert entries[0].label == "42.4%"
    assert all("every area shown" not in e.label for e in entries)


def test_pdf_title_is_left_aligned_not_justified(monkeypatch):
    from fpdf import FPDF

    aligns = []
    original = FPDF.multi_cell

    def record(self, w, h=None, text="", *args, **kwargs):
        aligns.append((text, str(kwargs.get("align", "J"))))
        return original(self, w, h, text, *args, **kwargs)

    monkeypatch.setattr(FPDF, "multi_cell", record)
    to_pdf(make_brief())
    title = next(a for t, a in aligns if t.startswith("Business case:"))
    assert title in ("L", "Align.L")
    dataset = next(a for t, a in aligns if t.startswith("Dataset:"))
    assert dataset in ("L", "Align.L")

"""The one-page business-case brief: results table, chart, and export as HTML and PDF."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import date

import altair as alt
import numpy as np
import pandas as pd

from phm.analysis.business_case import Outcome, Range, assumption_rows
from phm.gap_words import gap_words, interval_words
from phm.geo import ATTRIBUTION
from phm.output.charts import NHS_BLUE, NHS_DARK_GREY, NHS_WARM_YELLOW
from phm.output.maps import LegendEntry, rgba_hex

CAVEATS = (
    "Estimates, not forecasts: the low, central and high figures come from the assumptions"
    " listed, not from evaluated interventions in this population.",
    "Counts are shown after disclosure control (small numbers suppressed, others rounded);"
    " the estimates are computed from those shown counts.",
    "Additional vaccinations are shared between deprivation quintiles in proportion to the"
    " target group's unvaccinated people in each.",
    "Recorded vaccinations can lag; people vaccinated elsewhere may be missing from GP records.",
)


@dataclass(frozen=True)
class Brief:
    """Everything a brief shows."""

    cohort: str
    comparator: str
    dataset: str
    kind: str
    as_at: str
    rule: str
    outcomes: tuple[Outcome, ...]
    comparator_uptake: float | None
    made_on: date = field(default_factory=date.today)
    # Protected area figures to map (phm.output.maps.area_frame with polygons), its legend and title.
    areas: pd.DataFrame | None = None
    area_legend: tuple[LegendEntry, ...] = ()
    area_title: str = ""

    @property
    def synthetic(self) -> bool:
        """Return True when the figures come from synthetic data."""
        return self.kind == "synthetic"

    @property
    def label(self) -> str:
        """Return the data label shown at the top of every export."""
        return data_label(self.kind)


def data_label(kind: str) -> str:
    """Return the label a brief or report carries at its top for a dataset of this kind."""
    if kind == "synthetic":
        return "SYNTHETIC DATA — not real people. For demonstration only."
    return f"{kind.capitalize()} data — check local disclosure rules before sharing."


def _count(value: float) -> str:
    """Return an estimated count rounded to a whole person."""
    return f"{round(value):,}"


# Why a result is missing ("–"), said beside it.
NO_UPTAKE = "– (the target group's uptake is suppressed: too few people)"
NO_COMPARATOR = "– (the comparator's uptake is suppressed or it has no one)"
NO_QUINTILES = (
    "– (the most or least deprived fifth has no one in the comparator, or its count is suppressed)"
)
NO_ADDITIONAL = "– (no additional vaccinations expected, so no cost per vaccination)"
ONE_VALUE = "capacity limits every scenario, so low, central and high are the same"


def _all_capacity(outcome: Outcome) -> bool:
    """Return True when capacity, not the assumptions, sets the result in every scenario."""
    return all(outcome.capacity_limited)


def _count_range(value: Range) -> str:
    """Return a count range as 'central (low–high)'."""
    return f"{_count(value.central)} ({_count(value.low)}–{_count(value.high)})"


def _money_range(value: Range) -> str:
    """Return a range of pounds as '£central (£low–£high)'."""
    return f"£{value.central:,.0f} (£{value.low:,.0f}–£{value.high:,.0f})"


def _points(value: float | None, missing: str) -> str:
    """Return percentage points in words, or why there are none."""
    return missing if value is None else gap_words(value)


def _points_range(value: Range | None, missing: str) -> str:
    """Return a gap in words with its low–high range (from the assumptions, not a CI)."""
    if value is None:
        return missing
    if round(value.low, 1) == round(value.high, 1):
        return f"{gap_words(value.central)} (the same in every scenario)"
    return f"{gap_words(value.central)} (range {interval_words(value.low, value.high)})"


def _additional(outcome: Outcome) -> str:
    """Return the additional vaccinations, saying when capacity sets them."""
    if _all_capacity(outcome):
        return f"{_count(outcome.additional.central)} (capacity-limited: {ONE_VALUE})"
    limited = " (capacity-limited in the high scenario)" if outcome.capacity_limited[2] else ""
    if outcome.capacity_limited[1]:
        limited = " (capacity-limited)"
    return _count_range(outcome.additional) + limited


def _cost_per(outcome: Outcome) -> str:
    """Return the cost per additional vaccination, saying why it has no range or no value."""
    per = outcome.cost_per_vaccination
    if per is None:
        return NO_ADDITIONAL
    if _all_capacity(outcome):
        return f"£{per.central:,.0f} ({ONE_VALUE})"
    return _money_range(per)


def results_table(outcomes: tuple[Outcome, ...] | list[Outcome]) -> pd.DataFrame:
    """Return the results of each intervention as text, one column per intervention.

    A missing result ("–") says why; a range that collapses to one value because capacity
    binds in every scenario says so instead of printing '£10 (£10–£10)'.
    """
    rows: dict[str, list[str]] = {}
    for outcome in outcomes:
        cells = {
            "Total cost": f"£{outcome.cost:,.0f}",
            "People reached": _count_range(outcome.reached),
            "Additional vaccinations": _additional(outcome),
            "Cost per additional vaccination": _cost_per(outcome),
            "Uptake now": NO_UPTAKE
            if outcome.uptake_before is None
            else f"{outcome.uptake_before:.1f}%",
            "Uptake after": NO_UPTAKE
            if outcome.uptake_after is None
            else f"{outcome.uptake_after.central:.1f}%"
            f" ({outcome.uptake_after.low:.1f}–{outcome.uptake_after.high:.1f}%)",
            "Gap to comparator now": _points(outcome.gap_to_comparator_before, NO_COMPARATOR),
            "Gap to comparator after": _points_range(
                outcome.gap_to_comparator_after, NO_COMPARATOR
            ),
            "Most vs least deprived gap now": _points(outcome.quintile_gap_before, NO_QUINTILES),
            "Most vs least deprived gap after": _points_range(
                outcome.quintile_gap_after, NO_QUINTILES
            ),
        }
        for name, text in cells.items():
            rows.setdefault(name, []).append(text)
    names = [o.intervention.name for o in outcomes]
    return pd.DataFrame(rows, index=names).T.rename_axis("Result").reset_index()


def summary(brief: Brief) -> list[tuple[str, str]]:
    """Return the brief's opening: the problem, the ask and the recommendation, in sentences."""
    first = brief.outcomes[0] if brief.outcomes else None
    problem = f"{brief.cohort}."
    if first is not None and first.uptake_before is not None:
        problem = f"Uptake in this group is {first.uptake_before:.1f}%"
        if first.gap_to_comparator_before is not None and brief.comparator_uptake is not None:
            problem += (
                f", {gap_words(first.gap_to_comparator_before)} than {brief.comparator}"
                f" ({brief.comparator_uptake:.1f}%)"
            )
        problem += f". The group: {brief.cohort}."
    asks = []
    for outcome in brief.outcomes:
        units = outcome.intervention.units_text(outcome.intervention.units)
        asks.append(
            f"{outcome.intervention.name}: {units}, costing £{outcome.cost:,.0f} and"
            " expected to add about"
            f" {_count(outcome.additional.central)} vaccinations"
            f" ({_count(outcome.additional.low)} to {_count(outcome.additional.high)})."
        )
    ask = " ".join(asks) if asks else "No intervention chosen."
    costed = [o for o in brief.outcomes if o.cost_per_vaccination is not None]
    if not costed:
        recommendation = (
            "None of these interventions is expected to add vaccinations on these assumptions:"
            " revisit the group or the assumptions before asking for funds."
        )
    else:
        best = min(costed, key=lambda o: o.cost_per_vaccination.central)  # type: ignore[union-attr]
        per = best.cost_per_vaccination
        assert per is not None
        recommendation = (
            f"On these assumptions, fund {best.intervention.name.lower()}: about"
            f" £{per.central:,.0f} per additional vaccination"
            + ("" if _all_capacity(best) else f" (£{per.low:,.0f} to £{per.high:,.0f})")
            + (f", the lowest of the {len(costed)} options costed" if len(costed) > 1 else "")
            + "."
        )
        if best.gap_to_comparator_after is not None and brief.comparator_uptake is not None:
            recommendation += (
                f" The group would then be {gap_words(best.gap_to_comparator_after.central)}"
                f" than {brief.comparator}."
            )
        if _all_capacity(best):
            recommendation += f" More capacity would add more: {ONE_VALUE}."
    return [("The problem", problem), ("The ask", ask), ("Recommendation", recommendation)]


def impact_chart(outcomes: tuple[Outcome, ...] | list[Outcome], comparator_uptake: float | None):
    """Return a chart of the group's uptake now and after each intervention, with ranges."""
    rows = []
    for outcome in outcomes:
        if outcome.uptake_before is None or outcome.uptake_after is None:
            continue
        name = outcome.intervention.name
        rows.append({"bar": "Now", "intervention": name, "uptake": outcome.uptake_before})
        after = outcome.uptake_after
        rows.append(
            {
                "bar": "After (central)",
                "intervention": name,
                "uptake": after.central,
                "low": after.low,
                "high": after.high,
            }
        )
    frame = pd.DataFrame(rows, columns=["bar", "intervention", "uptake", "low", "high"])
    if comparator_uptake is not None:  # drawn as the dashed rule, only when there is one
        frame["comparator"] = comparator_uptake
    y = alt.Y("bar:N", title=None, sort=["Now", "After (central)"])
    base = alt.Chart(frame)
    bars = base.mark_bar(height=18).encode(
        x=alt.X(
            "uptake:Q", title="Uptake of the target group (%)", scale=alt.Scale(domain=[0, 100])
        ),
        y=y,
        color=alt.Color(
            "bar:N",
            scale=alt.Scale(domain=["Now", "After (central)"], range=[NHS_DARK_GREY, NHS_BLUE]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=["intervention", "bar", alt.Tooltip("uptake:Q", format=".1f")],
    )
    ranges = base.mark_rule(color=NHS_WARM_YELLOW, strokeWidth=4).encode(
        x="low:Q", x2="high:Q", y=y
    )
    layers = [bars, ranges]
    if comparator_uptake is not None:
        layers.append(
            base.mark_rule(color="black", strokeDash=[4, 3]).encode(x="mean(comparator):Q")
        )
    return (
        alt.layer(*layers, data=frame)
        .properties(width=420)
        .facet(
            row=alt.Row(
                "intervention:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            )
        )
        .properties(title="Uptake now and after (bars central, yellow low–high, dashed comparator)")
    )


def area_map_chart(
    areas: pd.DataFrame, entries: tuple[LegendEntry, ...] | list[LegendEntry], title: str
) -> alt.Chart:
    """Return a static choropleth of protected areas, coloured as on the Map page.

    `areas` is phm.output.maps.area_frame's output with polygons (lon/lat rings) and fills. Drawn
    in a planar projection (lon scaled by cos 51.5 deg) so ring winding cannot invert a shape.
    """
    labels = {e.colour.lower(): e.label for e in entries}
    squash = np.cos(np.radians(51.5))
    features = []
    for polygon, fill in zip(areas["polygon"], areas["fill"], strict=True):
        rings = [[[x * squash, y] for x, y in ring] for ring in polygon]
        label = labels.get(rgba_hex(fill).lower(), "")
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": rings},
                "properties": {"label": label},
            }
        )
    domain = [e.label for e in entries]
    return (
        alt.Chart(alt.Data(values=features))
        .mark_geoshape(stroke="#8a8a8a", strokeWidth=0.3)
        .encode(
            color=alt.Color(
                "properties.label:N",
                title=title,
                scale=alt.Scale(domain=domain, range=[e.colour for e in entries]),
                legend=alt.Legend(
                    orient="right", symbolType="square", labelLimit=260, titleLimit=260
                ),
            )
        )
        .project(type="identity", reflectY=True)
        .properties(width=360, height=300)
    )


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """Return a chart as SVG text (rendered offline by vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict())


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """Return a chart as PNG bytes (rendered offline by vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)


def _table_html(frame: pd.DataFrame) -> str:
    """Return a frame as an escaped HTML table."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def assumptions_table(outcomes: tuple[Outcome, ...] | list[Outcome]) -> pd.DataFrame:
    """Return every intervention's assumptions with their sources, one row each."""
    rows = [
        {"Intervention": o.intervention.name, **row}
        for o in outcomes
        for row in assumption_rows(o.intervention)
    ]
    return pd.DataFrame(rows, columns=["Intervention", "Assumption", "Value", "Source"])


def _map_html(brief: Brief) -> str:
    """Return the brief's map section as HTML (an inline SVG image), or '' without areas."""
    if brief.areas is None or brief.areas.empty:
        return ""
    svg = chart_svg(area_map_chart(brief.areas, brief.area_legend, brief.area_title))
    encoded = base64.b64encode(svg.encode()).decode()
    return (
        f"<h2>Map: {html.escape(brief.area_title)}</h2>\n"
        f'<img alt="Map of {html.escape(brief.area_title)}"'
        f' src="data:image/svg+xml;base64,{encoded}">\n'
        f'<p class="meta">Boundaries: ONS LSOA 2011, dissolved to MSOA. {html.escape(ATTRIBUTION)}</p>\n'
    )


def to_html(brief: Brief) -> str:
    """Return the brief as one self-contained HTML page (chart inline as SVG)."""
    chart = chart_svg(impact_chart(brief.outcomes, brief.comparator_uptake))
    svg = base64.b64encode(chart.encode()).decode()
    names = " and ".join(o.intervention.name for o in brief.outcomes)
    caveats = "".join(f"<li>{html.escape(c)}</li>" for c in CAVEATS)
    banner_class = "synthetic" if brief.synthetic else "real"
    comparator = "–" if brief.comparator_uptake is None else f"{brief.comparator_uptake:.1f}%"
    opening = "".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(text)}</dd>" for name, text in summary(brief)
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Business case: {html.escape(names)}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; color: #212b32; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
h1 {{ color: #005eb8; font-size: 1.6rem; }}
h2 {{ font-size: 1.2rem; border-bottom: 2px solid #005eb8; padding-bottom: .2rem; }}
.banner {{ padding: .6rem 1rem; font-weight: bold; }}
.synthetic {{ background: #ffb81c; }}
.real {{ background: #e8edee; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
th, td {{ border: 1px solid #aeb7bd; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
th {{ background: #e8edee; }}
img {{ max-width: 100%; }}
.meta {{ color: #425563; font-size: .9rem; }}
.summary dt {{ font-weight: bold; margin-top: .4rem; }}
.summary dd {{ margin: 0 0 0 0; }}
</style></head><body>
<div class="banner {banner_class}">{html.escape(brief.label)}</div>
<h1>Business case: {html.escape(names)}</h1>
<p class="meta">Dataset: {html.escape(brief.dataset)} ({html.escape(brief.kind)}), data as at
{html.escape(brief.as_at)}. Brief made on {brief.made_on:%d %B %Y}.</p>
<h2>Summary</h2>
<dl class="summary">{opening}</dl>
<h2>Target group</h2>
<p>{html.escape(brief.cohort)}</p>
<p>Compared with: {html.escape(brief.comparator)} (uptake {comparator}).</p>
<h2>Results (central, with low–high range)</h2>
{_table_html(results_table(brief.outcomes))}
{_map_html(brief)}<h2>Chart</h2>
<img alt="Uptake of the target group now and after each intervention" src="data:image/svg+xml;base64,{svg}">
<h2>Assumptions</h2>
{_table_html(assumptions_table(brief.outcomes))}
<h2>Data caveats</h2>
<ul>{caveats}</ul>
<p class="meta">Disclosure control: {html.escape(brief.rule)}</p>
</body></html>
"""


PDF_REPLACEMENTS = {"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "×": "x"}


def _latin(text: str) -> str:
    """Return text the PDF core fonts can draw (Latin-1)."""
    for old, new in PDF_REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def to_pdf(brief: Brief) -> bytes:
    """Return the brief as a PDF (A4, core fonts, chart as an embedded PNG)."""
    from io import BytesIO

    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_latin("Business case brief"))
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("Helvetica", "B", 11)
    if brief.synthetic:
        pdf.set_fill_color(255, 184, 28)
    else:
        pdf.set_fill_color(232, 237, 238)
    pdf.multi_cell(
        width, 8, _latin(brief.label), fill=True, align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_fill_color(255, 255, 255)
    pdf.ln(2)
    names = " and ".join(o.intervention.name for o in brief.outcomes)
    pdf.set_font("Helvetica", "B", 16)
    pdf.set_text_color(0, 94, 184)
    # Left-aligned: fpdf2 justifies multi_cell text by default, which stretches a title.
    pdf.multi_cell(
        width, 8, _latin(f"Business case: {names}"), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_text_color(33, 43, 50)

    def heading(text: str) -> None:
        if pdf.will_page_break(30):  # keep a heading with the first lines under it
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 7, _latin(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)

    def para(text: str) -> None:
        pdf.multi_cell(width, 5, _latin(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def table(frame: pd.DataFrame, widths: tuple[float, ...]) -> None:
        pdf.set_font("Helvetica", "", 8)
        with pdf.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD", fill_color=(232, 237, 238)),
            line_height=4.5,
            text_align="LEFT",
        ) as t:
            t.row([_latin(str(c)) for c in frame.columns])
            for values in frame.itertuples(index=False):
                t.row([_latin(str(v)) for v in values])

    pdf.set_font("Helvetica", "", 9)
    comparator = "-" if brief.comparator_uptake is None else f"{brief.comparator_uptake:.1f}%"
    para(
        f"Dataset: {brief.dataset} ({brief.kind}), data as at {brief.as_at}."
        f" Brief made on {brief.made_on:%d %B %Y}."
    )
    heading("Summary")
    for name, text in summary(brief):
        pdf.set_font("Helvetica", "B", 9)
        para(name)
        pdf.set_font("Helvetica", "", 9)
        para(text)
    heading("Target group")
    para(brief.cohort)
    para(f"Compared with: {brief.comparator} (uptake {comparator}).")
    heading("Results (central, with low-high range)")
    results = results_table(brief.outcomes)
    table(results, (2,) + (3,) * (len(results.columns) - 1))
    if brief.areas is not None and not brief.areas.empty:
        heading(f"Map: {brief.area_title}")
        chart = area_map_chart(brief.areas, brief.area_legend, brief.area_title)
        pdf.image(BytesIO(chart_png(chart)), w=min(width, 150))
        pdf.set_font("Helvetica", "", 7)
        para(f"Boundaries: ONS LSOA 2011, dissolved to MSOA. {ATTRIBUTION}")
        pdf.set_font("Helvetica", "", 9)
    heading("Chart")
    png = chart_png(impact_chart(brief.outcomes, brief.comparator_uptake))
    pdf.image(BytesIO(png), w=min(width, 130))
    heading("Assumptions")
    table(assumptions_table(brief.outcomes), (3, 4, 3, 5))
    heading("Data caveats")
    for caveat in CAVEATS:
        para(f"- {caveat}")
    para(f"Disclosure control: {brief.rule}")
    return bytes(pdf.output())

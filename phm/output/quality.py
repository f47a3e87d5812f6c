"""Data quality outputs: the completeness funnel, linkage chart and a practice's feedback report.

The feedback report reuses the business-case brief's machinery (phm.output.brief): the same
self-contained HTML style, escaped tables, data label at the top, and an A4 PDF in core fonts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

import altair as alt
import pandas as pd

from phm.analysis.quality import Feedback, Funnel
from phm.output.brief import _latin, _table_html, data_label

FUNNEL_POINT_FIELDS = ("name", "population", "completeness_pct", "position")
LINKAGE_FIELDS = ("name", "gp_pct", "linked_pct")
POSITION_COLOURS = {
    "lower (99.8%)": "#d5281b",
    "lower (95%)": "#ed8b00",
    "similar": "#768692",
    "higher (95%)": "#41b6e6",
    "higher (99.8%)": "#005eb8",
}


def funnel_chart(funnel: Funnel, title: str) -> alt.LayerChart:
    """Return the practices' completeness against the ICS, with 95% and 99.8% limits."""
    points = funnel.points[list(FUNNEL_POINT_FIELDS)]
    limits = funnel.limits.melt("population", var_name="limit", value_name="pct")
    x = alt.X("population:Q", title="People registered (shown count)")
    lines = (
        alt.Chart(limits)
        .mark_line(strokeDash=[4, 3], color="#425563")
        .encode(x=x, y=alt.Y("pct:Q"), detail="limit:N")
    )
    target = (
        alt.Chart(pd.DataFrame({"pct": [funnel.target_pct]}))
        .mark_rule(color="#005eb8")
        .encode(y="pct:Q")
    )
    dots = (
        alt.Chart(points)
        .mark_circle(size=60, opacity=0.85)
        .encode(
            x=x,
            y=alt.Y("completeness_pct:Q", title=f"{title} (%)", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "position:N",
                title="Against the ICS",
                scale=alt.Scale(
                    domain=list(POSITION_COLOURS), range=list(POSITION_COLOURS.values())
                ),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Practice"),
                alt.Tooltip("population:Q", title="People", format=","),
                alt.Tooltip("completeness_pct:Q", title="Completeness (%)", format=".1f"),
                alt.Tooltip("position:N", title="Against the ICS"),
            ],
        )
    )
    return (lines + target + dots).properties(height=360)


def linkage_chart(table: pd.DataFrame) -> alt.Chart:
    """Return each area's ethnicity completeness from GP records alone and with linked records."""
    frame = table[list(LINKAGE_FIELDS)].rename(
        columns={"gp_pct": "GP records only", "linked_pct": "GP + linked records"}
    )
    long = frame.melt("name", var_name="source", value_name="pct").dropna()
    return (
        alt.Chart(long)
        .mark_point(filled=True, size=50)
        .encode(
            y=alt.Y("name:N", sort=None, title=None),
            x=alt.X("pct:Q", title="Ethnicity recorded (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("source:N", title="Records"),
            tooltip=[
                alt.Tooltip("name:N", title="Area"),
                alt.Tooltip("source:N", title="Records"),
                alt.Tooltip("pct:Q", title="Recorded (%)", format=".1f"),
            ],
        )
        .properties(height=max(200, 14 * len(frame)))
    )


@dataclass(frozen=True)
class FeedbackReport:
    """A practice's feedback with the dataset it came from (for the label and header)."""

    feedback: Feedback
    dataset: str
    kind: str
    as_at: str
    rule: str
    made_on: date = field(default_factory=date.today)

    @property
    def synthetic(self) -> bool:
        """Return True when the figures come from synthetic data."""
        return self.kind == "synthetic"

    @property
    def label(self) -> str:
        """Return the data label shown at the top of the report."""
        return data_label(self.kind)

    @property
    def title(self) -> str:
        """Return the report's title."""
        return f"Recording feedback: {self.feedback.practice_name}"

    def key_figures(self) -> list[tuple[str, str]]:
        """Return the report's headline figures (shown counts)."""
        fb = self.feedback
        return [
            ("Registered patients", fb.population),
            ("Patients with no usable ethnicity record (not known, code 99)", fb.no_ethnicity),
            ("Patients with no first language recorded", fb.no_language),
        ]


ADVICE = (
    "Ask and record ethnicity and first language at registration and at routine contacts; a"
    " patient may choose 'not stated', which is an answer and counts as recorded.",
    "Check records with no ethnicity against linked hospital records before asking again.",
    "Figures are protected counts (rounded; small numbers shown as <8); percentages and"
    " intervals are worked out from the shown counts.",
)


def feedback_html(report: FeedbackReport) -> str:
    """Return the feedback report as one self-contained HTML page."""
    fb = report.feedback
    banner_class = "synthetic" if report.synthetic else "real"
    figures = "".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd>"
        for name, value in report.key_figures()
    )
    advice = "".join(f"<li>{html.escape(a)}</li>" for a in ADVICE)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(report.title)}</title>
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
.meta {{ color: #425563; font-size: .9rem; }}
dt {{ font-weight: bold; margin-top: .4rem; }}
dd {{ margin: 0; font-size: 1.2rem; }}
</style></head><body>
<div class="banner {banner_class}">{html.escape(report.label)}</div>
<h1>{html.escape(report.title)}</h1>
<p class="meta">Practice {html.escape(fb.practice_code)}, {html.escape(fb.pcn_name or "no PCN")}.
Dataset: {html.escape(report.dataset)} ({html.escape(report.kind)}), data as at
{html.escape(report.as_at)}. Report made on {report.made_on:%d %B %Y}.</p>
<h2>Key figures</h2>
<dl>{figures}</dl>
<h2>Completeness against the PCN and the ICS</h2>
<p class="meta">Per cent of registered patients whose record holds each item, with its 95%
interval and the number of patients it is out of.</p>
{_table_html(fb.table)}
<h2>What helps</h2>
<ul>{advice}</ul>
<p class="meta">Disclosure control: {html.escape(report.rule)}</p>
</body></html>
"""


def feedback_pdf(report: FeedbackReport) -> bytes:
    """Return the feedback report as an A4 PDF in core fonts."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fb = report.feedback
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_latin(report.title))
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_fill_color(*((255, 184, 28) if report.synthetic else (232, 237, 238)))
    pdf.multi_cell(
        width, 8, _latin(report.label), fill=True, align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 16)
    pdf.set_text_color(0, 94, 184)
    pdf.multi_cell(width, 8, _latin(report.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(33, 43, 50)

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 7, _latin(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)

    def para(text: str) -> None:
        pdf.multi_cell(width, 5, _latin(text), align="L", new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("Helvetica", "", 9)
    para(
        f"Practice {fb.practice_code}, {fb.pcn_name or 'no PCN'}. Dataset: {report.dataset}"
        f" ({report.kind}), data as at {report.as_at}. Report made on"
        f" {report.made_on:%d %B %Y}."
    )
    heading("Key figures")
    for name, value in report.key_figures():
        pdf.set_font("Helvetica", "", 9)
        para(name)
        pdf.set_font("Helvetica", "B", 12)
        para(value)
    heading("Completeness against the PCN and the ICS")
    para(
        "Per cent of registered patients whose record holds each item, with its 95% interval"
        " and the number of patients it is out of."
    )
    pdf.set_font("Helvetica", "", 8)
    with pdf.table(
        col_widths=(4, 3, 3, 3),
        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 237, 238)),
        line_height=4.5,
        text_align="LEFT",
    ) as table:
        table.row([_latin(str(c)) for c in fb.table.columns])
        for values in fb.table.itertuples(index=False):
            table.row([_latin(str(v)) for v in values])
    heading("What helps")
    for line in ADVICE:
        para(f"- {line}")
    para(f"Disclosure control: {report.rule}")
    return bytes(pdf.output())

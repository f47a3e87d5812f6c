"""Rendering helpers shared by pages: banner, KPI row, uptake tables with disclosure marks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from components import data
from components.charts import columns_only, draw
from phm import disclosure
from phm.analysis.comparators import RULE, Comparator, comparator_for
from phm.analysis.comparison import funnel_for, outliers
from phm.analysis.summaries import protected_uptake, shown_uptake
from phm.output import compare_charts
from phm.text import escape_table

if TYPE_CHECKING:  # frame draws through this module, so only its type is imported here
    from components.frame import Frame

TABLE_LABELS = {
    "vaccinated": "Vaccinated",
    "population": "Population",
    "unvaccinated": "Unvaccinated",
    "uptake_pct": "Uptake",
    "ci_low_pct": "95% CI from",
    "ci_high_pct": "95% CI to",
}


def banner() -> dict[str, str]:
    """Show which dataset, of which kind and at which date, is on screen; return its metadata."""
    meta = data.meta(data.version())
    kind = meta.get("kind", "unknown")
    text = f"**{meta.get('name', 'Dataset')}** · data as at {meta.get('as_at', 'unknown')}"
    if kind == "synthetic":
        st.warning(f"SYNTHETIC DATA: not real people. {text}", icon=":material/science:")
    else:
        st.info(f"{kind.capitalize()}: {text}", icon=":material/database:")
    return meta


def cohort_sentence(description: str) -> None:
    """Show the cohort in plain English above a view."""
    st.markdown(f"**Cohort:** {description}")


SHORT_TABLE_ROWS = 12


def whole_table(frame: pd.DataFrame) -> None:
    """Show a short table whole: it wraps rather than cutting columns off, and grows when
    presenting. st.table reads cells as Markdown, so every text is escaped first."""
    st.table(escape_table(frame), hide_index=True)


def grid(frame: pd.DataFrame, where: Any = None, **options: Any) -> None:
    """Show a frame as a scrolling, sortable grid of its columns only (charts.columns_only).

    A grid sends its index even hidden (the Map's table sent its rows' name order). `options`
    are st.dataframe's (e.g. column_config).
    """
    target = st if where is None else where
    target.dataframe(columns_only(frame), hide_index=True, width="stretch", **options)


def uptake_table(protected: pd.DataFrame, label_column: str, label: str) -> None:
    """Show a protected uptake frame as a table, suppressed cells marked '<8'.

    A short table is shown whole (it wraps, and grows with presentation mode's type; a grid cut
    its last columns off in a half-width column); a long one scrolls and sorts.
    """
    shown = display_table(protected, label_column, label)
    if len(shown) <= SHORT_TABLE_ROWS:
        whole_table(shown)
    else:
        grid(shown)


def display_table(protected: pd.DataFrame, label_column: str, label: str) -> pd.DataFrame:
    """Return the text table of a protected uptake frame, the interval in one column."""
    rule = data.disclosure_rule()
    columns = [
        label_column,
        "uptake_pct",
        "ci_low_pct",
        "ci_high_pct",
        "vaccinated",
        "population",
        "unvaccinated",
    ]
    extra = [c for c in protected.columns if c.endswith("_suppressed")]
    shown = disclosure.to_display(protected[columns + extra], rule)
    interval = [
        "suppressed" if hidden else f"{low:.1f}–{high:.1f}%"
        for hidden, low, high in zip(
            protected["uptake_suppressed"],
            protected["ci_low_pct"],
            protected["ci_high_pct"],
            strict=True,
        )
    ]
    shown = shown.drop(columns=["ci_low_pct", "ci_high_pct"])
    shown.insert(2, "95% CI", interval)
    return shown.rename(columns={**TABLE_LABELS, label_column: label})


# Who a person-level rate's denominator counts, said beside the count: the dataset banner
# counts everyone in the extract, including people who have since left a practice or died.
REGISTERED = (
    "registered and alive",
    "Denominator: the cohort's people registered with a practice and alive on the as-at date."
    " The banner counts everyone in the dataset, including people who have since left or died.",
)

# Published figures: NHS England's vaccinations over the NIMS population they were published with.
IN_NIMS = (
    "in NIMS",
    "Denominator: the National Immunisation Management Service population that NHS England"
    " published with these figures (people registered and alive, by its own count).",
)


def kpi(
    container: st.delta_generator.DeltaGenerator,
    title: str,
    row: pd.Series,
    denominator: tuple[str, str] = REGISTERED,
) -> None:
    """Show one protected uptake figure as a metric with its interval and counts.

    `denominator` is who the population counts, in a few words and in the metric's help.
    """
    rule = data.disclosure_rule()
    words, meaning = denominator
    if row["uptake_suppressed"]:
        container.metric(title, "suppressed", help=meaning)
        return
    container.metric(title, disclosure.format_rate(row["uptake_pct"], False, rule), help=meaning)
    container.caption(
        f"95% CI {row['ci_low_pct']:.1f}–{row['ci_high_pct']:.1f}%  \n"
        f"{_count(row, 'vaccinated', rule)} of {_count(row, 'population', rule)} {words} · "
        f"**{_count(row, 'unvaccinated', rule)}"
        " unvaccinated**"
    )


def _count(row: pd.Series, column: str, rule: disclosure.DisclosureRule) -> str:
    """Format one protected count of a row, with its suppression marks."""
    return disclosure.format_count(row[column], row[f"{column}_suppressed"], rule)


def stop_unless_breakdown_allowed(overall: pd.Series, where: str = "in this cohort") -> None:
    """Stop the page after a note when a group is too small to be broken down (phm.disclosure)."""
    if disclosure.breakdown_allowed(overall, data.disclosure_rule()):
        return
    st.info(
        f"Fewer than {disclosure.MIN_BREAKDOWN_BASE} people {where}: no breakdown, map or list"
        " is shown, so that no one's characteristics can be read from it. Widen the cohort in"
        " the sidebar.",
        icon=":material/shield:",
    )
    suppression_note()
    st.stop()


def breakdown_allowed_here(overall: pd.Series, where: str) -> bool:
    """Return whether a group can be broken down; when not, say why (for a panel, not the page)."""
    if disclosure.breakdown_allowed(overall, data.disclosure_rule()):
        return True
    st.info(
        f"Fewer than {disclosure.MIN_BREAKDOWN_BASE} people {where}: no breakdown is shown, so"
        " that no one's characteristics can be read from it.",
        icon=":material/shield:",
    )
    return False


def comparator(page: Frame) -> tuple[Comparator, pd.Series]:
    """Return the page cohort's comparator (phm.analysis.comparators) and its protected row.

    The row is the comparator's figure for the cohort's dose, measured by the same cached query
    the finder and the business case use, so every page shows the same number for it.
    """
    compared = comparator_for(page.cohort, page.meta)
    raw = data.uptake_by(page.principal, compared.cohort, (), page.version)
    return compared, protected_uptake(raw, page.rule).iloc[0]


def comparator_caption(compared: Comparator, row: pd.Series) -> None:
    """State what the page's figures are compared with, with its interval, and the one rule."""
    pct = shown_uptake(row)
    figure = (
        f"{compared.figure(pct)} (95% CI {row['ci_low_pct']:.1f}–{row['ci_high_pct']:.1f}%)"
        if pct is not None
        else f"{compared.words} (suppressed: small numbers)"
    )
    st.caption(f"**Compared with** {figure}. {RULE}")


def suppression_note() -> None:
    """Show the disclosure rule in force under a view."""
    st.caption(data.disclosure_rule().describe())


def funnel_section(
    table: pd.DataFrame,
    ics_pct: float,
    noun: str,
    level_name: str,
    around: str,
    spread: str = "",
) -> None:
    """Draw the funnel plot of compared localities, its caption and the outliers it finds.

    `around` names the figure the limits are drawn around (e.g. 'the ICS figure').
    """
    curve = funnel_for(table, ics_pct)
    if curve is None:
        st.info(
            f"Every {noun}'s uptake is suppressed (small numbers): no funnel plot to draw."
            " Widen the cohort, or compare larger areas.",
            icon=":material/visibility_off:",
        )
    else:
        draw(
            compare_charts.funnel_plot,
            table,
            curve,
            f"Uptake against population, limits around {around}",
            width="stretch",
        )
        st.caption(
            f"Control limits at 95% (dashed) and 99.8% (solid) around {around}, by the"
            " Fingertips method for proportions (PHEindicatormethods). Points outside the 99.8%"
            " limits are unlikely to differ from it by chance alone."
            + (f" {spread}" if spread else "")
        )
    out = outliers(table)
    st.markdown(f"**Outside the 99.8% limits:** {len(out)} {noun}(s)")
    if not out.empty:
        listed = display_table(out, "label", level_name)
        listed.insert(1, "Funnel plot", list(out["funnel"]))
        grid(listed)

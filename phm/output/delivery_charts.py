"""Altair charts of where people were vaccinated (no Streamlit): they take protected frames only."""

from __future__ import annotations

import altair as alt
import pandas as pd

from phm.output.charts import NHS_BLUE, NHS_DARK_GREY, NHS_WARM_YELLOW

# The fields the share chart draws or shows in its tooltip (and no more).
SHARE_FIELDS = (
    "ci_low_pct",
    "ci_high_pct",
    "share_pct",
    "unvaccinated_pct",
    "group_doses",
    "doses",
)


def _label_axis(shown: pd.DataFrame) -> alt.Y:
    """Return the row axis: one row per label, in the frame's order, every label written."""
    return alt.Y(
        "label:N",
        sort=list(shown["label"]),
        title=None,
        axis=alt.Axis(labelLimit=300, labelOverlap=False),
    )


def share_chart(
    frame: pd.DataFrame, label_column: str, axis_title: str, title: str
) -> alt.LayerChart:
    """Return shares of doses with 95% intervals (dot, whisker) and the unvaccinated's share (tick).

    One row per bar: a unit (comparing units for one group) or a group (one unit's doses).
    Rows whose share is suppressed are left out.
    """
    shown = frame.loc[~frame["share_suppressed"], [label_column, *SHARE_FIELDS]].rename(
        columns={label_column: "label"}
    )
    shown = shown.astype({"group_doses": "float64", "doses": "float64"}).reset_index(drop=True)
    y = _label_axis(shown)
    tooltip = [
        alt.Tooltip("label:N", title=axis_title),
        alt.Tooltip("share_pct:Q", title="Share of doses %", format=".1f"),
        alt.Tooltip("ci_low_pct:Q", title="95% CI from", format=".1f"),
        alt.Tooltip("ci_high_pct:Q", title="95% CI to", format=".1f"),
        alt.Tooltip("group_doses:Q", title="Doses to the group", format=","),
        alt.Tooltip("doses:Q", title="All its doses", format=","),
        alt.Tooltip("unvaccinated_pct:Q", title="Share of the unvaccinated %", format=".1f"),
    ]
    base = alt.Chart(shown)
    whiskers = base.mark_rule(color=NHS_DARK_GREY, strokeWidth=2).encode(
        x=alt.X("ci_low_pct:Q", title="Share of doses % (95% CI)"),
        x2="ci_high_pct:Q",
        y=y,
        tooltip=tooltip,
    )
    dots = base.mark_circle(size=90, opacity=1, color=NHS_BLUE).encode(
        x="share_pct:Q", y=y, tooltip=tooltip
    )
    ticks = base.mark_tick(color=NHS_WARM_YELLOW, thickness=3, size=18).encode(
        x="unvaccinated_pct:Q", y=y, tooltip=tooltip
    )
    height = alt.Step(16) if len(shown) > 40 else alt.Step(26)
    return alt.layer(whiskers, ticks, dots).properties(title=title, height=height)


def doses_chart(frame: pd.DataFrame, axis_title: str, title: str) -> alt.LayerChart:
    """Return each unit's share of the cohort's doses with its 95% interval, largest first."""
    shown = frame.loc[
        ~frame["share_suppressed"],
        ["unit_label", "group_doses", "share_pct", "ci_low_pct", "ci_high_pct"],
    ].astype({"group_doses": "float64"})
    shown = shown.rename(columns={"unit_label": "label", "group_doses": "given"}).reset_index(
        drop=True
    )
    y = _label_axis(shown)
    tooltip = [
        alt.Tooltip("label:N", title=axis_title),
        alt.Tooltip("given:Q", title="Doses", format=","),
        alt.Tooltip("share_pct:Q", title="Share of the cohort's doses %", format=".1f"),
        alt.Tooltip("ci_low_pct:Q", title="95% CI from", format=".1f"),
        alt.Tooltip("ci_high_pct:Q", title="95% CI to", format=".1f"),
    ]
    base = alt.Chart(shown)
    bars = base.mark_bar(color=NHS_BLUE).encode(
        x=alt.X("share_pct:Q", title="Share of the cohort's doses % (95% CI)"), y=y, tooltip=tooltip
    )
    whiskers = base.mark_rule(color=NHS_DARK_GREY, strokeWidth=2).encode(
        x="ci_low_pct:Q", x2="ci_high_pct:Q", y=y, tooltip=tooltip
    )
    height = alt.Step(16) if len(shown) > 40 else alt.Step(26)
    return alt.layer(bars, whiskers).properties(title=title, height=height)

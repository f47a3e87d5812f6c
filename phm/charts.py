"""Pure Altair chart builders (no Streamlit): they take protected frames only."""

from __future__ import annotations

import altair as alt
import pandas as pd

NHS_BLUE = "#005EB8"
NHS_DARK_GREY = "#425563"
NHS_WARM_YELLOW = "#FFB81C"


def uptake_dot_whisker(
    frame: pd.DataFrame, label_column: str, title: str, overall_pct: float | None = None
) -> alt.Chart:
    """Return a dot-and-whisker chart of uptake with 95% intervals, one row per group.

    Rows whose uptake is suppressed are left out (the table beside the chart marks them).
    """
    shown = frame[~frame["uptake_suppressed"]].copy()
    shown["label"] = shown[label_column].astype(str)
    order = list(shown["label"])
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [
        alt.Tooltip("label:N", title="Group"),
        alt.Tooltip("uptake_pct:Q", title="Uptake %", format=".1f"),
        alt.Tooltip("ci_low_pct:Q", title="95% CI from", format=".1f"),
        alt.Tooltip("ci_high_pct:Q", title="95% CI to", format=".1f"),
        alt.Tooltip("vaccinated:Q", title="Vaccinated", format=","),
        alt.Tooltip("population:Q", title="Population", format=","),
        alt.Tooltip("unvaccinated:Q", title="Unvaccinated", format=","),
    ]
    base = alt.Chart(shown)
    x_scale = alt.Scale(domain=[0, 100])
    whiskers = base.mark_rule(color=NHS_DARK_GREY, strokeWidth=2).encode(
        x=alt.X("ci_low_pct:Q", title="Uptake % (95% CI)", scale=x_scale),
        x2="ci_high_pct:Q",
        y=y,
        tooltip=tooltip,
    )
    dots = base.mark_circle(size=90, color=NHS_BLUE, opacity=1).encode(
        x=alt.X("uptake_pct:Q", scale=x_scale), y=y, tooltip=tooltip
    )
    layers = [whiskers, dots]
    if overall_pct is not None and pd.notna(overall_pct):
        rule = (
            alt.Chart(pd.DataFrame({"overall": [overall_pct]}))
            .mark_rule(color=NHS_WARM_YELLOW, strokeDash=[6, 4], strokeWidth=2)
            .encode(
                x="overall:Q",
                tooltip=[alt.Tooltip("overall:Q", title="Whole cohort %", format=".1f")],
            )
        )
        layers.append(rule)
    return alt.layer(*layers).properties(title=title, height=alt.Step(30))

"""The What worked page's chart: weekly first doses before, during and after an intervention."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from phm.output.charts import NHS_BLUE, NHS_DARK_GREY, NHS_WARM_YELLOW


def before_after(frame: pd.DataFrame, start: date, end: date) -> alt.LayerChart:
    """Return weekly first doses per 1,000 of the target group, the intervention's weeks shaded.

    `frame` is phm.interventions.evaluate.weekly_chart_frame output (protected): group, week,
    per_1000. Only those fields go to the browser, with the period's two dates.
    """
    lines = frame[["group", "week", "per_1000"]].copy()
    lines["week"] = pd.to_datetime(lines["week"])
    period = pd.DataFrame({"start": [pd.Timestamp(start)], "end": [pd.Timestamp(end)]})
    shade = (
        alt.Chart(period)
        .mark_rect(color=NHS_WARM_YELLOW, opacity=0.25)
        .encode(
            x=alt.X("start:T"),
            x2="end:T",
            tooltip=[
                alt.Tooltip("start:T", title="Intervention from", format="%d %b %Y"),
                alt.Tooltip("end:T", title="to", format="%d %b %Y"),
            ],
        )
    )
    groups = ["Intervention areas", "Comparison areas"]
    line = (
        alt.Chart(lines)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="Week starting"),
            y=alt.Y("per_1000:Q", title="First doses per 1,000 in the group"),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(domain=groups, range=[NHS_BLUE, NHS_DARK_GREY]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("group:N", title="Areas"),
                alt.Tooltip("week:T", title="Week starting", format="%d %b %Y"),
                alt.Tooltip("per_1000:Q", title="Per 1,000", format=".1f"),
            ],
        )
    )
    return alt.layer(shade, line).properties(height=320)

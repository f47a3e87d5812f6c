"""Altair charts of the Usage page (no Streamlit): protected usage tables in, drawn fields only out."""

from __future__ import annotations

import altair as alt
import pandas as pd

from phm.access.roles import ORG_TYPE_LABELS, OrgType
from phm.output.charts import NHS_BLUE

HEIGHT = 260


def _month_axis() -> alt.X:
    """Return the x encoding of a month column (YYYY-MM)."""
    return alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y"))


def count_by_month(frame: pd.DataFrame, count: str, title: str) -> alt.Chart:
    """Return a line of a protected count by month; suppressed months are gaps, not zeros."""
    shown = frame.loc[:, ["month", count]].reset_index(drop=True)
    shown[count] = shown[count].astype("float64")
    return (
        alt.Chart(shown, title=title, height=HEIGHT)
        .mark_line(point=True, color=NHS_BLUE)
        .encode(
            x=_month_axis(),
            y=alt.Y(f"{count}:Q", title=title),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip(f"{count}:Q", title=title),
            ],
        )
    )


def users_by_org_type(frame: pd.DataFrame) -> alt.Chart:
    """Return one line per organisation type of users by month."""
    shown = frame.loc[:, ["month", "org_type", "users"]].reset_index(drop=True)
    shown["organisation"] = [
        ORG_TYPE_LABELS.get(OrgType(t), t) if t in set(OrgType) else str(t)
        for t in shown.pop("org_type")
    ]
    shown["users"] = shown["users"].astype("float64")
    return (
        alt.Chart(shown, title="Users by month and type of organisation", height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=_month_axis(),
            y=alt.Y("users:Q", title="Users"),
            color=alt.Color("organisation:N", title="Organisation"),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip("organisation:N", title="Organisation"),
                alt.Tooltip("users:Q", title="Users"),
            ],
        )
    )


def share_using(frame: pd.DataFrame) -> alt.Chart:
    """Return the share of people with access who used the app each month, with its 95% CI."""
    columns = ["month", "share_pct", "share_ci_low_pct", "share_ci_high_pct"]
    shown = frame.loc[~frame["share_suppressed"].astype(bool), columns].reset_index(drop=True)
    base = alt.Chart(shown, title="Share of people with access who used it", height=HEIGHT)
    band = base.mark_area(opacity=0.2, color=NHS_BLUE).encode(
        x=_month_axis(),
        y=alt.Y("share_ci_low_pct:Q", title="% of people with access"),
        y2="share_ci_high_pct:Q",
    )
    line = base.mark_line(point=True, color=NHS_BLUE).encode(
        x=_month_axis(),
        y="share_pct:Q",
        tooltip=[
            alt.Tooltip("month:T", title="Month", format="%B %Y"),
            alt.Tooltip("share_pct:Q", title="Used it (%)", format=".1f"),
            alt.Tooltip("share_ci_low_pct:Q", title="95% CI from", format=".1f"),
            alt.Tooltip("share_ci_high_pct:Q", title="95% CI to", format=".1f"),
        ],
    )
    return band + line


def count_bars(frame: pd.DataFrame, category: str, count: str, title: str) -> alt.Chart:
    """Return horizontal bars of a protected count by a category, largest first."""
    shown = frame.loc[frame[count].notna(), [category, count]].reset_index(drop=True)
    shown[count] = shown[count].astype("float64")
    return (
        alt.Chart(shown, title=title)
        .mark_bar(color=NHS_BLUE)
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None),
            x=alt.X(f"{count}:Q", title=count.replace("_", " ").capitalize()),
            tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{count}:Q")],
        )
    )

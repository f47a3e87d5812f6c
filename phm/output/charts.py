"""Pure Altair chart builders (no Streamlit): they take protected frames only."""

from __future__ import annotations

import altair as alt
import pandas as pd

from phm.disclosure import RATE_COLUMNS

NHS_BLUE = "#005EB8"
NHS_DARK_GREY = "#425563"
NHS_WARM_YELLOW = "#FFB81C"
STATUS_COLOURS = {"suppressed": "#AEB7BD", "no residents": "#FFFFFF"}
STATUS_LABELS = {"suppressed": "Suppressed (small numbers)", "no residents": "No residents"}
DRAWN_COUNTS = ("vaccinated", "population", "unvaccinated")  # the counts the tooltips show


def uptake_dot_whisker(
    frame: pd.DataFrame, label_column: str, title: str, overall_pct: float | None = None
) -> alt.Chart:
    """Return a dot-and-whisker chart of uptake with 95% intervals, one row per group.

    Rows whose uptake is suppressed keep their place on the axis, marked by a grey square
    labelled 'suppressed' with its own legend entry, so they do not look like missing rows.
    """
    everything = frame.copy()
    everything["label"] = everything[label_column].astype(str)
    order = list(everything["label"])
    suppressed = everything["uptake_suppressed"].astype(bool)
    # Only what is drawn or in a tooltip goes to the browser (no index either: Streamlit would
    # send it as a column); suppressed rows only their label.
    shown = everything.loc[~suppressed, ["label", *RATE_COLUMNS, *DRAWN_COUNTS]]
    shown = shown.reset_index(drop=True)
    hidden = everything.loc[suppressed, ["label"]].reset_index(drop=True)
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
    if not hidden.empty:
        marks = alt.Chart(hidden.assign(x=0, status=STATUS_LABELS["suppressed"]))
        encoding = {
            "x": alt.X("x:Q", scale=x_scale),
            "y": y,
            "tooltip": [
                alt.Tooltip("label:N", title="Group"),
                alt.Tooltip("status:N", title="Uptake"),
            ],
        }
        layers.append(
            marks.mark_square(size=80).encode(
                color=alt.Color(
                    "status:N",
                    title=None,
                    scale=alt.Scale(range=[STATUS_COLOURS["suppressed"]]),
                    legend=alt.Legend(orient="bottom"),
                ),
                **encoding,
            )
        )
        layers.append(
            marks.mark_text(align="left", dx=8, color=NHS_DARK_GREY, text="suppressed").encode(
                **encoding
            )
        )
    if overall_pct is not None and pd.notna(overall_pct):
        rule = (
            alt.Chart(pd.DataFrame({"comparator": [overall_pct]}))
            .mark_rule(color=NHS_WARM_YELLOW, strokeDash=[6, 4], strokeWidth=2)
            .encode(
                x="comparator:Q",
                tooltip=[alt.Tooltip("comparator:Q", title="Comparator %", format=".1f")],
            )
        )
        layers.append(rule)
    return alt.layer(*layers).properties(title=title, height=alt.Step(30))


HEATMAP_MIN_HEIGHT = 220  # pixels: the colour legend's height beside the rows


def heatmap_row_step(n_rows: int) -> int:
    """Return the pixel height of one heatmap row: 26, or taller so a few rows fill 220 px."""
    return max(26, -(-HEATMAP_MIN_HEIGHT // max(n_rows, 1)))


def uptake_heatmap(
    frame: pd.DataFrame, rows: str, columns: str, row_title: str, column_title: str, title: str
) -> alt.LayerChart:
    """Return a heatmap of uptake for a two-way breakdown built by phm.analysis.explore.heatmap_frame.

    Shown cells are coloured by uptake; suppressed cells are grey and marked '<8'; empty
    combinations (no residents) are white and marked '–', each with its own legend entry.
    """
    data = frame.reset_index(drop=True)
    data["status_label"] = data["status"].map(STATUS_LABELS)
    values = data["uptake_pct"].dropna()
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 100.0)
    if high - low < 1:
        low, high = max(low - 5, 0.0), min(high + 5, 100.0)
    data["dark"] = data["uptake_pct"] > (low + high) / 2
    x = alt.X(f"{columns}:N", title=column_title, sort=None, axis=alt.Axis(labelAngle=-40))
    y = alt.Y(f"{rows}:N", title=row_title, sort=None, axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip(f"{rows}:N", title=row_title),
        alt.Tooltip(f"{columns}:N", title=column_title),
        alt.Tooltip("Uptake:N"),
        alt.Tooltip("95% CI:N"),
        alt.Tooltip("Vaccinated:N"),
        alt.Tooltip("Population:N"),
        alt.Tooltip("Unvaccinated:N"),
    ]
    base = alt.Chart(data)
    shown = (
        base.transform_filter(alt.datum.status == "shown")
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "uptake_pct:Q",
                title="Uptake %",
                scale=alt.Scale(scheme="blues", domain=[0, 100]),
            ),
            tooltip=tooltip,
        )
    )
    other = (
        base.transform_filter(alt.datum.status != "shown")
        .mark_rect(stroke="#768692", strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            fill=alt.Fill(
                "status_label:N",
                title="Not shown",
                legend=alt.Legend(labelLimit=260),
                scale=alt.Scale(
                    domain=list(STATUS_LABELS.values()),
                    range=[STATUS_COLOURS[s] for s in STATUS_LABELS],
                ),
            ),
            tooltip=tooltip,
        )
    )
    text = base.mark_text(fontSize=11).encode(
        x=x,
        y=y,
        text="cell_text:N",
        color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("#212B32")),
        tooltip=tooltip,
    )
    return (
        alt.layer(shown, other, text)
        .resolve_scale(color="independent")
        # Rows are sized by step, never by a fixed height (a fixed height on this layered,
        # independently scaled chart collapsed it to a strip); a few rows are drawn taller
        # so that the colour legend fits beside them.
        .properties(title=title, height=alt.Step(heatmap_row_step(data[rows].nunique())))
    )

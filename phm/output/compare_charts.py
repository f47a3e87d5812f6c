"""Altair charts for Compare and Trends (no Streamlit): they take protected frames only."""

from __future__ import annotations

import altair as alt
import pandas as pd

from phm.disclosure import RATE_COLUMNS
from phm.gap_words import gap_words
from phm.output.charts import NHS_BLUE, NHS_DARK_GREY, NHS_WARM_YELLOW

# Neutral colours for "higher / similar / lower" (uptake has no good or bad direction here).
COMPARE_COLOURS = {"higher": "#005EB8", "similar": "#AEB7BD", "lower": "#ED8B00"}
FUNNEL_COLOURS = {
    "higher (99.8%)": "#003087",
    "higher (95%)": "#41B6E6",
    "similar": "#AEB7BD",
    "lower (95%)": "#FFB81C",
    "lower (99.8%)": "#ED8B00",
}
SIGNAL_COLOURS = {"high": "#005EB8", "low": "#ED8B00", "": "#768692"}
# A locality's fields the ranked and funnel charts draw or show in the tooltip (and no more).
LOCALITY_FIELDS = (
    "label",
    *RATE_COLUMNS,
    "vaccinated",
    "population",
    "unvaccinated",
    "compared",
    "funnel",
)


def _tooltip() -> list[alt.Tooltip]:
    """Return the tooltip of one locality's uptake."""
    return [
        alt.Tooltip("label:N", title="Locality"),
        alt.Tooltip("uptake_pct:Q", title="Uptake %", format=".1f"),
        alt.Tooltip("ci_low_pct:Q", title="95% CI from", format=".1f"),
        alt.Tooltip("ci_high_pct:Q", title="95% CI to", format=".1f"),
        alt.Tooltip("vaccinated:Q", title="Vaccinated", format=","),
        alt.Tooltip("population:Q", title="Population", format=","),
        alt.Tooltip("unvaccinated:Q", title="Unvaccinated", format=","),
        alt.Tooltip("compared:N", title="Compared with comparator"),
        alt.Tooltip("funnel:N", title="Funnel plot"),
    ]


def ranked_dot_whisker(table: pd.DataFrame, ics_pct: float | None, title: str) -> alt.LayerChart:
    """Return localities ranked by uptake with 95% CIs, coloured higher/similar/lower than the comparator."""
    shown = table.loc[~table["uptake_suppressed"], list(LOCALITY_FIELDS)].reset_index(drop=True)
    # Every locality keeps its label: Vega drops overlapping labels unless told not to, and
    # the height grows by a step per row so that they do not overlap.
    y = alt.Y(
        "label:N",
        sort=list(shown["label"]),
        title=None,
        axis=alt.Axis(labelLimit=240, labelOverlap=False),
    )
    colour = alt.Color(
        "compared:N",
        title="Against the comparator (95% CI)",
        scale=alt.Scale(domain=list(COMPARE_COLOURS), range=list(COMPARE_COLOURS.values())),
        legend=alt.Legend(orient="top", titleLimit=400),
    )
    base = alt.Chart(shown)
    whiskers = base.mark_rule(color=NHS_DARK_GREY, strokeWidth=2).encode(
        x=alt.X("ci_low_pct:Q", title="Uptake % (95% CI)", scale=alt.Scale(zero=False)),
        x2="ci_high_pct:Q",
        y=y,
        tooltip=_tooltip(),
    )
    dots = base.mark_circle(size=80, opacity=1).encode(
        x="uptake_pct:Q", y=y, color=colour, tooltip=_tooltip()
    )
    layers = [whiskers, dots]
    if ics_pct is not None:
        layers.append(_ics_rule(ics_pct, "x"))
    height = alt.Step(16) if len(shown) > 40 else alt.Step(24)
    return alt.layer(*layers).properties(title=title, height=height)


def _ics_rule(ics_pct: float, channel: str) -> alt.Chart:
    """Return a dashed rule at the comparator's figure along the x or y channel."""
    frame = pd.DataFrame({"ics": [ics_pct]})
    encoding = {
        channel: alt.X("ics:Q") if channel == "x" else alt.Y("ics:Q"),
        "tooltip": [alt.Tooltip("ics:Q", title="Comparator %", format=".1f")],
    }
    return (
        alt.Chart(frame)
        .mark_rule(color=NHS_WARM_YELLOW, strokeDash=[6, 4], strokeWidth=2)
        .encode(**encoding)
    )


def funnel_plot(table: pd.DataFrame, curve: pd.DataFrame, title: str) -> alt.LayerChart:
    """Return uptake against population with 95% and 99.8% limits around the comparator's figure."""
    shown = table.loc[~table["uptake_suppressed"], list(LOCALITY_FIELDS)].reset_index(drop=True)
    # The axes span the localities drawn (not a log axis padded out to round powers of ten,
    # which squeezes the points into the middle); limits beyond the points are clipped.
    populations = curve["population"].astype(float)
    x = alt.X(
        "population:Q",
        title="Population (denominator, log scale)",
        scale=alt.Scale(type="log", domain=[populations.min(), populations.max()], nice=False),
    )
    rates = pd.concat([shown["uptake_pct"].astype(float), curve["ics"].astype(float)])
    pad = max(2.0, 0.15 * float(rates.max() - rates.min()))
    y_scale = alt.Scale(
        domain=[max(0.0, float(rates.min()) - pad), min(100.0, float(rates.max()) + pad)],
        nice=False,
    )
    lines = []
    for column, dash, name in (
        ("low95", [4, 3], "95% limits"),
        ("high95", [4, 3], "95% limits"),
        ("low998", [], "99.8% limits"),
        ("high998", [], "99.8% limits"),
    ):
        lines.append(
            alt.Chart(curve)
            .mark_line(color=NHS_DARK_GREY, strokeDash=dash, strokeWidth=1.5, clip=True)
            .encode(
                x=x,
                y=alt.Y(f"{column}:Q", title="Uptake %", scale=y_scale),
                tooltip=[
                    alt.Tooltip("population:Q", title="Population", format=","),
                    alt.Tooltip(f"{column}:Q", title=name, format=".1f"),
                ],
            )
        )
    centre = alt.Chart(curve).mark_line(color=NHS_WARM_YELLOW, strokeWidth=2).encode(x=x, y="ics:Q")
    points = (
        alt.Chart(shown)
        .mark_circle(size=70, opacity=0.9, stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            y="uptake_pct:Q",
            color=alt.Color(
                "funnel:N",
                title="Against the comparator funnel",
                scale=alt.Scale(domain=list(FUNNEL_COLOURS), range=list(FUNNEL_COLOURS.values())),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=_tooltip(),
        )
    )
    return alt.layer(*lines, centre, points).properties(title=title, height=420)


def deprivation_lines(protected: pd.DataFrame, deprivation: str, group: str | None) -> alt.Chart:
    """Return uptake by IMD group (1 = most deprived) with 95% CIs, one line per locality."""
    shown = protected[~protected["uptake_suppressed"]].copy()
    shown["locality"] = shown[f"{group}_label"] if group else "ICS"
    shown = shown[["locality", deprivation, *RATE_COLUMNS, "population"]].reset_index(drop=True)
    x = alt.X(
        f"{deprivation}:O", title=f"{deprivation.replace('_', ' ').upper()} (1 = most deprived)"
    )
    colour = alt.Color("locality:N", title=None, legend=alt.Legend(orient="top", columns=4))
    tooltip = [
        alt.Tooltip("locality:N", title="Locality"),
        alt.Tooltip(f"{deprivation}:O", title="IMD group"),
        alt.Tooltip("uptake_pct:Q", title="Uptake %", format=".1f"),
        alt.Tooltip("ci_low_pct:Q", title="95% CI from", format=".1f"),
        alt.Tooltip("ci_high_pct:Q", title="95% CI to", format=".1f"),
        alt.Tooltip("population:Q", title="Population", format=","),
    ]
    base = alt.Chart(shown)
    band = base.mark_errorbar(thickness=1.5).encode(
        x=x, y=alt.Y("ci_low_pct:Q", title="Uptake % (95% CI)", scale=alt.Scale(zero=False)),
        y2="ci_high_pct:Q", color=colour, tooltip=tooltip,
    )  # fmt: skip
    line = base.mark_line(point=True).encode(x=x, y="uptake_pct:Q", color=colour, tooltip=tooltip)
    return alt.layer(band, line).properties(height=320)


def gap_bars(gaps: pd.DataFrame, title: str) -> alt.LayerChart:
    """Return gaps against a reference group (points, 95% CI) as dots and whiskers around zero."""
    shown = gaps.dropna(subset=["gap_pts"]).copy()
    shown["label"] = shown["label"].astype(str)
    # The tooltip says the gap in words, the way every page does (the axis is signed).
    shown["gap"] = [
        gap_words(g, low, high)
        for g, low, high in zip(
            shown["gap_pts"], shown["gap_low_pts"], shown["gap_high_pts"], strict=True
        )
    ]
    shown = shown[["label", "uptake_pct", "gap_pts", "gap_low_pts", "gap_high_pts", "gap"]]
    shown = shown.reset_index(drop=True)
    y = alt.Y("label:N", sort=list(shown.sort_values("gap_pts")["label"]), title=None,
              axis=alt.Axis(labelLimit=240))  # fmt: skip
    tooltip = [
        alt.Tooltip("label:N", title="Group"),
        alt.Tooltip("uptake_pct:Q", title="Uptake %", format=".1f"),
        alt.Tooltip("gap:N", title="Gap"),
    ]
    base = alt.Chart(shown)
    whiskers = base.mark_rule(color=NHS_DARK_GREY, strokeWidth=2).encode(
        x=alt.X("gap_low_pts:Q", title="Difference in uptake, percentage points (95% CI)"),
        x2="gap_high_pts:Q", y=y, tooltip=tooltip,
    )  # fmt: skip
    dots = base.mark_circle(size=80, color=NHS_BLUE, opacity=1).encode(
        x="gap_pts:Q", y=y, tooltip=tooltip
    )
    zero = (
        alt.Chart(pd.DataFrame({"zero": [0]}))
        .mark_rule(color=NHS_WARM_YELLOW, strokeWidth=2)
        .encode(x="zero:Q")
    )
    return alt.layer(whiskers, dots, zero).properties(title=title, height=alt.Step(22))


def _milestone_layers(milestones: pd.DataFrame) -> list[alt.Chart]:
    """Return vertical rules and numbered labels for programme milestones."""
    if milestones.empty:
        return []
    # Numbered as in the full list (a chart that starts later keeps the caption's numbers), and
    # each line labelled along its length with a short name ("1. Rollout"), read upwards from
    # the top; the full label is in the tooltip and the caption.
    shorts = milestones["short"] if "short" in milestones else milestones["label"]
    frame = pd.DataFrame(
        {
            "day": milestones["day"].to_numpy(),
            "text": [
                f"{i + 1}. {short or label}"
                for i, short, label in zip(
                    milestones.index, shorts, milestones["label"], strict=True
                )
            ],
            "label": milestones["label"].to_numpy(),
        }
    )
    tooltip = [
        alt.Tooltip("day:T", title="Date", format="%d %b %Y"),
        alt.Tooltip("label:N", title="Milestone"),
    ]
    rules = (
        alt.Chart(frame)
        .mark_rule(color=NHS_DARK_GREY, strokeDash=[2, 3])
        .encode(x="day:T", tooltip=tooltip)
    )
    text = (
        alt.Chart(frame)
        .mark_text(
            align="right",
            baseline="bottom",
            angle=270,
            dx=-4,
            dy=-2,
            fontSize=10,
            color=NHS_DARK_GREY,
        )
        .encode(x="day:T", y=alt.value(0), text="text:N", tooltip=tooltip)
    )
    return [rules, text]


def cumulative_lines(
    cumulative: pd.DataFrame, label_column: str | None, milestones: pd.DataFrame, title: str
) -> alt.LayerChart:
    """Return cumulative uptake by week, one line per group, with milestones marked."""
    shown = cumulative.copy()
    shown["group"] = shown[label_column].astype(str) if label_column else "Whole cohort"
    shown.loc[shown["uptake_suppressed"], "uptake_pct"] = None
    shown = shown[["group", "week", *RATE_COLUMNS, "vaccinated", "population"]]
    shown = shown.reset_index(drop=True)
    tooltip = [
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("week:T", title="Week beginning", format="%d %b %Y"),
        alt.Tooltip("uptake_pct:Q", title="Uptake %", format=".1f"),
        alt.Tooltip("ci_low_pct:Q", title="95% CI from", format=".1f"),
        alt.Tooltip("ci_high_pct:Q", title="95% CI to", format=".1f"),
        alt.Tooltip("vaccinated:Q", title="Vaccinated so far", format=","),
        alt.Tooltip("population:Q", title="Population", format=","),
    ]
    x = alt.X("week:T", title="Week beginning", axis=alt.Axis(format="%b %Y"))
    colour = alt.Color("group:N", title=None, legend=alt.Legend(orient="top", columns=4))
    lines = (
        alt.Chart(shown)
        .mark_line()
        .encode(
            x=x, y=alt.Y("uptake_pct:Q", title="Cumulative uptake %"), color=colour, tooltip=tooltip
        )
    )
    points = (
        alt.Chart(shown)
        .mark_point(size=12, opacity=0)
        .encode(x=x, y="uptake_pct:Q", tooltip=tooltip)
    )
    return alt.layer(lines, points, *_milestone_layers(milestones)).properties(
        title=title, height=380
    )


def weekly_bars(weekly: pd.DataFrame, milestones: pd.DataFrame, title: str) -> alt.LayerChart:
    """Return doses given each week; suppressed weeks show as a grey tick marked '<8'."""
    shown = weekly.copy()
    shown["shown"] = shown["vaccinated"].astype("Float64").fillna(0).astype(float)
    shown["state"] = ["suppressed (<8)" if s else "shown" for s in shown["vaccinated_suppressed"]]
    shown = shown[["week", "shown", "vaccinated", "state"]].reset_index(drop=True)
    tooltip = [
        alt.Tooltip("week:T", title="Week beginning", format="%d %b %Y"),
        alt.Tooltip("vaccinated:Q", title="Doses given", format=","),
        alt.Tooltip("state:N", title="Count"),
    ]
    bars = (
        alt.Chart(shown)
        .mark_bar(color=NHS_BLUE)
        .encode(
            x=alt.X("week:T", title="Week beginning", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("shown:Q", title="Doses given in the week"),
            tooltip=tooltip,
        )
    )
    return alt.layer(bars, *_milestone_layers(milestones)).properties(title=title, height=260)


def gap_over_time_chart(gaps: pd.DataFrame, milestones: pd.DataFrame, title: str) -> alt.LayerChart:
    """Return a gap (points) over time with its 95% CI band and a zero line."""
    gaps = gaps[["week", "gap_pts", "gap_low_pts", "gap_high_pts"]].reset_index(drop=True)
    tooltip = [
        alt.Tooltip("week:T", title="Week beginning", format="%d %b %Y"),
        alt.Tooltip("gap:N", title="Gap"),
    ]
    x = alt.X("week:T", title="Week beginning", axis=alt.Axis(format="%b %Y"))
    band = (
        alt.Chart(gaps)
        .mark_area(opacity=0.25, color=NHS_BLUE)
        .encode(
            x=x,
            y=alt.Y("gap_low_pts:Q", title="Difference, percentage points"),
            y2="gap_high_pts:Q",
        )
    )
    line = (
        alt.Chart(gaps)
        .mark_line(color=NHS_BLUE, point=True)
        .encode(x=x, y="gap_pts:Q", tooltip=tooltip)
    )
    zero = (
        alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color=NHS_WARM_YELLOW).encode(y="zero:Q")
    )
    return alt.layer(band, line, zero, *_milestone_layers(milestones)).properties(
        title=title, height=300
    )


def spc_chart(spc: pd.DataFrame, title: str) -> alt.LayerChart:
    """Return an XmR chart: weekly values, mean, process limits, special-cause points coloured."""
    frame = spc.copy()
    frame["signal_label"] = frame["signal"].map(
        {"high": "special cause: high", "low": "special cause: low", "": "common cause"}
    )
    frame = frame[["week", "value", "mean", "lower", "upper", "signal_label"]]
    frame = frame.reset_index(drop=True)
    x = alt.X("week:T", title="Week beginning", axis=alt.Axis(format="%b %Y"))
    tooltip = [
        alt.Tooltip("week:T", title="Week beginning", format="%d %b %Y"),
        alt.Tooltip("value:Q", title="Doses given", format=","),
        alt.Tooltip("signal_label:N", title="Variation"),
    ]
    line = (
        alt.Chart(frame)
        .mark_line(color="#768692")
        .encode(x=x, y=alt.Y("value:Q", title="Doses given in the week"))
    )
    points = alt.Chart(frame).mark_circle(size=45, opacity=1).encode(
        x=x, y="value:Q", tooltip=tooltip,
        color=alt.Color(
            "signal_label:N", title=None,
            scale=alt.Scale(
                domain=["special cause: high", "common cause", "special cause: low"],
                range=[SIGNAL_COLOURS["high"], SIGNAL_COLOURS[""], SIGNAL_COLOURS["low"]],
            ),
            legend=alt.Legend(orient="top"),
        ),
    )  # fmt: skip
    limits = []
    for column, dash in (("mean", []), ("lower", [5, 4]), ("upper", [5, 4])):
        limits.append(
            alt.Chart(frame)
            .mark_line(color="#003087", strokeDash=dash, strokeWidth=1.2)
            .encode(x=x, y=f"{column}:Q")
        )
    return alt.layer(line, *limits, points).properties(title=title, height=300)

"""Uptake over time: cumulative uptake by week, gaps over time, SPC (Making Data Count) and milestones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from phm import codes
from phm.analysis.summaries import protected_uptake
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.gap_words import gap_words
from phm.stats import difference_interval


@dataclass(frozen=True)
class Milestone:
    """One dated event of the COVID-19 programme in England (docs/product.md, timeline)."""

    day: date
    label: str
    short: str = ""  # on the chart, beside its line (the label is in the caption and tooltip)


MILESTONES: tuple[Milestone, ...] = (
    Milestone(date(2020, 12, 8), "Rollout begins", "Rollout"),
    Milestone(date(2020, 12, 17), "SAGE: ethnic inequalities in vaccine uptake", "SAGE warning"),
    Milestone(date(2020, 12, 30), "JCVI priority order (cohorts 1-9)", "JCVI order"),
    Milestone(
        date(2021, 1, 13), "Delivery plan: centres, hubs, GP sites, pharmacies", "Delivery plan"
    ),
    Milestone(
        date(2021, 2, 15), "Offer deadline for cohorts 1-4; 65+ and at-risk next", "Cohorts 1-4"
    ),
    Milestone(date(2021, 4, 13), "Phase 2: 40-49, then 30-39", "Phase 2"),
    Milestone(date(2021, 6, 1), "June 2021: 18+ (cohort 12)", "18+"),
    Milestone(date(2021, 9, 16), "Boosters begin", "Boosters"),
)


ELIGIBLE_FROM = codes.JCVI_FIRST_OFFERED
# The youngest age of each age-defined cohort (12: 18 and over), and the teenagers after it.
COHORT_MIN_AGE = ((80, 2), (75, 3), (70, 4), (65, 5), (60, 7), (55, 8), (50, 9), (40, 10), (30, 11))
TEENS_FROM = ((16, codes.AGE_16_17_FIRST_OFFERED), (12, codes.AGE_12_15_FIRST_OFFERED))
BOOSTERS_FROM = date(2021, 9, 16)


def _eligible_at_age(age: int) -> date:
    """Return the day people of this age were first offered a first dose by age alone."""
    for lowest, cohort in COHORT_MIN_AGE:
        if age >= lowest:
            return ELIGIBLE_FROM[cohort]
    if age >= 18:
        return ELIGIBLE_FROM[12]
    for lowest, day in TEENS_FROM:
        if age >= lowest:
            return day
    return TEENS_FROM[-1][1]


def eligible_from(cohort: Cohort) -> tuple[date, str]:
    """Return the day the whole cohort had been offered its dose, and why, in words.

    By its JCVI cohorts when it names them, else by its youngest age (age from, or the lowest
    age band); boosters from 16 September 2021. Everyone: the programme's first day.
    """
    if cohort.dose == "3":
        return BOOSTERS_FROM, "when boosters began"
    if cohort.jcvi_cohorts:
        # Cohort 0 is everyone under 18 outside the priority cohorts: the last to be offered.
        day = max(ELIGIBLE_FROM.get(int(c), TEENS_FROM[-1][1]) for c in cohort.jcvi_cohorts)
        return day, "when its JCVI cohorts were offered a first dose"
    youngest = None
    if cohort.age_bands:
        youngest = min(_band_low(band) for band in cohort.age_bands)
    if cohort.age_min is not None:
        youngest = max(youngest or 0, cohort.age_min)
    if youngest is None:
        return MILESTONES[0].day, "when vaccination began"
    return _eligible_at_age(youngest), f"when people aged {youngest} were offered a first dose"


def _band_low(band: str) -> int:
    """Return the lowest age of an age band label ('Under 18' is 0, '80+' is 80)."""
    if band.lower().startswith("under"):
        return 0
    return int(band.split("-")[0].rstrip("+"))


def milestones_frame(start: date, end: date) -> pd.DataFrame:
    """Return the milestones between two dates as a frame (day, label)."""
    rows = [(pd.Timestamp(m.day), m.label, m.short) for m in MILESTONES if start <= m.day <= end]
    return pd.DataFrame(rows, columns=["day", "label", "short"])


def cumulative_uptake(
    weekly: pd.DataFrame, rule: DisclosureRule, group: str | None = None
) -> pd.DataFrame:
    """Return protected cumulative uptake at the end of each week, per group.

    `weekly` is phm.queries.trends.weekly_doses output; each week's row counts the doses
    up to and including that week over the group's population. Each week's cumulative count
    is one protected fact (its people's record keys summed, as in every other table), so the
    last week equals the figure every other page shows for the same cohort and date.
    """
    keys = [group] if group else []
    frame = weekly.sort_values([*keys, "week"]).copy()
    for column in ("vaccinated", "vaccinated_key"):
        if keys:
            frame[column] = frame.groupby(group, sort=False)[column].cumsum()
        else:
            frame[column] = frame[column].cumsum()
    return protected_uptake(frame.reset_index(drop=True), rule)


def weekly_new(cumulative: pd.DataFrame) -> pd.DataFrame:
    """Return doses given each week, derived from protected cumulative counts (never protected again).

    A week's doses are the shown cumulative count minus the week before's; the protection
    can round one week up and the next down, so a difference below 0 is shown as 0.
    `cumulative` is one group's cumulative_uptake output. Columns: week, vaccinated,
    vaccinated_suppressed.
    """
    shown = cumulative.sort_values("week")
    counts = shown["vaccinated"].astype("Float64")
    new = (counts - counts.shift(1, fill_value=0)).clip(lower=0)
    hidden = shown["vaccinated_suppressed"] | shown["vaccinated_suppressed"].shift(
        1, fill_value=False
    )
    return pd.DataFrame(
        {
            "week": shown["week"].to_numpy(),
            "vaccinated": pd.array(new.mask(hidden).to_numpy(), dtype="Int64"),
            "vaccinated_suppressed": hidden.to_numpy(),
        }
    )


def largest_groups(cumulative: pd.DataFrame, group: str, n: int) -> list:
    """Return the n groups with the largest shown populations (ties by name, never by exact counts)."""
    rows = cumulative.drop_duplicates(group)
    population = rows["population"].astype("Float64").fillna(0)
    order = rows.assign(_shown=population.to_numpy()).sort_values(
        ["_shown", f"{group}_label"], ascending=[False, True], kind="stable"
    )
    return list(order[group][:n])


def gap_over_time(
    cumulative: pd.DataFrame, group: str, first: object, second: object
) -> pd.DataFrame:
    """Return, per week, uptake of `first` minus `second` in percentage points with Newcombe's 95% CI.

    Works on a protected cumulative frame: weeks where either group is suppressed are NaN.
    """
    a = cumulative[cumulative[group] == first].set_index("week")
    b = cumulative[cumulative[group] == second].set_index("week")
    weeks = a.index.intersection(b.index)
    rows = []
    for week in weeks:
        ra, rb = a.loc[week], b.loc[week]
        if (
            ra["uptake_suppressed"]
            or rb["uptake_suppressed"]
            or not ra["population"]
            or not rb["population"]
        ):
            rows.append((week, np.nan, np.nan, np.nan))
            continue
        d, low, high = difference_interval(
            int(ra["vaccinated"]),
            int(ra["population"]),
            int(rb["vaccinated"]),
            int(rb["population"]),
        )
        rows.append((week, 100 * d, 100 * low, 100 * high))
    return pd.DataFrame(rows, columns=["week", "gap_pts", "gap_low_pts", "gap_high_pts"])


def describe_gap_change(
    gaps: pd.DataFrame, first_label: str, second_label: str, since: date
) -> str:
    """Return one sentence saying whether the gap narrowed or widened since a date."""
    shown = gaps.dropna(subset=["gap_pts"])
    shown = shown[shown["week"] >= pd.Timestamp(since)]
    if len(shown) < 2:
        return "Too few weeks with unsuppressed figures to say whether the gap is changing."
    start, end = shown.iloc[0], shown.iloc[-1]
    overlap = not (
        start["gap_high_pts"] < end["gap_low_pts"] or end["gap_high_pts"] < start["gap_low_pts"]
    )
    if start["gap_pts"] * end["gap_pts"] < 0:
        trend = "reversed"
    else:
        trend = "narrowed" if abs(end["gap_pts"]) < abs(start["gap_pts"]) else "widened"
    certainty = " (the two intervals overlap, so the change may be chance)" if overlap else ""
    return (
        f"Uptake in {first_label} against {second_label}: {gap_words(start['gap_pts'])} in the"
        f" week of {start['week']:%d %b %Y}, and"
        f" {gap_words(end['gap_pts'], end['gap_low_pts'], end['gap_high_pts'])} in the week of"
        f" {end['week']:%d %b %Y}: the gap has {trend}{certainty}."
    )


# --- SPC: XmR chart with NHS "Making Data Count" rules (as NHSRplotthedots) ---

XMR_LIMIT = 2.66  # 3 / d2 with d2 = 1.128, as Making Data Count rounds it
MR_SCREEN = 3.267  # moving ranges above this x their mean are screened out (NHSRplotthedots)


def xmr_limits(values: np.ndarray, screen_outliers: bool = True) -> tuple[float, float, float]:
    """Return (mean, lower, upper) process limits of an XmR chart of values (NaN ignored)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) < 2:
        raise ValueError("an XmR chart needs at least two values")
    mean = float(v.mean())
    ranges = np.abs(np.diff(v))
    mr = ranges.mean()
    if screen_outliers:
        mr = ranges[ranges <= MR_SCREEN * mr].mean()
    return mean, mean - XMR_LIMIT * mr, mean + XMR_LIMIT * mr


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """Mark every element of a run of at least `length` consecutive True values."""
    out = np.zeros(len(flags), dtype=bool)
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def spc_signals(values: np.ndarray | list[float], screen_outliers: bool = True) -> pd.DataFrame:
    """Return an XmR table with Making Data Count special-cause signals per point.

    Rules: a point outside the process limits; a shift of 7 points on one side of the mean;
    a trend of 6 points rising or falling; 2 of 3 points beyond two-thirds of the way to a
    limit, on the same side. `signal` is 'high', 'low' or '' (common cause).
    """
    v = np.asarray(values, dtype=float)
    mean, lower, upper = xmr_limits(v, screen_outliers)
    above, below = v > mean, v < mean
    outside_high, outside_low = v > upper, v < lower
    shift_high, shift_low = _runs(above, 7), _runs(below, 7)
    diffs = np.diff(v)
    rising = _runs(np.concatenate([[False], diffs > 0]), 5)  # 5 rises = 6 points
    falling = _runs(np.concatenate([[False], diffs < 0]), 5)
    # include the first point of each trend
    rising |= np.concatenate([rising[1:], [False]]) & ~rising
    falling |= np.concatenate([falling[1:], [False]]) & ~falling
    near_high = v > mean + (upper - mean) * 2 / 3
    near_low = v < mean - (mean - lower) * 2 / 3
    two_of_three_high = np.zeros(len(v), dtype=bool)
    two_of_three_low = np.zeros(len(v), dtype=bool)
    for i in range(len(v) - 2):
        window = slice(i, i + 3)
        if near_high[window].sum() >= 2 and above[window].all():
            two_of_three_high[window] |= near_high[window]
        if near_low[window].sum() >= 2 and below[window].all():
            two_of_three_low[window] |= near_low[window]
    high = outside_high | shift_high | (rising & ~falling) | two_of_three_high
    low = outside_low | shift_low | (falling & ~rising) | two_of_three_low
    signal = np.where(high & ~low, "high", np.where(low & ~high, "low", ""))
    return pd.DataFrame(
        {"value": v, "mean": mean, "lower": lower, "upper": upper, "signal": signal}
    )


SPC_MIN_WEEKS = 15  # fewer weeks with shown doses are too few for an XmR chart


def weekly_spc(new: pd.DataFrame) -> pd.DataFrame | None:
    """Return the XmR signals of the weeks whose doses are shown (weekly_new rows), by week.

    Suppressed weeks are left out, never filled in; None when fewer than SPC_MIN_WEEKS remain.
    """
    shown = new[~new["vaccinated_suppressed"]]
    if len(shown) < SPC_MIN_WEEKS:
        return None
    spc = spc_signals(shown["vaccinated"].astype(float).to_numpy())
    spc["week"] = shown["week"].to_numpy()
    return spc

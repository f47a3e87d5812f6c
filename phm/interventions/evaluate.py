"""Did an intervention work? Difference in differences against comparison areas, or an
interrupted time series where no comparison fits, in additional first doses with a 95% interval.

The models run on raw weekly counts inside phm (statsmodels' weighted least squares); what
leaves is the estimate, its interval and words (model estimates, not counts: see
docs/disclosure.md). The weekly chart beside them is drawn from protected counts
(`weekly_chart_frame`).

Difference in differences (DiD). Units are MSOAs: the intervention's own and comparison
MSOAs. The outcome is each week's first doses in the target group per person of the group in
that area. The model, weighted by each area's group population, is

    rate[area, week] = area effect + week effect + effect per person-week x (in area during period)

with heteroscedasticity-robust (HC1) standard errors. Additional vaccinations are the effect per
person-week times the people of the group in the intervention's areas times the weeks of the
period. Its assumption: without the intervention, the group's weekly rate in the intervention's
areas would have moved as in the comparison areas (parallel trends), and the intervention did
not change the comparison areas.

Interrupted time series (ITS), when fewer than `MIN_COMPARISON_AREAS` comparison areas fit: the
group's weekly rate in the intervention's areas is modelled as a straight line through the
weeks before, and the period's weeks as that line plus a step (ordinary least squares, a
t interval: with a dozen or so weeks, errors robust to autocorrelation were too narrow in
simulation, covering 77% for a stated 95%). Its assumptions: without the intervention the
weekly rate would have carried on along the line of the weeks before, and weeks are
independent around that line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from phm.analysis.trends import cumulative_uptake, weekly_new
from phm.disclosure import DisclosureRule, breakdown_allowed
from phm.interventions.record import RecordedIntervention

PRE_WEEKS = 12  # weeks before the start that the models learn from
POST_WEEKS = 8  # weeks after the end shown on the chart (not used by the models)
MATCHED_AREAS = 10  # comparison areas chosen by matching
MIN_COMPARISON_AREAS = 3  # fewer than this: interrupted time series
MIN_AREA_POPULATION = 20  # people of the group in an area for it to be a comparison
Z95 = 1.959963984540054
METHODS = {
    "did": "Difference in differences",
    "its": "Interrupted time series",
}
ASSUMPTIONS = {
    "did": (
        "We compare the weekly first doses of the target group in the intervention's areas with"
        " the same group in comparison areas, before and during the intervention. The extra"
        " change in the intervention's areas is counted as its effect. This assumes that,"
        " without the intervention, the two would have moved alike (checked by eye on the"
        " chart: the lines before the period should run side by side), that nothing else"
        " changed only in the intervention's areas at the same time, and that the intervention"
        " did not also reach the comparison areas. Weeks are treated as independent; areas"
        " with other recorded interventions at the time are left out of the comparison."
    ),
    "its": (
        "No comparison areas fit, so we compare the target group with itself: a straight line"
        " is drawn through its weekly first doses in the weeks before, and the weeks of the"
        " intervention are compared with where that line would have gone. This assumes that,"
        " without the intervention, the weekly doses would have carried on along the same"
        " line, and that nothing else changed when it started. It is weaker evidence than a"
        " comparison with other areas."
    ),
}


def monday(day: date) -> date:
    """Return the Monday of a day's week (weeks run Monday to Sunday, as on Trends)."""
    return day - timedelta(days=day.weekday())


def window(record: RecordedIntervention) -> tuple[date, date, date]:
    """Return the Mondays of the first week before, the first week of and the last week of the period."""
    first = monday(record.start)
    return first - timedelta(weeks=PRE_WEEKS), first, monday(record.end)


@dataclass(frozen=True)
class Estimate:
    """Additional first doses an intervention gave, with a 95% interval (a model estimate)."""

    method: str  # a METHODS key
    additional: float
    low: float
    high: float
    comparison: tuple[str, ...]  # MSOAs compared with (empty for ITS)

    @property
    def is_clear(self) -> bool:
        """Return True when the interval excludes no effect (0)."""
        return self.low > 0 or self.high < 0


def panel(
    weekly: pd.DataFrame,
    record: RecordedIntervention,
    comparison: Sequence[str],
) -> pd.DataFrame:
    """Return the model's rows: area, week, doses, population, treated, in_period.

    `weekly` is `phm.queries.trends.weekly_doses(con, cohort, "msoa")` (raw counts) of the
    target cohort over the intervention's and the comparison areas; weeks from PRE_WEEKS
    before the start to the end of the period.
    """
    pre, first, last = window(record)
    weeks = pd.to_datetime(weekly["week"]).dt.date
    keep = weekly["msoa"].isin([*record.msoas, *comparison]) & weeks.between(pre, last)
    out = weekly.loc[keep, ["msoa", "week", "vaccinated", "population"]].copy()
    out["week"] = pd.to_datetime(out["week"]).dt.date
    out = out[out["population"] > 0]
    out["treated"] = out["msoa"].isin(record.msoas)
    out["in_period"] = out["week"] >= first
    return out.reset_index(drop=True)


def did(rows: pd.DataFrame, weeks_in_period: int) -> tuple[float, float, float]:
    """Return additional doses (central, low, high) by DiD over `panel` rows.

    Weighted least squares of the weekly rate on area and week effects and the treated x
    period indicator, weights the area's population, HC1 errors.
    """
    if not rows["treated"].any() or rows["treated"].all():
        raise ValueError("DiD needs rows of the intervention's areas and of comparison areas")
    if not rows["in_period"].any() or rows["in_period"].all():
        raise ValueError("DiD needs weeks before and during the period")
    rate = rows["vaccinated"] / rows["population"]
    design = pd.get_dummies(rows[["msoa"]].astype(str), drop_first=False, dtype=float)
    weeks = pd.get_dummies(rows["week"].astype(str), prefix="w", drop_first=True, dtype=float)
    design = pd.concat([design, weeks], axis=1)
    design["effect"] = (rows["treated"] & rows["in_period"]).astype(float)
    from statsmodels.regression.linear_model import WLS  # 1-2 s to import: evaluation only

    fit = WLS(rate.to_numpy(float), design.to_numpy(float), weights=rows["population"]).fit(
        cov_type="HC1"
    )
    beta = float(fit.params[-1])
    se = float(fit.bse[-1])
    people = float(rows.loc[rows["treated"]].groupby("msoa")["population"].first().sum())
    scale = people * weeks_in_period
    return beta * scale, (beta - Z95 * se) * scale, (beta + Z95 * se) * scale


def its(rows: pd.DataFrame, weeks_in_period: int) -> tuple[float, float, float]:
    """Return additional doses (central, low, high) by ITS over the treated areas' `panel` rows.

    The weekly rate of all the intervention's areas together on a line in time and a step in
    the period (OLS, t interval).
    """
    mine = rows[rows["treated"]]
    series = mine.groupby("week").agg(
        vaccinated=("vaccinated", "sum"),
        population=("population", "sum"),
        period=("in_period", "first"),
    )
    if series["period"].all() or not series["period"].any() or (~series["period"]).sum() < 4:
        raise ValueError("an interrupted time series needs at least 4 weeks before the period")
    rate = series["vaccinated"] / series["population"]
    t = np.arange(len(series), dtype=float)
    design = np.column_stack([np.ones_like(t), t, series["period"].to_numpy(float)])
    from statsmodels.regression.linear_model import OLS  # 1-2 s to import: evaluation only

    fit = OLS(rate.to_numpy(float), design).fit()
    low, high = (float(v) for v in fit.conf_int(alpha=0.05)[-1])
    scale = float(series["population"].iloc[0]) * weeks_in_period
    return float(fit.params[-1]) * scale, low * scale, high * scale


def area_features(
    weekly: pd.DataFrame, mix: pd.DataFrame, deprivation: pd.DataFrame, before: date
) -> pd.DataFrame:
    """Return per MSOA what matching compares: the group's uptake before, deprivation, ethnic mix.

    `weekly`: weekly_doses of the target cohort by msoa (raw); `mix`: uptake_by of the areas'
    whole population by (msoa, ethnic_group); `deprivation`: by (msoa, imd_quintile); all raw.
    Columns: msoa, population (of the group), uptake_before, imd_quintile (mean), and one
    share column per broad ethnic group.
    """
    weeks = pd.to_datetime(weekly["week"]).dt.date
    done = weekly[weeks < before].groupby("msoa")["vaccinated"].sum()
    population = weekly.groupby("msoa")["population"].first()
    out = pd.DataFrame({"population": population})
    out["uptake_before"] = (
        done.reindex(out.index).fillna(0) / population.replace(0, np.nan)
    ).fillna(0)
    imd = deprivation.assign(
        w=deprivation["imd_quintile"].astype(float) * deprivation["population"]
    )
    by_area = imd.groupby("msoa")[["w", "population"]].sum()
    out["imd_quintile"] = (by_area["w"] / by_area["population"]).reindex(out.index)
    shares = mix.pivot_table(
        index="msoa", columns="ethnic_group", values="population", aggfunc="sum"
    )
    shares = shares.fillna(0).div(shares.sum(axis=1), axis=0).add_prefix("share_")
    out = out.join(shares, how="left").fillna(0.0)
    return out.rename_axis("msoa").reset_index()


def match(
    features: pd.DataFrame, treated: Sequence[str], excluded: Sequence[str], k: int = MATCHED_AREAS
) -> tuple[str, ...]:
    """Return the k areas most like the intervention's (population-weighted) on the features.

    Distance: standardised uptake before (counted twice), mean IMD quintile, and the ethnic
    shares (together counted once). Areas with fewer than MIN_AREA_POPULATION people of the
    group, the intervention's own and `excluded` ones are never chosen. Ties go by code.
    """
    ethnic = [c for c in features.columns if c.startswith("share_")]
    values = features.set_index("msoa")
    scaled = (values - values.mean()) / values.std(ddof=0).replace(0, 1)
    mine = values.index.isin(treated)
    if not mine.any():
        return ()
    weights = values.loc[mine, "population"].clip(lower=1)
    centre = scaled[mine].mul(weights, axis=0).sum() / weights.sum()
    gap = scaled - centre
    distance = np.sqrt(
        4 * gap["uptake_before"] ** 2
        + gap["imd_quintile"] ** 2
        + (gap[ethnic] ** 2).sum(axis=1) / max(len(ethnic), 1)
    )
    eligible = ~mine & ~values.index.isin(excluded) & (values["population"] >= MIN_AREA_POPULATION)
    ranked = pd.DataFrame(
        {"d": distance[eligible].to_numpy(), "area": values.index[eligible].to_numpy()}
    )
    ranked = ranked.sort_values(["d", "area"])
    return tuple(str(m) for m in ranked["area"].head(k))


def estimate(
    weekly: pd.DataFrame, record: RecordedIntervention, comparison: Sequence[str]
) -> Estimate:
    """Return the DiD estimate against `comparison`, or ITS when fewer than MIN_COMPARISON_AREAS fit."""
    populations = weekly.groupby("msoa")["population"].first()
    usable = tuple(
        sorted(
            m
            for m in comparison
            if m not in record.msoas and populations.get(m, 0) >= MIN_AREA_POPULATION
        )
    )
    weeks_in_period = record.weeks
    if len(usable) >= MIN_COMPARISON_AREAS:
        central, low, high = did(panel(weekly, record, usable), weeks_in_period)
        return Estimate("did", central, low, high, usable)
    central, low, high = its(panel(weekly, record, ()), weeks_in_period)
    return Estimate("its", central, low, high, ())


@dataclass(frozen=True)
class CostPer:
    """Realised cost per additional vaccination: central and 95% interval (None: unbounded)."""

    central: float | None
    low: float | None
    high: float | None


def cost_per_additional(cost_gbp: float, result: Estimate) -> CostPer:
    """Return cost / additional doses, the interval from the estimate's bounds.

    The cheapest plausible cost per dose comes from the highest plausible effect; when the
    lowest plausible effect is 0 or below, the dearest has no bound (None), and when even the
    central estimate is, there is no central cost either.
    """
    central = cost_gbp / result.additional if result.additional > 0 else None
    low = cost_gbp / result.high if result.high > 0 else None
    high = cost_gbp / result.low if result.low > 0 else None
    return CostPer(central, low, high)


def _group_weekly(weekly: pd.DataFrame, areas: Sequence[str], label: str) -> pd.DataFrame:
    """Return one group's weekly doses and key sums added over its areas (disjoint cells add)."""
    mine = weekly[weekly["msoa"].isin(areas)]
    columns = ["vaccinated", "vaccinated_key"]
    per_week = mine.groupby("week", as_index=False)[columns].sum()
    population = mine.groupby("msoa")[["population", "population_key"]].first().sum()
    per_week["population"] = int(population["population"])
    per_week["population_key"] = int(population["population_key"])
    per_week["group"] = label
    return per_week


def weekly_chart_frame(
    weekly: pd.DataFrame,
    record: RecordedIntervention,
    comparison: Sequence[str],
    rule: DisclosureRule,
) -> pd.DataFrame | None:
    """Return protected weekly doses per 1,000 people of the group, intervention vs comparison.

    Each group's cumulative count at the end of each week is protected (as on Trends) and its
    weekly doses derived from the shown figures; per 1,000 over the shown population. None
    when the intervention's group is too small to chart (phm.disclosure.breakdown_allowed).
    Columns: group, week, per_1000.
    """
    pre, _first, last = window(record)
    end = last + timedelta(weeks=POST_WEEKS)
    groups = [("Intervention areas", record.msoas)]
    if comparison:
        groups.append(("Comparison areas", tuple(comparison)))
    frames = []
    for label, areas in groups:
        rows = _group_weekly(weekly, areas, label)
        cumulative = cumulative_uptake(rows, rule) if not rows.empty else None
        overall = cumulative.iloc[-1] if cumulative is not None else None
        if cumulative is None or overall is None or not breakdown_allowed(overall, rule):
            if label == groups[0][0]:
                return None
            continue
        new = weekly_new(cumulative)  # type: ignore[arg-type]
        new["group"] = label
        new["per_1000"] = new["vaccinated"].astype("Float64") / float(overall["population"]) * 1000
        frames.append(new)
    out = pd.concat(frames, ignore_index=True)
    days = pd.to_datetime(out["week"]).dt.date
    out = out[days.between(pre, end)]
    return out[["group", "week", "per_1000"]].reset_index(drop=True)


def group_large_enough(
    weekly: pd.DataFrame, record: RecordedIntervention, rule: DisclosureRule
) -> bool:
    """Return True when the intervention's group, as shown, is large enough to evaluate (50+)."""
    mine = _group_weekly(weekly, record.msoas, "x")
    if mine.empty:  # no one of the group there (e.g. a practice's patients elsewhere)
        return False
    return breakdown_allowed(cumulative_uptake(mine, rule).iloc[-1], rule)

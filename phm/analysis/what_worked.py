"""The What worked page's logic: evaluate recorded interventions and say the results in words.

Estimates come from `phm.interventions.evaluate` (model estimates on raw weekly counts, not
counts); the chart beside them is protected. Everything here is text or tables for the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from phm.analysis.business_case import INTERVENTIONS
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.interventions import evaluate as E
from phm.interventions.record import RecordedIntervention
from phm.text import escape_markdown

MAX_EVALUATED = 6  # interventions evaluated side by side at once
MATCHED = "matched"
CHOSEN = "chosen"
COMPARISON_CHOICES = {
    MATCHED: "Matched areas (uptake before, deprivation, ethnic mix)",
    CHOSEN: "Areas I choose",
}


@dataclass(frozen=True)
class Evaluated:
    """One intervention's evaluation, or why there is none."""

    record: RecordedIntervention
    estimate: E.Estimate | None
    cost: E.CostPer | None
    chart: pd.DataFrame | None  # protected weekly doses per 1,000 (E.weekly_chart_frame)
    reason: str = ""  # why it was not evaluated


def overlapping(
    record: RecordedIntervention, others: Sequence[RecordedIntervention]
) -> tuple[str, ...]:
    """Return the MSOAs of other interventions whose period overlaps this one's window."""
    pre, _first, _last = E.window(record)
    areas = {
        m
        for other in others
        if other != record and other.start <= record.end and other.end >= pre
        for m in other.msoas
    }
    return tuple(sorted(areas - set(record.msoas)))


def evaluate_one(
    record: RecordedIntervention,
    weekly: pd.DataFrame,
    features: pd.DataFrame,
    excluded: Sequence[str],
    chosen: Sequence[str] | None,
    rule: DisclosureRule,
    as_at: date,
) -> Evaluated:
    """Return an intervention's evaluation against chosen areas, or matched ones when None.

    `weekly` is weekly_doses of its target cohort (no places) by MSOA, raw; `features` the
    areas' matching features (E.area_features).
    """
    if record.end >= as_at:
        return Evaluated(record, None, None, None, "It has not ended by the date of the data.")
    if not record.msoas:
        return Evaluated(record, None, None, None, "It names no areas to evaluate it in.")
    if not E.group_large_enough(weekly, record, rule):
        return Evaluated(
            record,
            None,
            None,
            None,
            "Its target group has fewer than 50 people in its areas (as shown), too few to"
            " evaluate without describing individuals.",
        )
    comparison = tuple(chosen) if chosen is not None else E.match(features, record.msoas, excluded)
    try:
        estimate = E.estimate(weekly, record, comparison)
    except ValueError as error:
        return Evaluated(record, None, None, None, f"It could not be evaluated: {error}.")
    chart = E.weekly_chart_frame(weekly, record, estimate.comparison, rule)
    return Evaluated(record, estimate, E.cost_per_additional(record.cost_gbp, estimate), chart)


def _number(value: float) -> str:
    """Return a model estimate as a whole number with thousands separators."""
    return f"{round(value):,}"


def gbp(value: float | None) -> str:
    """Return pounds to the pound ('no upper bound' for None)."""
    return "no upper bound" if value is None else f"£{value:,.0f}"


def verdict(evaluated: Evaluated) -> str:
    """Return the result in a few words."""
    estimate = evaluated.estimate
    if estimate is None:
        return "Not evaluated"
    if estimate.low > 0:
        return "Worked: more first doses"
    if estimate.high < 0:
        return "Fewer first doses than expected"
    return "No clear effect"


def interval_text(estimate: E.Estimate) -> str:
    """Return the estimate and its interval: '758 (693 to 822)'."""
    return f"{_number(estimate.additional)} ({_number(estimate.low)} to {_number(estimate.high)})"


def cost_text(cost: E.CostPer) -> str:
    """Return the cost per additional vaccination and its interval."""
    if cost.central is None:
        return "not estimable (no additional doses estimated)"
    return f"{gbp(cost.central)} ({gbp(cost.low)} to {gbp(cost.high)})"


SIDE_BY_SIDE_COLUMNS = (  # the results first: a narrow screen shows them without scrolling
    "Intervention",
    "Result",
    "Additional first doses (95% interval)",
    "Cost per additional vaccination (95% interval)",
    "Cost",
    "Method",
    "Kind",
    "Period",
)


def side_by_side(items: Sequence[Evaluated]) -> pd.DataFrame:
    """Return one row per intervention for comparing them (text is data: escape to show as markdown)."""
    rows = []
    for item in items:
        r, estimate = item.record, item.estimate
        rows.append(
            (
                r.name,
                verdict(item),
                interval_text(estimate) if estimate else item.reason,
                cost_text(item.cost) if item.cost else "",
                gbp(r.cost_gbp),
                E.METHODS[estimate.method] if estimate else "",
                INTERVENTIONS[r.kind].name,
                f"{r.start:%d %b %Y} to {r.end:%d %b %Y}",
            )
        )
    return pd.DataFrame(rows, columns=list(SIDE_BY_SIDE_COLUMNS))


def summary(item: Evaluated, names: Mapping[str, str]) -> str:
    """Return the result as markdown sentences a commissioner can follow (user text escaped)."""
    r, estimate = item.record, item.estimate
    name = escape_markdown(r.name)
    who = escape_markdown(r.cohort.describe(dict(names)))
    where = ", ".join(escape_markdown(names.get(m, m)) for m in r.msoas)
    head = (
        f"**{name}** ({INTERVENTIONS[r.kind].name.lower()}, {r.start:%d %B %Y} to"
        f" {r.end:%d %B %Y}) was for {who[0].lower() + who[1:] if who else 'everyone'} in {where}."
    )
    if estimate is None or item.cost is None:
        return f"{head} {escape_markdown(item.reason)}"
    if estimate.method == "did":
        against = f"against {len(estimate.comparison)} comparison areas"
    else:
        against = "against its own trend before (no comparison areas fitted)"
    result = (
        f"Compared {against}, it gave an estimated **{_number(estimate.additional)} additional"
        f" first doses** during its {r.weeks} weeks (95% interval {_number(estimate.low)} to"
        f" {_number(estimate.high)})."
    )
    if estimate.low > 0:
        money = (
            f" At a cost of {gbp(r.cost_gbp)}, that is **{gbp(item.cost.central)} per additional"
            f" vaccination** (95% interval {gbp(item.cost.low)} to {gbp(item.cost.high)})."
        )
    else:
        money = (
            f" The interval includes no effect at all, so we cannot say it worked; the cost per"
            f" additional vaccination is at least {gbp(item.cost.low)} and has no upper bound."
        )
    return f"{head} {result}{money}"


def comparison_names(item: Evaluated, names: Mapping[str, str]) -> str:
    """Return the comparison areas by name (markdown-escaped), or '' for none."""
    if item.estimate is None or not item.estimate.comparison:
        return ""
    return ", ".join(escape_markdown(names.get(m, m)) for m in item.estimate.comparison)


def record_from_form(
    *,
    name: str,
    kind: str,
    msoas: Sequence[str],
    start: date,
    end: date,
    ethnicities: Sequence[str],
    languages: Sequence[str],
    age_min: int | None,
    age_max: int | None,
    cost_gbp: float,
    note: str,
) -> RecordedIntervention:
    """Return the record a user entered; raise ValueError with the reason when it is not valid."""
    cohort = Cohort(age_min=age_min, age_max=age_max).with_(
        ethnicities=tuple(ethnicities), languages=tuple(languages)
    )
    return RecordedIntervention(
        name=name.strip(),
        kind=kind,
        msoas=tuple(sorted(msoas)),
        site_id="",
        start=start,
        end=end,
        cohort=cohort,
        cost_gbp=float(cost_gbp),
        note=note.strip(),
    )

"""Summaries built from uptake frames: the gap between groups, ready to show."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from phm.disclosure import DisclosureRule, protect
from phm.gap_words import gap_sentence
from phm.stats import difference_interval


@dataclass(frozen=True)
class Gap:
    """Difference in uptake between two groups, in percentage points, with its 95% interval."""

    first: str
    second: str
    points: float | None
    low: float | None
    high: float | None
    reason: str = ""

    def sentence(self) -> str:
        """Return the gap as one plain sentence."""
        if self.points is None:
            return f"The gap between {self.first} and {self.second} is not shown: {self.reason}."
        assert self.low is not None and self.high is not None
        return gap_sentence(self.first, self.second, self.points, self.low, self.high)


def protected_uptake(raw: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """Return raw vaccinated/population counts (with key sums) protected, with uptake and intervals."""
    return protect(raw, rule)


def shown_uptake(row: pd.Series) -> float | None:
    """Return a protected row's uptake in percent, or None when it is suppressed."""
    return None if bool(row["uptake_suppressed"]) else float(row["uptake_pct"])


def largest_shown(protected: pd.DataFrame, column: str, label: str, n: int) -> pd.DataFrame:
    """Return the n rows with the largest shown `column`, ties by label: never ordered by exact counts."""
    shown = protected[column].astype("Float64").fillna(-1).to_numpy(dtype=float)
    order = protected.assign(_shown=shown).sort_values(
        ["_shown", label], ascending=[False, True], kind="stable"
    )
    return order.drop(columns="_shown").head(n)


def gap_between(
    raw: pd.DataFrame,
    key: str,
    first: object,
    second: object,
    labels: tuple[str, str],
    rule: DisclosureRule,
) -> Gap:
    """Return the uptake gap first minus second, from the shown counts; hidden if either is suppressed."""
    protected = protected_uptake(raw, rule)
    rows = {}
    for value in (first, second):
        match = raw.index[raw[key] == value]
        if len(match) != 1:
            return Gap(*labels, None, None, None, "one of the two groups has no one in this cohort")
        if bool(protected.loc[match[0], "uptake_suppressed"]):
            return Gap(*labels, None, None, None, "it is suppressed (small numbers)")
        rows[value] = protected.loc[match[0]]
    a, b = rows[first], rows[second]
    d, low, high = difference_interval(
        int(a["vaccinated"]), int(a["population"]), int(b["vaccinated"]), int(b["population"])
    )
    return Gap(labels[0], labels[1], round(100 * d, 1), round(100 * low, 1), round(100 * high, 1))

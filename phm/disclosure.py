"""Small-number suppression and rounding, applied to every frame that leaves phm."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from phm.stats import add_uptake, wilson_interval

COUNT_COLUMNS: tuple[str, ...] = ("vaccinated", "unvaccinated", "population")
RATE_COLUMNS: tuple[str, ...] = ("uptake_pct", "ci_low_pct", "ci_high_pct")
SUPPRESSED_TEXT = "<8"
MISSING_TEXT = "–"
PROTECTING_TEXT = "*"  # hidden so that a suppressed count cannot be worked out


@dataclass(frozen=True)
class DisclosureRule:
    """Counts from 1 to threshold-1 are suppressed; others are rounded to the nearest `rounding`."""

    threshold: int = 8
    rounding: int = 5

    def describe(self) -> str:
        """Return the rule in one sentence, for page footers and export headers."""
        if self.threshold <= 1 and self.rounding <= 1:
            return "No small-number suppression (synthetic data only)."
        parts = []
        if self.threshold > 1:
            parts.append(f"counts from 1 to {self.threshold - 1} are shown as <{self.threshold}")
        if self.rounding > 1:
            parts.append(
                f"other counts are rounded to the nearest {self.rounding},"
                " and rates and intervals are computed from the rounded counts"
            )
        return (
            "; ".join(parts).capitalize()
            + "; a rate is shown only when its numerator and denominator are shown,"
            " and a further cell is hidden (shown as *) where a suppressed one could be worked out."
        )

    @property
    def suppressed_text(self) -> str:
        """Return how a suppressed count is shown."""
        return f"<{self.threshold}"


DEFAULT_RULE = DisclosureRule()


def rule_for(kind: str, threshold: int, rounding: int) -> DisclosureRule:
    """Return the rule for a dataset kind; control can be relaxed only for synthetic data."""
    if threshold < 0 or rounding < 1:
        raise ValueError("threshold must be >= 0 and rounding >= 1")
    if kind != "synthetic" and (threshold < 2 or rounding < 1):
        raise ValueError(
            f"disclosure control cannot be switched off for a dataset of kind {kind!r};"
            " set PHM_SUPPRESS_BELOW to 2 or more"
        )
    return DisclosureRule(threshold=threshold, rounding=rounding)


def _is_small(values: pd.Series, rule: DisclosureRule) -> pd.Series:
    """Return True where a count is in the suppressed range 1..threshold-1."""
    return (values >= 1) & (values < rule.threshold)


def _secondary(
    frame: pd.DataFrame, hidden: pd.DataFrame, partitions: Sequence[Sequence[str]]
) -> pd.DataFrame:
    """Hide the next-smallest sibling wherever one hidden cell could be recovered from a total."""
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for column in ("vaccinated", "unvaccinated", "population"):
            for by in partitions:
                key = list(by) if len(by) > 1 else (by[0] if by else None)
                groups = frame.groupby(key, sort=False).groups if by else {None: frame.index}
                for index in groups.values():
                    mask = hidden.loc[index, column]
                    if mask.sum() != 1:
                        continue
                    candidates = frame.loc[index][~mask.to_numpy()]
                    candidates = candidates[candidates[column] > 0]
                    if candidates.empty:
                        continue
                    victim = candidates[column].idxmin()
                    if column == "population":
                        hidden.loc[victim, list(COUNT_COLUMNS)] = True
                    else:
                        hidden.loc[victim, ["vaccinated", "unvaccinated"]] = True
                    changed = True
    return hidden


def protect(
    frame: pd.DataFrame,
    rule: DisclosureRule = DEFAULT_RULE,
    partitions: Sequence[Sequence[str]] = ((),),
) -> pd.DataFrame:
    """Suppress and round the counts of an uptake frame, and hide rates that would leak them.

    `partitions` lists the column groups within which rows add up to a total shown
    elsewhere: `[()]` for a one-way breakdown, `[("a",), ("b",)]` for a two-way one,
    `[]` for a frame whose rows are not siblings. Adds `<count>_suppressed` columns so
    that suppressed (True) and missing (NA, False) stay distinguishable.
    """
    missing = [c for c in ("vaccinated", "population") if c not in frame.columns]
    if missing:
        raise ValueError(f"protect() needs columns {missing}")
    out = frame.reset_index(drop=True).copy()
    if "unvaccinated" not in out.columns:
        out["unvaccinated"] = out["population"] - out["vaccinated"]
    hidden = pd.DataFrame(False, index=out.index, columns=list(COUNT_COLUMNS))
    small_population = _is_small(out["population"], rule)
    small_pair = _is_small(out["vaccinated"], rule) | _is_small(out["unvaccinated"], rule)
    hidden.loc[small_population, list(COUNT_COLUMNS)] = True
    hidden.loc[small_pair, ["vaccinated", "unvaccinated"]] = True
    if len(out) > 1 and partitions:
        hidden = _secondary(out, hidden, partitions)
    # Cells that are small themselves show as "<8"; cells hidden only to protect another
    # (complementary or secondary suppression) may be large, so they get their own mark.
    small = pd.DataFrame({c: _is_small(out[c], rule) for c in COUNT_COLUMNS})
    small.loc[small_population, list(COUNT_COLUMNS)] = True
    for column in COUNT_COLUMNS:
        values = out[column].astype("float64")
        if rule.rounding > 1:
            values = np.round(values / rule.rounding) * rule.rounding
        counts = pd.array(values, dtype="Int64")
        counts[hidden[column].to_numpy()] = pd.NA
        out[column] = counts
        out[f"{column}_suppressed"] = hidden[column].to_numpy()
        out[f"{column}_protecting"] = (hidden[column] & ~small[column]).to_numpy()
    rate_hidden = hidden["vaccinated"] | hidden["population"]
    if rule.rounding > 1:
        _rates_from_shown_counts(out)
    for column in RATE_COLUMNS:
        if column in out.columns:
            out[column] = out[column].astype("float64").round(1).mask(rate_hidden)
    out["uptake_suppressed"] = rate_hidden.to_numpy()
    return out


def _rates_from_shown_counts(out: pd.DataFrame) -> None:
    """Recompute uptake and its interval from the rounded counts, in place.

    A rate from exact counts, shown beside rounded ones, can give the exact counts back
    (few pairs near the rounded figures match a rate to 0.1%), and exact counts of two
    overlapping cohorts give a small difference away. Rates from the rounded counts carry
    nothing the counts don't (OpenSAFELY's output-checking convention).
    """
    present = [c for c in RATE_COLUMNS if c in out.columns]
    if not present:
        return
    vaccinated = out["vaccinated"].astype("float64").fillna(0).to_numpy()
    population = out["population"].astype("float64").fillna(0).to_numpy()
    low, high = wilson_interval(vaccinated, population)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = {
            "uptake_pct": np.where(population > 0, 100 * vaccinated / population, np.nan),
            "ci_low_pct": 100 * low,
            "ci_high_pct": 100 * high,
        }
    for column in present:
        out[column] = rates[column]


def protect_one(vaccinated: int, population: int, rule: DisclosureRule = DEFAULT_RULE) -> dict:
    """Protect a single uptake figure and return it as a dict (for KPIs and sentences)."""
    frame = add_uptake(pd.DataFrame({"vaccinated": [vaccinated], "population": [population]}))
    return protect(frame, rule, partitions=()).iloc[0].to_dict()


def format_count(
    value: object, suppressed: bool, rule: DisclosureRule = DEFAULT_RULE, protecting: bool = False
) -> str:
    """Format a protected count: '<8' when small, '*' when hidden to protect another, '–' missing."""
    if protecting:
        return PROTECTING_TEXT
    if suppressed:
        return rule.suppressed_text
    if value is None or pd.isna(value):
        return MISSING_TEXT
    return f"{int(value):,}"


def format_rate(value: object, suppressed: bool, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """Format a protected percentage: 'suppressed', '–' when missing, else one decimal place."""
    if suppressed:
        return "suppressed"
    if value is None or pd.isna(value):
        return MISSING_TEXT
    return f"{float(value):.1f}%"


def to_display(
    frame: pd.DataFrame, rule: DisclosureRule = DEFAULT_RULE, labels: dict[str, str] | None = None
) -> pd.DataFrame:
    """Return a text table of a protected frame, with suppressed and missing cells marked."""
    if "uptake_suppressed" not in frame.columns:
        raise ValueError("to_display() takes a frame returned by protect()")
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        if column.endswith(("_suppressed", "_protecting")):
            continue
        if column in COUNT_COLUMNS:
            flags = frame[f"{column}_suppressed"]
            protecting = frame.get(f"{column}_protecting", pd.Series(False, index=frame.index))
            out[column] = [
                format_count(v, s, rule, p)
                for v, s, p in zip(frame[column], flags, protecting, strict=True)
            ]
        elif column in RATE_COLUMNS:
            flags = frame["uptake_suppressed"]
            out[column] = [
                format_rate(v, s, rule) for v, s in zip(frame[column], flags, strict=True)
            ]
        else:
            out[column] = frame[column]
    return out.rename(columns=labels or {})

"""Disclosure control for every count that leaves phm: the cell key method, with small counts suppressed.

Each person carries a secret record key from 0 to 255 (phm.record_keys); a cell's key is the
sum of its people's record keys modulo 256, computed in the same DuckDB aggregation as the
count. The shown count is looked up by (count, cell key) in a perturbation table, as ONS
(Census 2021, `cell-key-perturbation`) and the ABS (TableBuilder) do: here, counts from 1 to
threshold-1 are suppressed, 0 stays 0, and every other count is rounded to a multiple of
`rounding`, up or down, with the probability of rounding up equal to how far the count lies
past the multiple below (so the shown value is unbiased). The same set of people always has
the same cell key, so it always gets the same shown value however it is reached: repeating,
averaging or re-slicing queries gains nothing, and differences between overlapping cells
carry the noise of both.

One measurement per fact: a row's population and vaccinated are protected; unvaccinated,
rates and intervals are derived from those two shown values and never protected again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from phm.stats import wilson_interval

KEY_RANGE = 256  # record keys and cell keys run from 0 to 255, as in ONS's perturbation tables
PROTECTED_COLUMNS: tuple[str, ...] = ("vaccinated", "population")
COUNT_COLUMNS: tuple[str, ...] = ("vaccinated", "unvaccinated", "population")
KEY_COLUMNS: tuple[str, ...] = ("vaccinated_key", "population_key")
RATE_COLUMNS: tuple[str, ...] = ("uptake_pct", "ci_low_pct", "ci_high_pct")
MISSING_TEXT = "–"
PTABLE_ROWS = 750  # ONS layout: counts above 750 reuse rows 501-750 ((count - 1) % 250 + 501)


@dataclass(frozen=True)
class DisclosureRule:
    """Counts 1 to threshold-1 are suppressed; others are randomly rounded to `rounding` by cell key."""

    threshold: int = 8
    rounding: int = 5

    def describe(self) -> str:
        """Return the rule in plain words, for page footers and export headers."""
        if self.threshold <= 1 and self.rounding <= 1:
            return "No disclosure control (synthetic data only): counts are exact."
        parts = []
        if self.threshold > 1:
            parts.append(f"counts from 1 to {self.threshold - 1} are shown as <{self.threshold}")
        if self.rounding > 1:
            parts.append(
                f"other counts are rounded up or down to a multiple of {self.rounding} by the"
                " cell key method: the direction is fixed by a secret key of the people counted,"
                " so the same people always give the same figure on every page and export"
            )
        return (
            "; ".join(parts).capitalize()
            + ". Unvaccinated, rates and 95% intervals are worked out from the shown counts;"
            " a rate is shown only when both of its counts are."
        )

    @property
    def suppressed_text(self) -> str:
        """Return how a suppressed count is shown."""
        return f"<{self.threshold}"


DEFAULT_RULE = DisclosureRule()
SUPPRESSED_TEXT = DEFAULT_RULE.suppressed_text
MIN_REAL_ROUNDING = 5


def rule_for(kind: str, threshold: int, rounding: int) -> DisclosureRule:
    """Return the rule for a dataset kind; control can be weakened only for synthetic data."""
    if threshold < 0 or rounding < 1:
        raise ValueError("threshold must be >= 0 and rounding >= 1")
    if kind != "synthetic" and (threshold < 2 or rounding < MIN_REAL_ROUNDING):
        raise ValueError(
            f"disclosure control cannot be weakened for a dataset of kind {kind!r}: set"
            f" PHM_SUPPRESS_BELOW to 2 or more and PHM_ROUND_TO to {MIN_REAL_ROUNDING} or more"
        )
    return DisclosureRule(threshold=threshold, rounding=rounding)


def cell_keys(key_sums: np.ndarray | pd.Series) -> np.ndarray:
    """Return cell keys (0..255) from sums of record keys."""
    return np.mod(np.asarray(key_sums, dtype="int64"), KEY_RANGE)


def perturb(counts: np.ndarray, keys: np.ndarray, rule: DisclosureRule) -> np.ndarray:
    """Return counts as shown (before suppression): the perturbation table looked up by cell key.

    A count r past a multiple of the base is rounded up when its cell key is below
    256 * r / base, so over cell keys it rounds up with probability r / base. Counts from the
    threshold up whose multiple below would fall under the threshold always round up, so no
    shown count is a small one.
    """
    counts = np.asarray(counts, dtype="int64")
    base = rule.rounding
    if base <= 1:
        return counts.copy()
    remainder = np.mod(counts, base)
    down = counts - remainder
    up = np.asarray(keys, dtype="int64") < np.floor(KEY_RANGE * remainder / base + 0.5)
    up |= (remainder > 0) & (down < rule.threshold)
    return np.where(counts == 0, 0, down + base * (up & (remainder > 0)))


def perturbation_table(rule: DisclosureRule = DEFAULT_RULE) -> pd.DataFrame:
    """Return the perturbation table in ONS's layout (pcv, ckey, pvalue); suppressed counts are NA."""
    pcv = np.repeat(np.arange(1, PTABLE_ROWS + 1), KEY_RANGE)
    ckey = np.tile(np.arange(KEY_RANGE), PTABLE_ROWS)
    pvalue = pd.array(perturb(pcv, ckey, rule) - pcv, dtype="Int64")
    pvalue[(pcv < rule.threshold)] = pd.NA
    return pd.DataFrame({"pcv": pcv, "ckey": ckey, "pvalue": pvalue})


def smallest_shown(rule: DisclosureRule) -> int:
    """Return the smallest non-zero count ever shown: the threshold rounded up to the base."""
    base = max(rule.rounding, 1)
    return -(-max(rule.threshold, 1) // base) * base


MIN_BREAKDOWN_BASE = 50  # fewer people than this are not broken down by any other characteristic


def breakdown_allowed(overall: pd.Series, rule: DisclosureRule) -> bool:
    """Return True when a group's shown population is large enough to break it down further.

    A cohort narrowed by area, age, sex, language and ethnicity can be one person: any
    breakdown of it (which rows exist, which are 0, which areas are empty) would list that
    person's characteristics. Only synthetic data with control switched off skips the test.
    """
    row = overall[["population", "population_suppressed"]].to_frame().T
    return bool(breakdown_allowed_rows(row, rule)[0])


def breakdown_allowed_rows(frame: pd.DataFrame, rule: DisclosureRule) -> np.ndarray:
    """Return `breakdown_allowed` of every row of a protected frame at once (a boolean array)."""
    if rule.threshold <= 1 and rule.rounding <= 1:
        return np.ones(len(frame), dtype=bool)
    population = frame["population"].astype("Float64")
    large = (population >= MIN_BREAKDOWN_BASE).fillna(False).to_numpy(dtype=bool)
    return large & ~frame["population_suppressed"].to_numpy(dtype=bool)


def _is_small(values: np.ndarray, rule: DisclosureRule) -> np.ndarray:
    """Return True where a count is in the suppressed range 1..threshold-1."""
    return (values >= 1) & (values < rule.threshold)


def protect(frame: pd.DataFrame, rule: DisclosureRule = DEFAULT_RULE) -> pd.DataFrame:
    """Return an uptake frame with its counts protected and everything shown derived from them.

    Needs vaccinated, population and their record-key sums (vaccinated_key, population_key)
    from the same aggregation. Small populations hide the whole row; a small vaccinated or
    unvaccinated count hides both (one gives the other away through the population).
    Adds `<count>_suppressed` columns so that suppressed (True) and missing (NA, False)
    stay distinguishable, and drops the key sums: cell keys never leave this module.
    """
    missing = [c for c in (*PROTECTED_COLUMNS, *KEY_COLUMNS) if c not in frame.columns]
    if missing:
        raise ValueError(f"protect() needs columns {missing} (counts and their record-key sums)")
    out = frame.reset_index(drop=True).drop(columns=[*KEY_COLUMNS, "unvaccinated"], errors="ignore")
    vaccinated = frame["vaccinated"].to_numpy(dtype="int64")
    population = frame["population"].to_numpy(dtype="int64")
    small_population = _is_small(population, rule)
    hide_pair = (
        small_population | _is_small(vaccinated, rule) | _is_small(population - vaccinated, rule)
    )
    shown_population = perturb(population, cell_keys(frame["population_key"]), rule)
    shown_vaccinated = perturb(vaccinated, cell_keys(frame["vaccinated_key"]), rule)
    # Unvaccinated is derived from the two shown counts, so two roundings can leave it below
    # the smallest count ever shown (0 or 5 when 8 to 13 people are unvaccinated): such a
    # row hides both counts, as a small one would. The test uses only shown figures and
    # whether anyone is unvaccinated (0 is exact, as in every perturbation table).
    hide_pair |= (population > vaccinated) & (
        shown_population - shown_vaccinated < smallest_shown(rule)
    )
    shown = {
        "vaccinated": (shown_vaccinated, hide_pair),
        "unvaccinated": (shown_population - shown_vaccinated, hide_pair),
        "population": (shown_population, small_population),
    }
    for column, (values, hidden) in shown.items():
        counts = pd.array(values, dtype="Int64")
        counts[hidden] = pd.NA
        out[column] = counts
        out[f"{column}_suppressed"] = hidden
    _rates_from_shown_counts(out, hide_pair)
    return out


def key_published(frame: pd.DataFrame) -> pd.DataFrame:
    """Return already-published counts (no record keys) with each count as its own key sum.

    Published figures are public, so they need no perturbation; keying each by itself runs
    them through the same table as every other figure, so they look and round alike.
    """
    return frame.assign(
        vaccinated_key=frame["vaccinated"].astype("int64"),
        population_key=frame["population"].astype("int64"),
    )


def _rates_from_shown_counts(out: pd.DataFrame, hidden: np.ndarray) -> None:
    """Set uptake and its Wilson interval from the shown counts, in place; NaN where hidden.

    A rate from exact counts, shown beside perturbed ones, would give the exact counts back;
    rates from the shown counts carry nothing the counts don't.
    """
    vaccinated = out["vaccinated"].astype("float64").fillna(0).to_numpy()
    population = out["population"].astype("float64").fillna(0).to_numpy()
    low, high = wilson_interval(vaccinated, population)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = {
            "uptake_pct": np.where(population > 0, 100 * vaccinated / population, np.nan),
            "ci_low_pct": 100 * low,
            "ci_high_pct": 100 * high,
        }
    for column, values in rates.items():
        out[column] = pd.Series(values, index=out.index).round(1).mask(hidden)
    out["uptake_suppressed"] = hidden


def format_count(value: object, suppressed: bool, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """Format a protected count: '<8' when suppressed, '–' when missing."""
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
        if column.endswith("_suppressed"):
            continue
        if column in COUNT_COLUMNS:
            flags = frame[f"{column}_suppressed"]
            out[column] = [
                format_count(v, s, rule) for v, s in zip(frame[column], flags, strict=True)
            ]
        elif column in RATE_COLUMNS:
            flags = frame["uptake_suppressed"]
            out[column] = [
                format_rate(v, s, rule) for v, s in zip(frame[column], flags, strict=True)
            ]
        else:
            out[column] = frame[column]
    return out.rename(columns=labels or {})

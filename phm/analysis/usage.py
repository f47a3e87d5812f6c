"""Usage analytics for the Usage page: who used the app, when, from which organisations, for what.

Every count is protected as everywhere else (docs/disclosure.md), with the cell key method:
users have record keys (phm.queries.usage.record_key), so a count of users is perturbed by
the sum of their keys and suppressed from 1 to threshold-1. A plain count is protected by
`disclosure.perturb` on its cell key; the share of people given access who used the app in a
month is a numerator and a denominator of people, exactly the shape of an uptake figure, so
it goes through `disclosure.protect` itself and gets its 95% Wilson interval from the shown
counts. `key_published` (a count keyed by itself) would not do: these counts are not public.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from phm import disclosure
from phm.access.grants import read_grants
from phm.audit import log
from phm.output.exports import to_csv
from phm.queries import usage as queries

COUNT_PAIRS = (("users", "users_key"), ("events", "events_key"))
SHARE_NAMES = {
    "vaccinated": "used",
    "unvaccinated": "not_used",
    "population": "with_access",
    "vaccinated_suppressed": "used_suppressed",
    "unvaccinated_suppressed": "not_used_suppressed",
    "population_suppressed": "with_access_suppressed",
    "uptake_pct": "share_pct",
    "ci_low_pct": "share_ci_low_pct",
    "ci_high_pct": "share_ci_high_pct",
    "uptake_suppressed": "share_suppressed",
}


def protect_counts(
    frame: pd.DataFrame, rule: disclosure.DisclosureRule = disclosure.DEFAULT_RULE
) -> pd.DataFrame:
    """Return users and events protected by their cell keys, with `_suppressed` columns; keys dropped."""
    out = frame.drop(columns=[key for _, key in COUNT_PAIRS]).reset_index(drop=True)
    for count, key in COUNT_PAIRS:
        values = frame[count].to_numpy(dtype="int64")
        shown = pd.array(
            disclosure.perturb(values, disclosure.cell_keys(frame[key]), rule), dtype="Int64"
        )
        small = (values >= 1) & (values < rule.threshold)
        shown[small] = pd.NA
        out[count] = shown
        out[f"{count}_suppressed"] = small
    return out


def _month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the first and last day of a month given as YYYY-MM."""
    start = pd.Timestamp(f"{month}-01")
    return start, start + pd.offsets.MonthEnd(0)


def share_counts(path: Path) -> pd.DataFrame:
    """Return, per month, the people with access at any time in it and how many of them used it.

    Months run from the first grant to the last month with use. Raw counts with key sums
    (`vaccinated`/`population` names, so `disclosure.protect` takes them as they are).
    """
    grants = read_grants(path)
    active = queries.active_user_months(path)
    if grants.empty or active.empty:
        return pd.DataFrame(columns=["month", "vaccinated", "population", *disclosure.KEY_COLUMNS])
    first = grants["granted_on"].min().strftime("%Y-%m")
    months = pd.period_range(first, max(active["month"]), freq="M").strftime("%Y-%m")
    used_by_month = active.groupby("month")["user_id"].apply(set).to_dict()
    rows = []
    for month in months:
        start, end = _month_bounds(month)
        held = (grants["granted_on"] <= end) & (
            grants["removed_on"].isna() | (grants["removed_on"] >= start)
        )
        with_access = set(grants.loc[held, "user_id"])
        used = with_access & used_by_month.get(month, set())
        rows.append(
            {
                "month": month,
                "vaccinated": len(used),
                "population": len(with_access),
                "vaccinated_key": sum(queries.record_key(u) for u in used),
                "population_key": sum(queries.record_key(u) for u in with_access),
            }
        )
    return pd.DataFrame(rows)


def share_using(
    path: Path, rule: disclosure.DisclosureRule = disclosure.DEFAULT_RULE
) -> pd.DataFrame:
    """Return the protected share of people given access who used the app, by month."""
    counts = share_counts(path)
    if counts.empty:
        return pd.DataFrame(columns=["month", *SHARE_NAMES.values()])
    return disclosure.protect(counts, rule).rename(columns=SHARE_NAMES)


def usage_report(
    path: Path, rule: disclosure.DisclosureRule = disclosure.DEFAULT_RULE
) -> dict[str, pd.DataFrame]:
    """Return every table of the Usage page, protected."""
    report = {
        "by_month": queries.by_month(path),
        "by_org_type": queries.by_org_type(path),
        "by_page": queries.by_page(path),
        "by_characteristic": queries.by_characteristic(path),
        "exports_by_month": queries.exports_by_month(path),
    }
    protected = {name: protect_counts(frame, rule) for name, frame in report.items()}
    protected["share_using"] = share_using(path, rule)
    return protected


def has_synthetic_usage(path: Path) -> bool:
    """Return True when the log holds generated demo usage (the page must say so)."""
    with log.reading(path) as con:
        row = con.execute("SELECT 1 FROM audit_event WHERE synthetic = 1 LIMIT 1").fetchone()
    return row is not None


def usage_csv(
    frame: pd.DataFrame, title: str, rule: disclosure.DisclosureRule, synthetic: bool
) -> str:
    """Return one usage table as CSV under a header naming it, the rule and any synthetic label."""
    header = [
        f"PHM Vaccination Uptake Explorer: usage, {title}",
        f"Disclosure control: {rule.describe()}",
        "User ids are pseudonymous; counts of users and events are protected like every count.",
    ]
    if synthetic:
        header.append("SYNTHETIC USAGE: generated for the demo, not real people's use")
    shown = frame.drop(columns=[c for c in frame.columns if c.endswith("_suppressed")])
    for column in frame.columns:
        if column.endswith("_suppressed") and column.removesuffix("_suppressed") in shown:
            name = column.removesuffix("_suppressed")
            text = (
                shown[name].astype("object").where(~frame[column].to_numpy(), rule.suppressed_text)
            )
            shown[name] = text.where(pd.notna(text), "")
    return to_csv(shown, header)

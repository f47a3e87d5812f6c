"""Inequality summaries: deprivation gradient (gap, SII, RII) and gaps by group against a reference."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from phm.analysis.summaries import protected_uptake
from phm.disclosure import DisclosureRule
from phm.gap_words import SHORT_UNIT, gap_words, interval_words
from phm.stats import difference_interval, slope_index_of_inequality


def deprivation_summary(
    raw: pd.DataFrame,
    deprivation: str,
    rule: DisclosureRule,
    group: str | None = None,
    repetitions: int = 100_000,
) -> pd.DataFrame:
    """Return per locality (or once, without `group`) the most-least deprived gap, SII and RII.

    `raw` has raw counts by `deprivation` (imd_quintile or imd_decile, 1 = most deprived)
    and optionally by `group`. Everything is computed from the protected (rounded) counts,
    and left empty with a reason when a group is suppressed or missing. Figures are in
    percentage points (gap, SII) and ratios (RII).
    """
    keys = [group] if group else []
    protected = protected_uptake(raw, rule)
    rows = []
    groups = protected.groupby(keys, sort=False) if keys else [((None,), protected)]
    for key, part in groups:
        part = part.sort_values(deprivation)
        label = str(part[f"{group}_label"].iloc[0]) if group else "ICS (whole cohort)"
        row: dict[str, object] = {"key": key[0] if keys else None, "label": label}
        row["reason"] = why_unmeasured(part, deprivation)
        if not row["reason"]:
            x = part["vaccinated"].astype(int).to_numpy()
            n = part["population"].astype(int).to_numpy()
            row["most_deprived_pct"] = 100 * x[0] / n[0]
            row["least_deprived_pct"] = 100 * x[-1] / n[-1]
            d, low, high = difference_interval(int(x[-1]), int(n[-1]), int(x[0]), int(n[0]))
            row.update(gap_pts=100 * d, gap_low_pts=100 * low, gap_high_pts=100 * high)
            try:
                index = slope_index_of_inequality(x, n, repetitions=repetitions)
            except ValueError as error:
                row["reason"] = str(error)
            else:
                row.update(
                    sii_pts=100 * index.sii,
                    sii_low_pts=100 * index.sii_low,
                    sii_high_pts=100 * index.sii_high,
                    rii=index.rii,
                    rii_low=index.rii_low,
                    rii_high=index.rii_high,
                )
        rows.append(row)
    columns = [
        "key", "label", "most_deprived_pct", "least_deprived_pct", "gap_pts", "gap_low_pts",
        "gap_high_pts", "sii_pts", "sii_low_pts", "sii_high_pts", "rii", "rii_low", "rii_high",
        "reason",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def why_unmeasured(protected: pd.DataFrame, deprivation: str) -> str:
    """Return why one locality's protected rows give no gradient ('' when they do).

    The PHE method needs every deprivation group present and shown.
    """
    wanted = range(1, (5 if deprivation == "imd_quintile" else 10) + 1)
    missing = [str(q) for q in wanted if q not in set(protected[deprivation].tolist())]
    if missing:
        kind = "quintile" if deprivation == "imd_quintile" else "decile"
        return f"no residents in IMD {kind} {', '.join(missing)}; the PHE method needs every group"
    if protected["uptake_suppressed"].any():
        return "a deprivation group is suppressed (small numbers)"
    return ""


def unmeasured_localities(
    raw: pd.DataFrame, deprivation: str, rule: DisclosureRule, group: str
) -> dict[object, str]:
    """Return each locality whose gradient cannot be measured, with why (no simulation run)."""
    protected = protected_uptake(raw, rule)
    reasons = {
        key: why_unmeasured(part, deprivation) for key, part in protected.groupby(group, sort=False)
    }
    return {key: reason for key, reason in reasons.items() if reason}


def unmeasured_words(
    codes: list,
    names: Mapping[object, str],
    reasons: Mapping[object, str],
    noun: str,
    most: int = 8,
) -> str:
    """Return the sentence naming the localities left out of the first view, and why."""
    listed = [f"{names[c]} ({reasons[c].split(';')[0]})" for c in codes[:most]]
    more = f", and {len(codes) - most} more" if len(codes) > most else ""
    return (
        f"Not chosen at first, because their deprivation gradient cannot be measured (the PHE"
        f" method needs every group present and shown): {', '.join(listed)}{more}. Add a {noun}"
        " above to see it in the table with its reason."
    )


def gaps_against(
    raw: pd.DataFrame, key: str, reference: object, rule: DisclosureRule
) -> pd.DataFrame:
    """Return each group's uptake minus the reference group's, in points, with Newcombe's 95% CI.

    Computed from the protected counts; a suppressed group (or reference) gets no gap.
    """
    protected = protected_uptake(raw, rule)
    ref = protected[protected[key] == reference]
    columns = ["group", "label", "uptake_pct", "gap_pts", "gap_low_pts", "gap_high_pts", "reason"]
    if len(ref) != 1 or bool(ref["uptake_suppressed"].iloc[0]):
        return pd.DataFrame(columns=columns)
    rx, rn = int(ref["vaccinated"].iloc[0]), int(ref["population"].iloc[0])
    rows = []
    for _, row in protected[protected[key] != reference].iterrows():
        out = {"group": row[key], "label": row[f"{key}_label"], "uptake_pct": row["uptake_pct"]}
        if row["uptake_suppressed"] or not row["population"]:
            out["reason"] = "suppressed (small numbers)"
        else:
            d, low, high = difference_interval(
                int(row["vaccinated"]), int(row["population"]), rx, rn
            )
            out.update(gap_pts=100 * d, gap_low_pts=100 * low, gap_high_pts=100 * high, reason="")
        rows.append(out)
    return pd.DataFrame(rows).reindex(columns=columns)


def gradient_frame(
    ics_raw: pd.DataFrame, local_raw: pd.DataFrame | None, level: str, rule: DisclosureRule
) -> pd.DataFrame:
    """Return protected uptake by deprivation for the ICS (labelled 'ICS') and chosen localities.

    `ics_raw` has raw counts by deprivation group, `local_raw` (None: no locality chosen) by
    locality of `level` and deprivation group.
    """
    frames = [protected_uptake(ics_raw, rule).assign(**{f"{level}_label": "ICS"})]
    if local_raw is not None:
        frames.append(protected_uptake(local_raw, rule))
    return pd.concat(frames, ignore_index=True)


def _percent(value: float) -> str:
    """Format one uptake in percent, or a dash when it is not shown."""
    return "–" if pd.isna(value) else f"{value:.1f}%"


def format_interval(row: pd.Series, value: str, low: str, high: str, fmt: str) -> str:
    """Return a figure and its interval, e.g. '+4.2 (+1.0 to +7.4)', or a dash when not shown."""
    if pd.isna(row[value]):
        return "–"
    return f"{row[value]:{fmt}} ({row[low]:{fmt}} to {row[high]:{fmt}})"


# The most deprived group against the least, in words (the page's caption says how each is made).
GAP_COLUMN = "Gap: most vs least deprived (95% CI)"
SII_COLUMN = "SII: most vs least deprived end (95% CI)"


def most_deprived_words(row: pd.Series, value: str, low: str, high: str) -> str:
    """Return a least-minus-most figure as the most deprived's gap in words, or a dash.

    '17.9 points lower (17.6 to 18.2 lower)': the convention of every page (phm.gap_words),
    said from the most deprived group's side, as Overview's sentence and the brief say it.
    """
    if pd.isna(row[value]):
        return "–"
    gap = gap_words(-row[value], unit=SHORT_UNIT)
    return f"{gap} ({interval_words(-row[high], -row[low])})"


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Return deprivation summaries (deprivation_summary rows) as the text table a page shows."""
    rows = [row for _, row in summary.iterrows()]
    return pd.DataFrame(
        {
            "Locality": summary["label"],
            "Most deprived %": summary["most_deprived_pct"].map(_percent),
            "Least deprived %": summary["least_deprived_pct"].map(_percent),
            GAP_COLUMN: [
                most_deprived_words(r, "gap_pts", "gap_low_pts", "gap_high_pts") for r in rows
            ],
            SII_COLUMN: [
                most_deprived_words(r, "sii_pts", "sii_low_pts", "sii_high_pts") for r in rows
            ],
            "RII (95% CI)": [format_interval(r, "rii", "rii_low", "rii_high", ".2f") for r in rows],
            "Note": summary["reason"].fillna(""),
        }
    )


def not_drawn(*gaps: pd.DataFrame) -> list[str]:
    """Return the labels of the groups gap charts leave out (those with a reason, e.g. suppressed)."""
    hidden = pd.concat(gaps)
    return [str(v) for v in hidden.loc[hidden["reason"].fillna("") != "", "label"]]

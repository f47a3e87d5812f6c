"""What every export carries: a header block naming cohort, dataset, kind, date and rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from phm.disclosure import DisclosureRule


def header_lines(
    cohort_description: str,
    meta: Mapping[str, str],
    rule: DisclosureRule,
    extra: Sequence[str] = (),
) -> list[str]:
    """Return the lines that label every export: cohort, dataset, kind, as-at date, rule."""
    kind = meta.get("kind", "unknown")
    lines = [
        f"Cohort: {cohort_description}",
        f"Dataset: {meta.get('name', 'unknown')}",
        f"Kind: {kind}" + (" (SYNTHETIC DATA: not real people)" if kind == "synthetic" else ""),
        f"Data as at: {meta.get('as_at', 'unknown')}",
        f"Disclosure control: {rule.describe()}",
    ]
    return lines + list(extra)


def to_csv(display: pd.DataFrame, header: Sequence[str]) -> str:
    """Return a displayed (already protected) table as CSV after '# ' header lines."""
    comments = "".join(f"# {line}\n" for line in header)
    return comments + display.to_csv(index=False)

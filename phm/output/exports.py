"""What every export carries: a header block naming cohort, dataset, kind, date and rule.

Every text cell of a CSV or GeoJSON export goes through `neutralise_formula`, so a
spreadsheet opening it never runs a name like `=HYPERLINK(...)` as a formula (OWASP CSV
injection: a leading single quote makes the cell text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from phm.disclosure import DisclosureRule

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text a spreadsheet reads as a plain number ("-3.2", "+1,245", "-5%"), not as a formula.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")


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


def neutralise_formula(value: object) -> object:
    """Return text a spreadsheet would run as a formula behind a single quote; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return value if PLAIN_NUMBER.fullmatch(value) else "'" + value
    return value


def neutralise_formulas(display: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of a table whose column names and text cells cannot start a formula."""
    text = display.select_dtypes(include=["object", "string", "category"]).columns
    safe = display.copy()
    for column in text:
        safe[column] = safe[column].map(neutralise_formula)
    return safe.rename(columns=neutralise_formula)


def to_csv(display: pd.DataFrame, header: Sequence[str]) -> str:
    """Return a displayed (already protected) table as CSV after '# ' header lines.

    Lines end in CRLF (RFC 4180), so a cell holding a line break is quoted, not split.
    """
    comments = "".join(f"# {' '.join(str(line).splitlines())}\r\n" for line in header)
    return comments + neutralise_formulas(display).to_csv(index=False, lineterminator="\r\n")

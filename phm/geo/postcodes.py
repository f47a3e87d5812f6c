"""UK postcodes in one spelling: upper case, one space before the three-character inward code.

Every postcode that is compared or joined (the committed reference, a user's list of places,
NHS England's site list, the ONS and OS files the reference is extracted from) goes through
`normalise_postcode` first, so 'n19gu', ' N1 9GU ' and 'N1  9GU' are one postcode.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def normalise_postcode(value: object) -> str:
    """Return a postcode as 'N1 9GU' (outward, one space, inward), or '' if it cannot be one.

    Anything but letters and digits is dropped (spaces, non-breaking spaces, punctuation);
    what is left must be 5 to 7 characters, the lengths of UK postcodes. Non-text is ''.
    """
    if not isinstance(value, str):
        return ""
    compact = _NOT_ALPHANUMERIC.sub("", value).upper()
    if not 5 <= len(compact) <= 7:
        return ""
    return f"{compact[:-3]} {compact[-3:]}"


def normalise_postcodes(values: pd.Series) -> pd.Series:
    """Return `normalise_postcode` of each value (missing values become '')."""
    return values.map(normalise_postcode).astype("string")

"""What a st.table shows: its cells and headers with the Markdown escapes read as the text they show."""

from __future__ import annotations

import re

import pandas as pd

from phm.text import WORD_JOINER

ESCAPE = re.compile(r"\\(.)")


def shown_text(text: object) -> object:
    """Return the text a backslash-escaped Markdown cell shows (other values unchanged); the
    word joiners that keep links and icons dead are invisible."""
    return ESCAPE.sub(r"\1", text).replace(WORD_JOINER, "") if isinstance(text, str) else text


def shown_table(element: object) -> pd.DataFrame:
    """Return an AppTest table element's frame as the browser shows it (escapes read)."""
    frame = element.value.copy()
    frame.columns = [shown_text(column) for column in frame.columns]
    for column in frame.columns:
        frame[column] = [shown_text(v) for v in frame[column]]
    return frame

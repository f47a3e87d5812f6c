"""Text from outside the app (links, uploads, file paths), made safe to show or to read as numbers."""

from __future__ import annotations

import re

import pandas as pd

# Every character that starts Markdown (CommonMark, GFM autolinks) or Streamlit syntax
# (:color[...], :material/...:, $LaTeX$) or HTML; CommonMark lets a backslash escape each.
MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$:&@")
LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
# Streamlit's renderer also rewrites text *after* reading its escapes: GFM's bare links
# (www.…, http(s)://…, someone@host.tld), the :streamlit: logo and :material/…: icons, and
# arrows it retypes (->, <=, --). An invisible word joiner inside each such sequence breaks it,
# and the text reads the same.
WORD_JOINER = "\u2060"
LIVE_AFTER_ESCAPES = re.compile(
    r"(?i)(?<=www)(?=\.)|(?<=:)(?=//|streamlit:|material/)|(?<=@)|(?<=[-<>~])(?=[->=])"
)
# A path's directories: from a root (/, C:\\, ~/) up to the last separator before the file name.
DIRECTORIES = re.compile(r"(?<![\w.~])(?:[A-Za-z]:|~)?(?:[\\/][^\s\\/'\"`|()\[\]<>,;]+)+[\\/]")
ASCII_DIGITS = re.compile(r"[0-9]+")
MAX_TEXT = 200  # characters in one text field of an uploaded or imported file (a site name)


def escape_markdown(text: object) -> str:
    """Return text that Streamlit's Markdown shows literally: specials escaped, one line, and a
    word joiner inside whatever Streamlit would still turn into a link, an icon or an arrow."""
    flat = LIVE_AFTER_ESCAPES.sub(WORD_JOINER, LINE_BREAKS.sub(" ", str(text)))
    return "".join("\\" + c if c in MARKDOWN_SPECIALS else c for c in flat)


def escape_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a table whose headers and text cells a Markdown table (st.table) shows literally.

    st.table renders every cell as Markdown, and its cells hold outside text (place names from
    the data, intervention names people typed): all text is escaped, ours too, so none is missed.
    """
    out = frame.copy()
    out.columns = [escape_markdown(column) for column in frame.columns]
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):  # object or pandas' string dtype
            out[column] = [escape_markdown(v) if isinstance(v, str) else v for v in out[column]]
    return out


def strip_directories(text: object) -> str:
    """Return text with every file path cut to its file name (no server directories)."""
    return DIRECTORIES.sub("", str(text))


def parse_whole_number(text: object, most: int) -> int | None:
    """Return text as a whole number from 0 to `most` (ASCII digits only), or None."""
    if not isinstance(text, str):
        return None
    digits = text.strip()
    if not ASCII_DIGITS.fullmatch(digits) or len(digits) > len(str(most)):
        return None
    number = int(digits)
    return number if number <= most else None


def too_long(where: str, text: object) -> str | None:
    """Return why a text field longer than MAX_TEXT is refused, naming where it is (else None)."""
    length = len(str(text))
    if length <= MAX_TEXT:
        return None
    return f"{where}: the value has {length:,} characters; at most {MAX_TEXT} are allowed"

"""Outside text made safe (phm.text): Markdown shown literally, paths cut, strict URL numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phm.text import (
    MARKDOWN_SPECIALS,
    WORD_JOINER,
    escape_markdown,
    parse_whole_number,
    strip_directories,
)

PHISHING = "[Your session expired - sign in again](https://phish.example/login)"
IMAGE = "![x](https://evil.example/x.png)"
NASTY = [
    PHISHING,
    IMAGE,
    "<https://phish.example>",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` ~~gone~~ :red[red] :material/lock: $x^2$",
    "# heading\n- item\n> quote\n===",
    "https://phish.example/login www.phish.example someone@phish.example",
    "&lt;b&gt; &#60;",
    "back\\slash \\[ \\",
]


def unescaped_specials(body: str) -> list[str]:
    """Return the Markdown specials of a body that no backslash escapes (as a parser reads them)."""
    found, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in MARKDOWN_SPECIALS:
            i += 2
            continue
        if body[i] in MARKDOWN_SPECIALS:
            found.append(body[i])
        i += 1
    return found


def unescape(body: str) -> str:
    """Return the text CommonMark shows for a body of backslash escapes (word joiners unseen)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body).replace(WORD_JOINER, "")


# What Streamlit 1.67's Markdown (StreamlitMarkdown) still makes live *after* reading escapes,
# so backslashes alone cannot stop it (each was seen live in Chromium in a st.table cell):
# GFM's bare links (mdast-util-gfm-autolink-literal runs on the text nodes), the :streamlit:
# logo, arrows it retypes, and :material/…: icons (found in the source, escapes and all).
LIVE_IN_TEXT = [
    re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE),
    re.compile(r"(?<![^\s\W])([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)"),
    re.compile(r":streamlit:"),
    re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
]
LIVE_IN_SOURCE = re.compile(r":material/")


def live_after_escapes(body: str) -> list[str]:
    """Return what Streamlit's renderer would still turn into a link, logo, arrow or icon."""
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body)  # the text nodes it searches
    found = [m.group(0) for pattern in LIVE_IN_TEXT for m in pattern.finditer(text)]
    return found + LIVE_IN_SOURCE.findall(body)


@pytest.mark.parametrize("text", NASTY)
def test_escaped_markdown_has_no_live_syntax_and_reads_as_the_original(text: str) -> None:
    body = escape_markdown(text)
    assert unescaped_specials(body) == []
    assert live_after_escapes(body) == []
    assert "\n" not in body and "\r" not in body
    assert unescape(body) == " ".join(text.splitlines())


def test_a_phishing_link_and_an_image_become_literal_text() -> None:
    body = escape_markdown(f"Ignored ethnicity={PHISHING!r} {IMAGE}")
    assert "](" not in body and "![" not in body and "https://" not in body
    link = (
        r"\[Your session expired \- sign in again\]\(https\:"
        + WORD_JOINER
        + r"//phish\.example/login\)"
    )
    assert link in body


@given(st.text(max_size=200))
def test_any_text_escapes_to_no_live_syntax(text: str) -> None:
    body = escape_markdown(text)
    assert unescaped_specials(body) == []
    assert live_after_escapes(body) == []
    expected = re.sub(r"[\r\n\u2028\u2029\x0b\x0c\x85]+", " ", text)
    assert unescape(body) == expected.replace(WORD_JOINER, "")


@pytest.mark.parametrize(
    "text",
    [
        "https://phish.example/login",
        "HTTP://PHISH.EXAMPLE",
        "www.phish.example",
        "Sign in at WWW.phish.example now",
        "someone@phish.example",
        "mailto:someone@phish.example",
        ":material/lock: :streamlit:",
        "a -> b <- c <-> d -- e >= f <= g ~= h",
    ],
)
def test_text_streamlit_rewrites_after_escapes_stays_dead_and_reads_the_same(text: str) -> None:
    body = escape_markdown(text)
    assert live_after_escapes(body) == []
    assert unescape(body) == text


def test_numbers_and_marks_in_table_cells_are_left_as_they_read() -> None:
    for text in ("<8", "–", "-5", "3 (-5 to 11)", "58.6% (58.6–58.7%)", "£1,500", "10:30"):
        assert unescape(escape_markdown(text)) == text
    assert WORD_JOINER not in escape_markdown("<8 – -5 3 (-5 to 11) 58.6%")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/srv/phm/data/in/persons.csv: no such file", "persons.csv: no such file"),
        ("database /tmp/pytest-1/data0/april.duckdb", "database april.duckdb"),
        (r"C:\Users\nhs\extract\sites.xlsx is empty", "sites.xlsx is empty"),
        ("cannot read ~/exports/practices.csv", "cannot read practices.csv"),
        ("(/var/lib/phm/a.duckdb)", "(a.duckdb)"),
        ("lon/lat and name/postcode columns", "lon/lat and name/postcode columns"),
        ("no path here", "no path here"),
    ],
)
def test_strip_directories_keeps_file_names_only(text: str, expected: str) -> None:
    assert strip_directories(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", 10),
        ("0", 0),
        (" 7 ", 7),
        ("10000", 10_000),
        ("10001", None),
        ("²", None),  # str.isdigit() says yes, int() refuses
        ("١٢", None),  # Arabic-Indic digits: int() reads 12, the URL means nothing
        ("１２", None),  # full-width digits
        ("-1", None),
        ("+5", None),
        ("1e9", None),
        ("1_000", None),
        ("1.0", None),
        ("", None),
        ("9" * 5000, None),  # longer than int() accepts
        (None, None),
    ],
)
def test_parse_whole_number_takes_ascii_digits_in_range_only(text, expected) -> None:
    assert parse_whole_number(text, 10_000) == expected


def test_a_markdown_table_escapes_every_header_and_text_cell_and_keeps_numbers() -> None:
    import pandas as pd

    from phm.text import escape_table

    frame = pd.DataFrame({"Name": [PHISHING, "Barnet"], IMAGE: ["66.2%", None], "n": [3, 4]})
    shown = escape_table(frame)
    texts = [*shown.columns, *shown["Name"], shown.iloc[0, 1]]
    assert all(unescaped_specials(str(text)) == [] for text in texts)
    assert [unescape(str(t)) for t in texts] == ["Name", IMAGE, "n", PHISHING, "Barnet", "66.2%"]
    assert pd.isna(shown.iloc[1, 1]) and list(shown["n"]) == [3, 4]
    assert list(frame["Name"]) == [PHISHING, "Barnet"]  # the frame given is not changed


def streamlit_calls(found) -> list[str]:
    """Return 'file:line' of every line of views/ and components/ for which found(line) holds."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return [
        f"{path.relative_to(root)}:{number}"
        for folder in ("views", "components")
        for path in sorted((root / folder).glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if found(line)
    ]


def test_every_streamlit_table_is_drawn_through_the_escaping_helper() -> None:
    calls = streamlit_calls(lambda line: "st.table(" in line and "escape_table(" not in line)
    assert calls == []  # st.table reads cells as Markdown: use components.render.whole_table


def test_every_grid_is_drawn_through_the_helper_that_drops_its_index() -> None:
    calls = streamlit_calls(lambda line: ".dataframe(" in line and "target.dataframe(" not in line)
    assert calls == []  # a grid sends its index even hidden: use components.render.grid

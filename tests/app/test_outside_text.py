"""Text from a link or an upload is shown as literal text, and bad URL numbers never crash a page.

An attacker's link (`/explore?ethnicity=[Your session expired - sign in again](https://...)`)
or a site name in an uploaded CSV reaches warnings and errors; each check reads the Markdown
body Streamlit would render and finds no live link, image or HTML syntax in it.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from phm import codes
from phm.analysis.business_case import INTERVENTIONS
from tests.signin import as_user, provider_sign_in

ROOT = Path(__file__).resolve().parents[2]
PHISHING = "[Your session expired - sign in again](https://phish.example/login)"
IMAGE = "![x](https://evil.example/x.png)"
# Link, image, autolink or HTML syntax that no backslash escapes.
LIVE_SYNTAX = re.compile(r"(?<!\\)(?:\]\(|!\[|<[A-Za-z/!?]|https?:)")
# What the attacker's text leaves in a body, escaped or not.
OUTSIDE = re.compile(r"phish|evil|onerror|<b>|\\<b\\>|sign in again|Ignored|Row \d")
MAX_TEXT = 200  # characters in one uploaded text cell
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]


def bodies(at: AppTest) -> list[str]:
    """Return the Markdown bodies of every alert and text element of a run."""
    kinds = (at.warning, at.error, at.info, at.markdown, at.caption, at.success)
    return [str(e.value) for kind in kinds for e in kind]


def plain(body: str) -> str:
    """Return the text a Markdown body of backslash escapes shows."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body).replace("\u2060", "")  # word joiners


def assert_literal(at: AppTest, needle: str) -> str:
    """Assert no shown body has live syntax and one shows `needle`; return the text it shows."""
    shown = bodies(at)
    outside = [b for b in shown if OUTSIDE.search(b)]  # the page's own links may stay live
    live = [b for b in outside if LIVE_SYNTAX.search(b)]
    assert live == [], f"live Markdown syntax in {live}"
    matching = [plain(b) for b in shown if needle in plain(b)]
    assert matching, f"{needle!r} not in {shown}"
    return matching[0]


def app_with_url(params: dict[str, list[str]], page: str = "about.py") -> AppTest:
    """Run the whole app (its sidebar reads the link) on one page, as if opened from a link.

    Signed in through a provider: published figures are not synthetic, so need one.
    """
    at = provider_sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    at.switch_page(f"views/{page}")
    at.query_params.update(params)
    return at.run()


@pytest.mark.parametrize(
    "params",
    [
        {"ethnicity": [PHISHING]},
        {"language": [IMAGE]},
        {"age_min": [PHISHING]},
        {"has_diabetes": ["<img src=x onerror=alert(1)>"]},
        {"as_at": [f"{PHISHING} {IMAGE}"]},
    ],
)
def test_a_link_with_markdown_in_a_cohort_value_warns_in_literal_text(app_env, params) -> None:
    at = app_with_url(params)
    assert not at.exception
    body = assert_literal(at, "Ignored")
    assert "phish" in body or "evil" in body or "img" in body


@pytest.fixture
def published_env(published_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the small published-aggregate database."""
    monkeypatch.setenv("PHM_DB", str(published_db))
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    return published_db


def test_a_link_with_markdown_in_a_published_choice_warns_in_literal_text(published_env) -> None:
    at = app_with_url({"borough": [PHISHING], "age_band": [IMAGE], "dose": ["<b>2</b>"]})
    assert not at.exception
    assert_literal(at, "Ignored borough")
    assert_literal(at, "Ignored age_band")


def business_case_with_url(params: dict[str, list[str]]) -> AppTest:
    """Run the Business case page as if opened from a link."""
    at = as_user(AppTest.from_file(str(ROOT / "views" / "business_case.py"), default_timeout=60))
    for flag in codes.FLAGS:
        at.session_state[flag] = "any"
    at.session_state["dose"] = "1"
    at.query_params.update(params)
    return at.run()


@pytest.mark.parametrize(
    "units", ["²", "١٢", "１２", "-1", "1e9", "+5", "10001", "9" * 5000, "1" * 30, PHISHING]
)
def test_a_bad_number_of_units_in_a_link_is_ignored_with_a_literal_warning(app_env, units) -> None:
    at = business_case_with_url({"intervention": ["popup"], "popup_units": [units]})
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="bc_popup_units").value == INTERVENTIONS["popup"].units
    assert_literal(at, "Ignored popup_units")


def test_a_good_number_of_units_in_a_link_still_sets_the_plan(app_env) -> None:
    at = business_case_with_url({"intervention": ["bus"], "bus_units": ["4"]})
    assert not at.exception
    assert at.number_input(key="bc_bus_units").value == 4
    assert not at.warning or all("Ignored" not in w.value for w in at.warning)


def csv_rows(text: str) -> list[dict[str, str]]:
    """Return the rows of an exported CSV after its '# ' header lines."""
    lines = [line for line in text.splitlines() if not line.startswith("# ")]
    return list(csv.DictReader(lines))


def plan_from_upload(name: str, content: bytes) -> AppTest:
    """Run Plan outreach and plan pop-ups at the places of an uploaded CSV."""
    at = as_user(AppTest.from_file(str(ROOT / "views" / "outreach.py"), default_timeout=120))
    for flag in codes.FLAGS:
        at.session_state[flag] = "any"
    at.session_state["dose"] = "1"
    at.run()
    at.radio(key="popup_source").set_value("upload")
    at.file_uploader(key="popup_file").upload(name, content, "text/csv")
    at.button[0].click()
    return at.run()


def test_uploaded_site_names_show_as_literal_text_and_export_neutralised(
    app_env, downloads
) -> None:
    rows = [f'"{n.replace(chr(34), chr(34) * 2)}",E8 2BB' for n in FORMULAS]
    rows += [f"{PHISHING},ZZ9 9ZZ", f"{IMAGE},ZZ9 9ZY", "Library,E8 2LA"]
    content = ("name,postcode\n" + "\n".join(rows) + "\n").encode()
    at = plan_from_upload("sites.csv", content)
    assert not at.exception, [e.value for e in at.exception]
    body = assert_literal(at, "sign in again")
    assert "ZZ9 9ZZ" in body and "not found" in body
    table = csv_rows(downloads["popup-sites.csv"])
    geojson = json.loads(downloads["popup-sites.geojson"])
    for names in (
        [row["Site"] for row in table],
        [f["properties"]["Site"] for f in geojson["features"]],
    ):
        # Only sites that reach someone are planned; every one shown is neutralised.
        assert names and set(names) <= {"Library", *(f"'{f}" for f in FORMULAS)}
        assert any(name.startswith("'") for name in names)


def test_an_overlong_site_name_is_refused_naming_file_row_and_column(app_env) -> None:
    content = f"name,postcode\nLibrary,E8 2LA\n{'A' * 10_000},E8 2BB\n".encode()
    at = plan_from_upload("my places.csv", content)
    assert not at.exception
    [error] = at.error
    message = plain(error.value)
    assert "my places.csv, row 3, column 'name'" in message
    assert "10,000 characters" in message and f"at most {MAX_TEXT}" in message
    assert "A" * (MAX_TEXT + 1) not in message


def test_the_upload_widget_states_its_size_limit(app_env) -> None:
    at = as_user(AppTest.from_file(str(ROOT / "views" / "outreach.py"), default_timeout=120))
    for flag in codes.FLAGS:
        at.session_state[flag] = "any"
    at.session_state["dose"] = "1"
    at.run()
    uploader = at.file_uploader(key="popup_file")
    assert "5 MB" in uploader.label or "5 MB" in (uploader.help or "")
    assert uploader.proto.max_upload_size_mb == 5

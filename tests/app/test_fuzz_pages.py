"""Nothing a workshop participant clicks or pastes shows a traceback: every page, random inputs.

Each page file in views/ runs with a random valid cohort (Hypothesis draws the sidebar's
session state), then with random values in its own number inputs; and the
whole app runs each page with random malformed URL parameters. Few examples per page keep
the suite quick; buttons are never pressed (they start ingests and downloads).
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from phm import codes
from phm.cohort import PROGRAMME_START, URL_KEYS

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = sorted(p.name for p in (ROOT / "views").glob("*.py"))
DATA_AS_AT = date(2022, 3, 31)
FEW = settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def subsets(values) -> st.SearchStrategy[list]:
    """Return a strategy of small subsets of fixed code lists."""
    return st.lists(st.sampled_from(list(values)), max_size=2, unique=True)


@st.composite
def cohort_states(draw) -> dict[str, object]:
    """Draw session state the cohort picker could leave behind (valid widget values)."""
    state: dict[str, object] = {
        flag: draw(st.sampled_from(("any", "yes", "no"))) for flag in codes.FLAGS
    }
    state["dose"] = draw(st.sampled_from(list(codes.DOSES)))
    state["sex"] = draw(subsets(codes.SEXES))
    state["imd_quintile"] = draw(subsets(codes.IMD_QUINTILES))
    state["ethnic_group"] = draw(subsets(codes.ETHNIC_GROUPS))
    state["age_band"] = draw(subsets(codes.AGE_BAND_LABELS))
    state["age_min"] = draw(st.none() | st.integers(0, 120))
    state["age_max"] = draw(st.none() | st.integers(0, 120))
    days = (DATA_AS_AT - PROGRAMME_START).days
    state["as_at"] = PROGRAMME_START + timedelta(days=draw(st.integers(0, days)))
    return state


URL_NAMES = [
    *URL_KEYS.values(),
    "age_min",
    "age_max",
    "dose",
    "programme",
    "as_at",
    "present",
    "is_housebound",
    "has_learning_disability",
    "nonsense",
]
malformed_params = st.dictionaries(
    st.sampled_from(URL_NAMES),
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(["-1", "999", "1e9", "2019-02-30", "yes", "'; DROP TABLE person;--"]),
            st.text(min_size=61, max_size=80),
        ),
        min_size=1,
        max_size=3,
    ),
    min_size=1,
    max_size=4,
)


def assert_no_exception(at: AppTest, what: str) -> None:
    """Fail with the page's exception text when a run raised."""
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"


def perturb_widgets(at: AppTest, data) -> None:
    """Set the page's number inputs to random values within their bounds.

    Select boxes are left alone: AppTest cannot replay a select box whose value is None.
    """
    for widget in at.number_input:
        if widget.value is None or widget.disabled:
            continue
        factor = data.draw(st.sampled_from((0, 0.5, 2, 10)), label=f"x {widget.label}")
        value = widget.value * factor
        low = widget.min if widget.min is not None else value
        high = widget.max if widget.max is not None else value
        value = min(max(value, low), high)
        widget.set_value(type(widget.value)(value))


@pytest.mark.parametrize("page", PAGE_FILES)
@FEW
@given(state=cohort_states(), data=st.data())
def test_page_survives_random_cohorts_and_widget_values(run_page, page, state, data):
    at = run_page(page, **state)
    assert_no_exception(at, f"{page} with {state}")
    perturb_widgets(at, data)
    at.run()
    assert_no_exception(at, f"{page} with {state} after widget changes")


@pytest.mark.parametrize("page", PAGE_FILES)
@FEW
@given(params=malformed_params)
def test_app_survives_malformed_url_parameters(app_env, page, params):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(params)
    at.run()
    assert_no_exception(at, f"landing page with {params}")
    at.switch_page(f"views/{page}")
    at.query_params.clear()
    at.query_params.update({**params, "dose": ["banana"]})
    at.run()
    assert_no_exception(at, f"{page} with {params}")

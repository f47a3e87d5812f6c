"""Nothing a workshop participant clicks or pastes shows a traceback: every page, random inputs.

Three properties, with few examples per page to stay quick:

- the page alone runs with a random valid cohort (Hypothesis draws the session state the
  sidebar's cohort picker leaves behind), then its own widgets are driven (below);
- the whole app (app.py, so the sidebar's picker too) is driven on each page of its navigation,
  with the demo's person records and with a published-figures dataset (aggregate mode);
- the whole app survives random malformed URL parameters on each of those pages.

"Driven" means two or three reruns; before each, Hypothesis picks up to three widgets of the
sidebar and up to three of the page, and gives each a random valid value, in random order.
A widget that appears only after an earlier change (the Map's walking distance once rings are
on, Compare's side-by-side list for a new level, the Data page's dataset box once the
administrator token is typed) is driven in a later rerun. Values by widget kind:

- number_input: a bound, or any int/float between the bounds (up to 1e9 where unbounded);
  empty (None) when the widget has no default and is not required;
- selectbox, radio: any option; empty when the widget has no default (index=None);
- multiselect: a random subset of the options in random order, at most max_selections;
- segmented_control and pills (AppTest's button_group): one option, or none unless
  required=True, for single-select; a random subset for multi-select;
- toggle, checkbox: True or False;
- slider, select_slider: a value or (for a range slider) an ordered pair within the bounds;
- date_input: a date (or an ordered pair) between min and max;
- time_input: a time on the widget's step;
- text_input, text_area: short random text, formula-injection and markup strings
  (=HYPERLINK("..."), +cmd, @SUM, <script>, SQL), very long strings (up to 100,000 characters),
  and on the Data page the administrator token; cut to max_chars as the browser does;
- color_picker: any #rrggbb.

Tabs and expanders need no driving: AppTest runs every tab's and expander's body anyway.

Never touched: buttons, form submit buttons and download buttons (they start ingests, long
optimisations and downloads), menu buttons (a click), file uploaders, camera/audio/chat
inputs. A widget kind not listed above makes the test fail, so a new kind gets driven.

What AppTest (Streamlit 1.67) cannot do, and what this module does instead:

- Choosing an option by its label breaks for widgets whose format_func maps anything that is
  not an option to None (e.g. ``format_func=LEVELS.get``): ``selectbox.select_index(i)`` and
  ``set_value(label)`` make AppTest call ``format_func(label)`` -> None and fail with
  "ValueError: None is not in list" (streamlit issue #8019); ``set_value(option)`` needs the raw
  option, which AppTest does not expose (the proto holds labels only). The browser sends the
  label, so this module marks chosen labels with ``Label`` and makes AppTest send them as they
  are (the ``labels_as_the_browser_sends`` fixture wraps each option widget's format_func in
  AppTest, not in the app); everything else is AppTest's own code.
- Widgets inside an st.form are left alone: AppTest, like a browser, commits them only when
  the form's submit button is pressed, which this test never does. The Plan outreach page's
  two forms hold the app's only radio, checkboxes and time input (each submit starts the site
  optimisation or the route planner), so those kinds are proven settable only by
  test_the_driver_sets_every_widget_kind, on a small script with one widget of every kind.
- A click on a chart (the Map's pydeck selection) is not a widget AppTest can set; the Map's
  area picker, which the click only fills in, is driven instead.
"""

from __future__ import annotations

import tempfile
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.proto.ButtonGroup_pb2 import ButtonGroup as ButtonGroupProto
from streamlit.proto.NumberInput_pb2 import NumberInput as NumberInputProto
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.testing.v1 import AppTest, element_tree
from streamlit.testing.v1.element_tree import Widget

from components import pages
from phm import codes
from phm.access import Role
from phm.cohort import FIELDS
from tests.signin import demo_user, provider_sign_in

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = sorted(p.name for p in (ROOT / "views").glob("*.py"))
# The pages in the app's navigation: person records (the demo), or published figures only
# (aggregate mode), as components.pages.navigation() lists them.
APP_PAGES = [
    *(("person", pages.PAGES[n].file) for n in pages.PAGES if n not in pages.AGGREGATE_PAGES[:2]),
    *(("published", pages.PAGES[n].file) for n in pages.AGGREGATE_PAGES),
]
DATA_AS_AT = date(2022, 3, 31)
# The administrator's pages (and the Data page, where the administrator sees most) are driven
# as the administrator, the others as a commissioner, who may open every population page.
ADMIN_FILES = {"audit.py", "usage.py", "data.py"}


def role_for(page: str) -> Role:
    """Return the role that may open a page file and sees the most of it."""
    return Role.ADMINISTRATOR if page in ADMIN_FILES else Role.COMMISSIONER


FEW = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UNBOUNDED = 1e9  # the largest number typed into a number input without a bound
NEVER_TOUCHED = {
    "button",  # also form submit buttons
    "download_button",
    "menu_button",
    "file_uploader",
    "camera_input",
    "audio_input",
    "chat_input",
}
NASTY_TEXT = [
    '=HYPERLINK("http://example.com","click")',
    "=1+2",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "'; DROP TABLE person;--",
    "<script>alert(1)</script>",
    "**bold** :red[red] $x^2$ [link](javascript:alert(1))",
    "\x00\x1b[31m",
    "Ῥόδος 🙂 ‮",
    "   ",
]
texts = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=30),
    st.builds(
        lambda s, n: (s * n)[:100_000], st.text(min_size=1, max_size=5), st.integers(1, 100_000)
    ),
)


class Label(str):
    """An option's label, sent as it is (as the browser sends it), not through format_func."""


@pytest.fixture(autouse=True)
def labels_as_the_browser_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make AppTest send a `Label` value as the option label it is (see the module docstring)."""
    for kind in (
        element_tree.Selectbox,
        element_tree.Radio,
        element_tree.Multiselect,
        element_tree.ButtonGroup,
        element_tree.SelectSlider,
    ):
        original = kind.format_func.fget

        def format_func(widget, original=original):
            app_format = original(widget)
            return lambda v: str(v) if isinstance(v, Label) else app_format(v)

        monkeypatch.setattr(kind, "format_func", property(format_func))


@pytest.fixture
def dataset(
    request: pytest.FixtureRequest,
    app_env: Path,
    published_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """Point the app at the demo's person records or at the small published-figures dataset."""
    if request.param == "published":
        monkeypatch.setenv("PHM_DB", str(published_db))
    return request.param


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
    return state


URL_NAMES = [
    *(f.url_key for f in FIELDS),
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


def _labels(widget: Widget, indices) -> list[Label]:
    return [Label(widget.options[i]) for i in indices]


def _index_subsets(n: int, most: int | None = None) -> st.SearchStrategy[list[int]]:
    """Random subsets of range(n) in random order, of at most `most` (0 or None: any number)."""
    return st.lists(st.integers(0, n - 1), unique=True, max_size=most or n) if n else st.just([])


def _number_values(widget) -> st.SearchStrategy:
    """Any value a user can type into a number input: a bound or anything in between."""
    proto = widget.proto
    low = widget.min if widget.min is not None else -UNBOUNDED
    high = widget.max if widget.max is not None else UNBOUNDED
    if proto.data_type == NumberInputProto.INT:
        values = st.sampled_from([int(low), int(high)]) | st.integers(int(low), int(high))
    else:
        values = st.sampled_from([low, high]) | st.floats(low, high, allow_nan=False)
    may_be_empty = not proto.HasField("default") and not proto.required
    return st.none() | values if may_be_empty else values


def _slider_values(widget) -> st.SearchStrategy:
    proto = widget.proto
    if proto.data_type == SliderProto.INT:
        one = st.integers(int(proto.min), int(proto.max))
    elif proto.data_type == SliderProto.FLOAT:
        one = st.floats(proto.min, proto.max, allow_nan=False)
    else:
        raise AssertionError(f"drive a {proto.data_type} slider ({widget.label!r}) in this test")
    if isinstance(widget.value, (list, tuple)):
        return st.lists(one, min_size=2, max_size=2).map(sorted)
    return one


def _dates(widget) -> st.SearchStrategy:
    one = st.dates(widget.min, widget.max)
    if widget.proto.is_range:
        return st.lists(one, min_size=2, max_size=2).map(lambda d: tuple(sorted(d)))
    return one


def _times(widget) -> st.SearchStrategy[time]:
    step = widget.proto.step or 900
    return st.integers(0, 24 * 3600 // step - 1).map(
        lambda k: time(k * step // 3600, k * step % 3600 // 60, k * step % 60)
    )


def value_strategy(widget: Widget) -> st.SearchStrategy:
    """Return a strategy of valid values for one widget (labels for option widgets)."""
    kind = widget.type
    if kind == "number_input":
        return _number_values(widget)
    if kind in ("selectbox", "radio"):
        choices = st.integers(0, len(widget.options) - 1).map(lambda i: _labels(widget, [i])[0])
        may_be_empty = not widget.proto.HasField("default")
        return st.none() | choices if may_be_empty else choices
    if kind == "multiselect":
        n = len(widget.options)
        return _index_subsets(n, widget.proto.max_selections).map(lambda i: _labels(widget, i))
    if kind == "button_group":
        n = len(widget.options)
        if widget.proto.click_mode == ButtonGroupProto.ClickMode.SINGLE_SELECT:
            one = st.integers(0, n - 1).map(lambda i: _labels(widget, [i])[0])
            return one if widget.proto.required else st.none() | one
        return _index_subsets(n).map(lambda i: _labels(widget, i))
    if kind in ("toggle", "checkbox"):
        return st.booleans()
    if kind == "slider":
        return _slider_values(widget)
    if kind == "select_slider":
        n = len(widget.options)
        if isinstance(widget.value, (list, tuple)):
            pairs = st.lists(st.integers(0, n - 1), min_size=2, max_size=2).map(sorted)
            return pairs.map(lambda i: _labels(widget, i))
        return st.integers(0, n - 1).map(lambda i: _labels(widget, [i])[0])
    if kind == "date_input":
        return _dates(widget)
    if kind == "time_input":
        return _times(widget)
    if kind in ("text_input", "text_area"):
        most = widget.proto.max_chars
        return texts.map(lambda t: t[:most] if most else t)
    if kind == "color_picker":
        return st.integers(0, 0xFFFFFF).map(lambda c: f"#{c:06x}")
    raise AssertionError(f"drive the {kind} widget {getattr(widget, 'label', '')!r} in this test")


def drivable(at: AppTest) -> dict[str, dict[str, Widget]]:
    """Return the widgets on screen a user can change: the sidebar's and the page's, by id."""
    found: dict[str, dict[str, Widget]] = {}
    for name, block in (("sidebar", at.sidebar), ("page", at.main)):
        found[name] = {}
        for node in block:
            if not isinstance(node, Widget) or node.type in NEVER_TOUCHED:
                continue
            if node.proto.disabled or element_tree._widget_form_id(node):
                continue  # a disabled widget can't be set; a form's only commits on submit
            if node.type == "selectbox" and not node.options:
                continue
            found[name][node.id] = node
    return found


def drive_widgets(at: AppTest, data, what: str) -> None:
    """Over two or three reruns, set a few random widgets of the sidebar and the page each.

    The sidebar's cohort picker has some 35 widgets, so the page's few are drawn apart from
    them (else they would seldom be picked); the changes are applied in random order.
    """
    for rerun in range(data.draw(st.integers(2, 3), label="reruns")):
        chosen: list[Widget] = []
        for place, widgets in drivable(at).items():
            ids = sorted(widgets)
            picked = data.draw(
                st.lists(st.sampled_from(ids), max_size=3, unique=True) if ids else st.just([]),
                label=f"rerun {rerun}: {place} widget ids",
            )
            chosen += [widgets[i] for i in picked]
        if not chosen:
            continue
        # A permutation of positions, not of the widgets: hypothesis caches strategies by their
        # arguments, and comparing two AppTest widgets for that cache fails inside their tree
        # (AttributeError: 'ElementTree' has no 'proto'), so a replayed example stopped early.
        order = data.draw(st.permutations(range(len(chosen))), label=f"rerun {rerun}: order")
        for widget in (chosen[i] for i in order):
            label = f"rerun {rerun}: {widget.type} {getattr(widget, 'label', widget.id)!r}"
            widget.set_value(data.draw(value_strategy(widget), label=label))
        at.run()
        assert_no_exception(at, f"{what}, rerun {rerun}")


def fresh_state_db(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give one example its own empty app state (PHM_STATE_DB).

    An example that records an intervention would otherwise leave it for the next, whose page
    then offers other choices: the same draws must meet the same widgets (hypothesis checks).
    """
    monkeypatch.setenv("PHM_STATE_DB", str(Path(tempfile.mkdtemp(prefix="fuzz-state-")) / "s.db"))


@pytest.mark.parametrize("page", PAGE_FILES)
@FEW
@given(state=cohort_states(), data=st.data())
def test_page_survives_random_cohorts_and_widget_values(run_page, page, state, data, monkeypatch):
    fresh_state_db(monkeypatch)
    at = run_page(page, principal=demo_user(role_for(page)), **state)
    assert_no_exception(at, f"{page} with {state}")
    drive_widgets(at, data, f"{page} with {state}")


@pytest.mark.parametrize(("dataset", "page"), APP_PAGES, indirect=["dataset"])
@FEW
@given(data=st.data())
def test_app_survives_random_clicks_in_the_sidebar_and_page(dataset, page, data, monkeypatch):
    fresh_state_db(monkeypatch)
    at = provider_sign_in(
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), role_for(page)
    )
    at.run()
    at.switch_page(f"views/{page}").run()
    assert_no_exception(at, page)
    drive_widgets(at, data, f"app on {page}")


@pytest.mark.parametrize(("dataset", "page"), APP_PAGES, indirect=["dataset"])
@FEW
@given(params=malformed_params)
def test_app_survives_malformed_url_parameters(dataset, page, params):
    at = provider_sign_in(
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), role_for(page)
    )
    at.query_params.update(params)
    at.run()
    assert_no_exception(at, f"landing page with {params}")
    at.switch_page(f"views/{page}")
    at.query_params.clear()
    at.query_params.update({**params, "dose": ["banana"]})
    at.run()
    assert_no_exception(at, f"{page} with {params}")


def test_every_page_file_is_driven_from_the_app():
    assert {page for _, page in APP_PAGES} == set(PAGE_FILES)


def test_the_driver_sets_every_widget_kind():
    """Every kind the driver knows is set to a drawn value, including format_func=dict.get ones."""

    def script():
        from datetime import date, time

        import streamlit as st

        names = {"a": "Alpha", "b": "Beta", "c": "Gamma"}
        values = [
            st.number_input("n", 0, 10, 5, key="n"),
            st.number_input("f", value=None, key="f"),
            st.selectbox("s", list(names), format_func=names.get, key="s"),
            st.selectbox("s0", list(names), index=None, format_func=names.get, key="s0"),
            st.multiselect("m", list(names), format_func=names.get, max_selections=2, key="m"),
            st.radio("r", list(names), format_func=names.get, key="r"),
            st.segmented_control("g", list(names), format_func=names.get, key="g"),
            st.pills("p", list(names), format_func=names.get, selection_mode="multi", key="p"),
            st.toggle("t", key="t"),
            st.checkbox("c", key="c"),
            st.slider("sl", 0, 100, (10, 20), key="sl"),
            st.select_slider("ss", list(names), format_func=names.get, key="ss"),
            st.date_input("d", date(2021, 1, 1), date(2020, 12, 8), date(2022, 3, 31), key="d"),
            st.time_input("ti", time(9, 0), step=900, key="ti"),
            st.text_input("tx", max_chars=20, key="tx"),
            st.text_area("ta", key="ta"),
            st.color_picker("cp", key="cp"),
        ]
        st.button("never pressed")
        st.session_state["seen"] = values

    at = AppTest.from_function(script).run()
    widgets = drivable(at)["page"]
    assert {w.type for w in widgets.values()} >= {
        "number_input", "selectbox", "multiselect", "radio", "button_group", "toggle",
        "checkbox", "slider", "select_slider", "date_input", "time_input", "text_input",
        "text_area", "color_picker",
    }  # fmt: skip
    assert "button" not in {w.type for w in widgets.values()}

    @settings(max_examples=10, deadline=None)
    @given(data=st.data())
    def check(data):
        for widget in drivable(at)["page"].values():
            widget.set_value(data.draw(value_strategy(widget), label=widget.key))
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        seen = at.session_state["seen"]
        raw = {"a", "b", "c"}  # the script gets options, not labels, back
        assert seen[2] in raw and seen[3] in raw | {None} and seen[5] in raw
        assert set(seen[4]) <= raw and len(seen[4]) <= 2 and set(seen[7]) <= raw
        assert seen[6] in raw | {None} and seen[11] in raw
        assert len(seen[14] or "") <= 20

    check()

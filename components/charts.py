"""Charts drawn from Vega-Lite specs cached on what they draw, shared by sessions and reruns.

`draw(builder, *args, **kwargs)` draws `builder(*args, **kwargs)` (a phm.output builder that
returns an Altair chart of protected frames) as `st.altair_chart` would, but builds it only
when no session has drawn the same chart yet: the spec Streamlit sends (its datasets already
Arrow bytes) is cached under the builder's name and the content of its arguments. Building an
Altair chart, validating it against the Vega-Lite schema and serialising it took most of a
cached page view's server time (Compare draws five charts every run), and Streamlit converts
every chart under one process-wide lock, so a room's sessions queued behind each other's
charts.

The key is the arguments' content: every frame is hashed whole (values, index, column names,
dtypes and `attrs`), so two charts share a spec only when they would draw the same thing, and
a session can only ever get the chart of frames it already holds. The spec is made the way
Streamlit's `st.altair_chart` makes it (its Arrow data transformer, the "none" theme under
its lock; tests/app/test_chart_specs.py checks it is the same spec), without the schema
validation: the builders' specs are validated by their unit tests.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from altair.utils import schemapi

# Private to Streamlit, pinned in requirements.txt (streamlit==1.67.0); the test above
# compares the result with st.altair_chart's own conversion.
from streamlit.elements import vega_charts

from components import presentation
from components.data import TTL

_converters: dict[tuple[type, ...], schemapi._FromDict] = {}
_converters_lock = threading.Lock()


def _from_dict(cls: type[schemapi.SchemaBase], dct: Any, validate: bool = True) -> Any:
    """Altair's `SchemaBase.from_dict`, reusing one converter per set of wrapper classes.

    Altair builds its converter (a table of every schema class, each schema dumped to JSON
    and hashed: 3-4 ms) on every call, and `encode("field:N")` calls it for every channel:
    that was a third of building a chart. The table depends only on the classes, so one per
    distinct tuple of them gives the same objects (tests/app/test_chart_specs.py).
    """
    if validate:
        cls.validate(dct)
    wrappers = tuple(cls._default_wrapper_classes())
    converter = _converters.get(wrappers)
    if converter is None:
        with _converters_lock:
            converter = _converters.setdefault(wrappers, schemapi._FromDict(wrappers))
    return converter.from_dict(dct, cls)


ALTAIR_FROM_DICT = schemapi.SchemaBase.__dict__["from_dict"]  # the classmethod, for a test
schemapi.SchemaBase.from_dict = classmethod(_from_dict)  # type: ignore[method-assign, assignment]


def frame_key(frame: pd.DataFrame) -> bytes:
    """Return bytes that differ whenever two frames would draw differently.

    Streamlit's own DataFrame hash samples frames of 50,000 rows or more and leaves out
    `attrs`; this one hashes every row and keeps `attrs` (e.g. Compare's overdispersion).
    """
    try:
        values = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    except TypeError:  # unhashable cells (lists): their pickle
        values = pickle.dumps(frame, protocol=5)
    names = repr((list(frame.columns), [str(t) for t in frame.dtypes], frame.index.names))
    return names.encode() + b"\0" + values + b"\0" + repr(frame.attrs).encode()


def columns_only(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a frame as the browser should get it: its columns, no index, no `attrs`.

    pyarrow writes a frame's `attrs` into the Arrow schema the browser receives (and warns
    when they are not JSON, as Compare's overdispersion is not), and any index but 0..n-1 as
    a column (a filtered or re-sorted frame's row positions), hidden in a grid or not.
    """
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        frame = frame.reset_index(drop=True)
    if frame.attrs:
        frame = frame.copy(deep=False)
        frame.attrs = {}
    return frame


def _columns_to_arrow(data: Any, datasets: dict[str, Any]) -> dict[str, str]:
    """Streamlit's Arrow data transformer, given each frame's columns only (no encoding reads
    the index)."""
    if isinstance(data, pd.DataFrame):
        data = columns_only(data)
    return vega_charts._to_arrow_dataset(data, datasets)


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """Return the Vega-Lite spec `st.altair_chart` sends for a chart, datasets as Arrow bytes."""
    datasets: dict[str, Any] = {}
    alt.data_transformers.register("to_arrow_dataset", _columns_to_arrow)
    with vega_charts._altair_globals_lock:  # Altair's theme and transformer are global
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        transformer = alt.data_transformers.enable("to_arrow_dataset", datasets=datasets)
        with theme, transformer:
            spec = chart.to_dict(validate=False)
    existing = spec.get("datasets")
    spec["datasets"] = {**existing, **datasets} if isinstance(existing, dict) else datasets
    return spec


@st.cache_data(ttl=TTL, max_entries=1024, show_spinner=False, hash_funcs={pd.DataFrame: frame_key})
def _spec(
    name: str, _builder: Callable[..., alt.TopLevelMixin], args: tuple, kwargs: dict
) -> dict[str, Any]:
    """Return the spec of `_builder(*args, **kwargs)`, cached by `name` and the arguments."""
    return vega_lite_spec(_builder(*args, **kwargs))


def spec_of(builder: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> dict:
    """Return the (cached) spec of a builder's chart, a fresh copy the caller may change."""
    return _spec(f"{builder.__module__}.{builder.__qualname__}", builder, args, kwargs)


def draw(
    builder: Callable[..., alt.TopLevelMixin],
    *args: Any,
    where: Any = None,
    width: str | int | None = None,
    **kwargs: Any,
) -> None:
    """Draw `builder(*args, **kwargs)` in `where` (default the page), as `st.altair_chart`.

    `width` as st.altair_chart's (None: Streamlit's default for the kind of chart).
    """
    target = st if where is None else where
    spec = spec_of(builder, *args, **kwargs)
    if (config := presentation.chart_config(spec.get("config"))) is not None:
        spec["config"] = config
    if width is None:
        target.vega_lite_chart(spec=spec)
    else:
        target.vega_lite_chart(spec=spec, width=width)

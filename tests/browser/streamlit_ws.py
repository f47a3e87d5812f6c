"""An outsider's Streamlit client: sends what a browser tab sends, decodes what the server sends back.

A browser tab opens `/_stcore/stream`, sends a BackMsg `rerun_script` (the URL's query string,
the page and its widgets' values) and receives ForwardMsg protobufs: chart specs and their
datasets (Arrow), dataframes (Arrow), deck.gl JSON, text. This client does the same without
drawing anything, so an attack can ask hundreds of questions in the time a browser asks ten.
It reads nothing the browser would not receive.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

QUIET_S = 0.2  # after a finished run, how long to wait for anything it still sends
RUN_TIMEOUT_S = 120


class Trigger:
    """A button press (a form's submit button), as a widget value for Tab.run."""


class Json(str):
    """A component's state as the JSON text its frontend sends (a components.v2 widget value)."""


def _arrow(data: bytes) -> pd.DataFrame | None:
    """Return an Arrow IPC stream as a DataFrame (None when empty)."""
    return pa.ipc.open_stream(io.BytesIO(data)).read_all().to_pandas() if data else None


@dataclass
class Element:
    """One element a run sent: its kind, its proto, and decoded data where it carries some."""

    kind: str
    proto: Any
    data: Any = None


@dataclass
class Run:
    """Everything the last script run of a page sent."""

    elements: list[Element] = field(default_factory=list)
    finished_at: float = 0.0  # time.perf_counter() when the server said the run finished

    def of(self, kind: str) -> list[Element]:
        """Return the elements of one kind (dataframe, vega_lite_chart, markdown, ...)."""
        return [e for e in self.elements if e.kind == kind]

    def dataframe_with(self, *columns: str) -> pd.DataFrame:
        """Return the first dataframe that has all the given columns."""
        for element in self.of("dataframe"):
            if element.data is not None and set(columns) <= set(element.data.columns):
                return element.data
        raise LookupError(f"no dataframe with columns {columns}")

    def chart_data_with(self, *columns: str) -> pd.DataFrame:
        """Return the first chart dataset that has all the given columns."""
        for element in self.of("vega_lite_chart"):
            for frame in element.data.values():
                if frame is not None and set(columns) <= set(frame.columns):
                    return frame
        raise LookupError(f"no chart dataset with columns {columns}")

    def widget_id(self, key: str) -> str:
        """Return the id of the widget made with `key` (ids end with '-<key>')."""
        for element in self.elements:
            widget_id = getattr(element.proto, "id", "")
            if isinstance(widget_id, str) and widget_id.endswith(f"-{key}"):
                return widget_id
        raise LookupError(f"no widget with key {key!r}")

    def text(self) -> str:
        """Return the markdown, captions and alerts of the run as one string."""
        parts = [e.proto.body for e in self.elements if e.kind in ("markdown", "alert")]
        return "\n".join(parts)


def _element(message: ForwardMsg, decode: bool = True) -> Element | None:
    """Decode a ForwardMsg delta that adds an element (its data only if `decode`)."""
    if message.delta.WhichOneof("type") != "new_element":
        return None
    element = message.delta.new_element
    kind = element.WhichOneof("type")
    proto = getattr(element, kind)
    if not decode:
        return Element(kind, proto)
    if kind == "dataframe":
        return Element(kind, proto, _arrow(proto.arrow_data.data))
    if kind == "vega_lite_chart":
        datasets = {d.name: _arrow(d.data.data) for d in proto.datasets}
        return Element(kind, proto, datasets)
    if kind == "deck_gl_json_chart":
        return Element(kind, proto, json.loads(proto.json))
    return Element(kind, proto)


class Tab:
    """One browser tab's session: run pages with a query string and widget values."""

    def __init__(self, base_url: str, decode: bool = True) -> None:
        """Connect to a server; with decode=False, runs keep elements' protos but not their data
        (a load generator that only counts what arrived)."""
        self.base_url = base_url.rstrip("/")
        self.decode = decode
        self._connection = connect(
            self.base_url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=self.base_url,  # type: ignore[arg-type]
            max_size=None,
        )
        self.socket: ClientConnection | None = None

    def __enter__(self) -> Tab:
        self.socket = self._connection.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._connection.__exit__(*exc)  # type: ignore[arg-type]

    def run(self, page: str, query: str = "", widgets: dict[str, object] | None = None) -> Run:
        """Run a page as a tab does on a new URL, with widget values by widget id.

        Values: str (selectbox, radio: the option as shown), bool, int, float, a list of
        str (multiselect), Trigger() (a pressed button) or Json(text) (a component's state).
        """
        if self.socket is None:
            raise RuntimeError("use the tab as a context manager: with Tab(url) as tab")
        message = BackMsg()
        state = message.rerun_script
        state.query_string = query
        state.page_name = page
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-GB"
        state.context_info.url = f"{self.base_url}/{page}"
        for widget_id, value in (widgets or {}).items():
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            if isinstance(value, Trigger):
                widget.trigger_value = True
            elif isinstance(value, Json):
                widget.json_value = value
            elif isinstance(value, bool):
                widget.bool_value = value
            elif isinstance(value, int):
                widget.int_value = value
            elif isinstance(value, float):
                widget.double_value = value
            elif isinstance(value, list):
                widget.string_array_value.data.extend(value)
            else:
                widget.string_value = str(value)
        self.socket.send(message.SerializeToString())
        run = Run()
        finished = False
        while True:
            try:
                raw = self.socket.recv(timeout=QUIET_S if finished else RUN_TIMEOUT_S)
            except TimeoutError:
                if finished:
                    return run
                raise
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if (
                kind == "session_status_changed"
                and forward.session_status_changed.script_is_running
            ):
                run, finished = Run(), False
            elif kind == "delta":
                element = _element(forward, self.decode)
                if element is not None:
                    run.elements.append(element)
            elif kind == "script_finished":
                # A run stopped for a rerun (st.rerun, a widget changed meanwhile) is followed
                # by the next one; any other ending is the last run of this request.
                finished = forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
                run.finished_at = time.perf_counter()

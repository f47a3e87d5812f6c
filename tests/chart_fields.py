"""What a chart sends to the browser against what it draws: inline data columns no mark uses.

Altair: `unused_altair_columns(chart.to_dict())` collects, per inline dataset, every field
the views drawing it reference (encodings of every channel, tooltips, conditions, facets,
sorts, transforms and `datum.X` in expressions, through layers, concats, facets and
repeats) and returns the dataset columns none of them reference.

pydeck: `unused_deck_columns(sent_deck(deck), selection)` does the same per layer: a
layer's rows may carry only what its accessors (`@@=...`) read, the fields of the deck's
tooltip template when the layer is pickable, and the fields the page reads from a selected
object (`selection`: layer id -> field names).

`sent_vega_lite` and `sent_deck` rebuild what Streamlit sends to the browser (the spec with
its Arrow datasets; the deck JSON with its tooltip), so pages run by AppTest are checked on
the very bytes they send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

Path = tuple[str, ...]

CHILDREN = ("layer", "hconcat", "vconcat", "concat")
NOT_OWN = {"data", "datasets", "spec", *CHILDREN}
# Keys whose string (or list of strings) values name fields, in encodings and transforms.
FIELD_KEYS = {"field", "fields", "groupby", "fold", "flatten", "pivot", "impute", "key"}
FIELD_KEYS |= {"density", "regression", "loess", "quantile", "extent", "lookup"}
DATUM = re.compile(
    r"datum\s*(?:\.\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)|\[\s*(['\"])(.+?)\2\s*\])"
)
GEOJSON_KEYS = {("type",), ("geometry",)}


def field_path(field: str) -> Path:
    """Return a Vega-Lite field string as a path ('a.b' is nested; 'a\\.b' is one name)."""
    parts = re.split(r"(?<!\\)\.", field)
    return tuple(p.replace("\\.", ".").replace("\\[", "[").replace("\\]", "]") for p in parts)


def _strings(value: Any) -> Iterable[str]:
    """Yield every string inside a nested spec value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def referenced_fields(value: Any) -> set[Path]:
    """Return the fields named in a spec fragment: field keys and datum references."""
    found: set[Path] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, item in node.items():
                if key in FIELD_KEYS:
                    names = [item] if isinstance(item, str) else item
                    if isinstance(names, list):
                        found.update(field_path(n) for n in names if isinstance(n, str))
                walk(item)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(value)
    for text in _strings(value):
        for match in DATUM.finditer(text):
            found.add(tuple(match.group(1).split(".")) if match.group(1) else (match.group(3),))
    return found


def _is_geoshape(node: Mapping[str, Any]) -> bool:
    """Return True when a unit view draws GeoJSON shapes (which read type and geometry)."""
    mark = node.get("mark")
    return (mark.get("type") if isinstance(mark, Mapping) else mark) == "geoshape"


def _collect(spec: Mapping[str, Any]) -> tuple[dict[str, list[dict]], dict[str, set[Path]]]:
    """Return each inline dataset's rows and the fields of the views that draw it."""
    datasets: dict[str, list[dict]] = {k: list(v) for k, v in spec.get("datasets", {}).items()}
    used: dict[str, set[Path]] = {name: set() for name in datasets}

    def walk(node: Mapping[str, Any], data: str | None, inherited: set[Path]) -> None:
        own = referenced_fields({k: v for k, v in node.items() if k not in NOT_OWN})
        if _is_geoshape(node):
            own |= GEOJSON_KEYS
        source = node.get("data")
        if isinstance(source, Mapping) and "name" in source:
            data = source["name"]
        elif isinstance(source, Mapping) and "values" in source:
            data = f"inline-{len(datasets)}"
            datasets[data] = list(source["values"])
            used[data] = set()
        fields = inherited | own
        if data is not None:
            used.setdefault(data, set()).update(fields)
        for key in CHILDREN:
            for child in node.get(key, []):
                walk(child, data, fields)
        if isinstance(node.get("spec"), Mapping):
            walk(node["spec"], data, fields)

    walk(spec, None, set())
    return datasets, used


def _unused_in_row(row: Mapping[str, Any], used: set[Path], prefix: Path = ()) -> set[Path]:
    """Return the paths of a row's values that no used field covers."""
    unused: set[Path] = set()
    for key, value in row.items():
        path = (*prefix, str(key))
        if any(path[: len(u)] == u for u in used):  # the field itself or a parent of it
            continue
        if isinstance(value, Mapping) and any(u[: len(path)] == path for u in used):
            unused |= _unused_in_row(value, used, path)
        else:
            unused.add(path)
    return unused


def unused_altair_columns(spec: Mapping[str, Any]) -> dict[str, set[str]]:
    """Return dataset name -> columns (dotted paths) that no view drawing the dataset uses."""
    datasets, used = _collect(spec)
    out: dict[str, set[str]] = {}
    for name, rows in datasets.items():
        unused = set().union(*(_unused_in_row(r, used[name]) for r in rows)) if rows else set()
        if unused:
            out[name] = {".".join(p) for p in unused}
    return out


def altair_columns(spec: Mapping[str, Any]) -> set[str]:
    """Return every top-level column of every inline dataset of a chart."""
    datasets, _ = _collect(spec)
    return {str(k) for rows in datasets.values() for row in rows for k in row}


ACCESSOR = re.compile(r"[A-Za-z_$][\w$]*")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
TEMPLATE = re.compile(r"\{([^{}]+)\}")


def chart_frames(chart: Any) -> list[Any]:
    """Return the pandas frames an Altair chart object and its sub-charts hold as data."""
    import pandas as pd

    frames = []
    data = getattr(chart, "data", None)
    if isinstance(data, pd.DataFrame):
        frames.append(data)
    for key in (*CHILDREN, "spec"):
        children = getattr(chart, key, None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and hasattr(child, "to_dict"):
                frames.extend(chart_frames(child))
    return frames


def arrow_extra_columns(chart: Any) -> set[str]:
    """Return columns Streamlit's Arrow conversion of the chart's frames adds (e.g. the index).

    st.altair_chart sends each frame as Arrow (pyarrow.Table.from_pandas): an index other
    than a RangeIndex travels as a column, though to_dict() leaves it out.
    """
    import pyarrow as pa

    extra: set[str] = set()
    for frame in chart_frames(chart):
        extra |= set(pa.Table.from_pandas(frame).column_names) - {str(c) for c in frame.columns}
    return extra


def sent_vega_lite(proto: Any) -> dict[str, Any]:
    """Return a Vega-Lite chart element as the browser gets it: its spec with its Arrow datasets."""
    import pyarrow as pa

    spec = json.loads(proto.spec)
    spec["datasets"] = {
        d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in proto.datasets
    }
    if proto.HasField("data") and proto.data.data:
        spec["data"] = {"values": pa.ipc.open_stream(proto.data.data).read_all().to_pylist()}
    return spec


def sent_deck(deck: Any) -> dict[str, Any]:
    """Return what st.pydeck_chart sends of a Deck: its JSON spec and its tooltip beside it."""
    spec = json.loads(deck.to_json())
    widget = getattr(deck, "deck_widget", None)
    tooltip = widget.tooltip if widget is not None else getattr(deck, "_tooltip", None)
    if isinstance(tooltip, Mapping):
        spec["tooltip"] = dict(tooltip)
    return spec


def _accessor_fields(layer: Mapping[str, Any]) -> set[str]:
    """Return the row fields a pydeck layer's accessors ('@@=expression') read."""
    fields: set[str] = set()
    for key, value in layer.items():
        if key == "data":
            continue
        for text in _strings(value):
            if text.startswith("@@="):
                fields.update(ACCESSOR.findall(QUOTED.sub("", text[3:])))
    return fields


def unused_deck_columns(
    deck: Mapping[str, Any], selection: Mapping[str, Iterable[str]] | None = None
) -> dict[str, set[str]]:
    """Return layer id -> row fields its data carries but it neither draws nor shows nor selects."""
    tooltip = deck.get("tooltip")
    template = (
        tooltip.get("html", "") + tooltip.get("text", "") if isinstance(tooltip, Mapping) else ""
    )
    tip_fields = set(TEMPLATE.findall(template))
    out: dict[str, set[str]] = {}
    for layer in deck.get("layers", []):
        rows = layer.get("data")
        if not isinstance(rows, list):
            continue
        allowed = _accessor_fields(layer) | set((selection or {}).get(layer.get("id"), ()))
        if layer.get("pickable"):
            allowed |= tip_fields
        carried = {str(k) for row in rows for k in row}
        if carried - allowed:
            out[str(layer.get("id"))] = carried - allowed
    return out

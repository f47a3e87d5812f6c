"""A page's own settings bound to URL parameters, so a reload or a shared link keeps them.

Call `seed` before drawing a widget (it sets the widget's state from the URL when the URL
brought a value the page did not write itself) and `write` after it. The parameters must be
declared on the page's PageSpec.params (components/pages.py), so the cohort picker keeps them
when it writes the cohort into the URL. Values are parsed against the widget's choices, so
nothing unknown from the URL reaches a widget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

TRUE, FALSE = "1", "0"


def _seen(param: str) -> str:
    return f"_url_seen_{param}"


def _parse(values: list[str], kind: type | str, choices: Sequence[object] | None) -> object:
    """Return the URL's values as a widget value, or None when they are not valid."""
    if kind == "many":
        chosen = [v for v in values if choices is None or v in choices]
        return chosen if len(chosen) == len(values) else None
    if len(values) != 1:
        return None
    value = values[0]
    if kind is bool:
        return {TRUE: True, FALSE: False}.get(value)
    if kind is int:
        try:
            number = int(value)
        except ValueError:
            return None
        low, high = choices if choices else (None, None)
        in_range = (low is None or number >= low) and (high is None or number <= high)  # type: ignore[operator]
        return number if in_range else None
    return value if choices is None or value in choices else None


def _encode(value: object) -> list[str]:
    """Return a widget value as URL values."""
    if isinstance(value, bool):
        return [TRUE if value else FALSE]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [] if value is None else [str(int(value)) if isinstance(value, float) else str(value)]


def seed(
    key: str,
    param: str,
    kind: type | str = str,
    choices: Sequence[object] | None = None,
    on_bad: Callable[[str], None] | None = None,
) -> None:
    """Set widget `key` from URL parameter `param` when the URL brought a new value.

    `kind` is str (one of `choices`), "many" (a list of `choices`, the parameter repeated),
    bool ("1"/"0") or int (`choices` = (lowest, highest)).
    """
    if param not in st.query_params:
        return
    values = st.query_params.get_all(param)
    if values == st.session_state.get(_seen(param)):
        return
    st.session_state[_seen(param)] = values
    parsed = _parse(values, kind, choices)
    if parsed is None:
        if on_bad is not None:
            on_bad(f"The link's {param}={','.join(values)} is not a valid choice; ignored.")
        return
    st.session_state[key] = parsed


def write(param: str, value: object) -> None:
    """Write a widget's value into URL parameter `param` (when it changed)."""
    encoded = _encode(value)
    if st.query_params.get_all(param) != encoded:
        st.query_params[param] = encoded
    st.session_state[_seen(param)] = encoded

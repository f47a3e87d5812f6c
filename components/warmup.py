"""Work the server does once at start-up, before it accepts a session (serve.py's lifespan).

A fresh server used to pay, inside the first sessions of a room, the import of everything
the pages use (pandas, pyarrow, Altair, DuckDB and the app's own modules: about 1.3 s of CPU
at full scale), the dataset's first reads (its meta, filter options, schema check and the
map's area shapes) and, on the synthetic demo, the check that its audit log has the demo's
year of usage. Done here, the first session of a workshop costs what any other does.
"""

from __future__ import annotations

import ast
import importlib
import time
from pathlib import Path

from streamlit.logger import get_logger

from components import pages

LOG = get_logger(__name__)  # Streamlit's logger: shown at its log level, in its format
ENTRY = pages.VIEWS.parent / "app.py"


def page_imports(files: list[Path]) -> list[str]:
    """Return the modules the files import at their top level, in first-seen order.

    Only top-level statements: imports a page makes inside a function or branch (statsmodels
    only to evaluate, the demo builder only when there is no database) stay where they are.
    """
    modules: dict[str, None] = {}
    for file in files:
        for node in ast.parse(file.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                modules.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules[node.module] = None
                for alias in node.names:  # `from phm import codes`: codes is a module
                    modules[f"{node.module}.{alias.name}"] = None
    return list(modules)


def import_pages() -> int:
    """Import every module the entrypoint and the pages import; return how many there were."""
    files = [ENTRY, *(pages.VIEWS / spec.file for spec in pages.PAGES.values())]
    imported = 0
    for name in page_imports(files):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:  # a module that is there failed to import: say so
                raise
            continue  # `from x import name` where name is not a module
        imported += 1
    return imported


def read_dataset() -> bool:
    """Read what every session of the current dataset shares; False when there is none yet.

    The entrypoint builds the demo when the database is missing, and refuses one that lacks
    the schema: both stay the first session's to do. A synthetic demo's new audit log gets
    its year of usage here too (components.signin.seed_synthetic_usage, once per server).
    """
    from components import data, map_data, signin
    from phm.levels import MAP_LEVELS

    if not data.database_path().exists():
        return False
    version = data.version()
    if data.schema_problems(version):
        return False
    signin.seed_synthetic_usage(data.meta(version).get("kind", ""))
    data.options(version)
    for level in MAP_LEVELS:
        map_data.shape_polygons(level, version)
    return True


def warm() -> None:
    """Import the pages' modules and read the dataset's shared data; never fail the start-up."""
    started = time.perf_counter()
    try:
        imported = import_pages()
        read = read_dataset()
    except Exception:  # a server that cannot warm up still serves (the pages report problems)
        LOG.exception("warm-up failed; the first sessions will do its work")
        return
    LOG.info(
        "warmed up in %.1f s: %d modules imported, dataset %s",
        time.perf_counter() - started,
        imported,
        "read" if read else "not read (none yet, or it needs rebuilding)",
    )

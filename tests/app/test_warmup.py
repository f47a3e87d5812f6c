"""The server's start-up warm-up (components.warmup, run by serve.py before it serves)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from components import warmup

ROOT = Path(__file__).resolve().parents[2]


def test_only_top_level_imports_are_warmed(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "import json\n"
        "from phm import codes, stats\n"
        "from .sibling import thing\n"
        "if True:\n"
        "    import statsmodels\n"
        "def evaluate():\n"
        "    import scipy\n"
    )
    assert warmup.page_imports([page]) == ["json", "phm", "phm.codes", "phm.stats"]


def test_the_pages_modules_are_imported_and_lazy_ones_stay_lazy() -> None:
    probe = (
        "import json, sys\n"
        "from components import warmup\n"
        "names = ('altair', 'phm.output.compare_charts', 'statsmodels')\n"
        "before = [n in sys.modules for n in names]\n"
        "count = warmup.import_pages()\n"
        "print(json.dumps([before, count, [n in sys.modules for n in names]]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    before, count, after = json.loads(result.stdout.splitlines()[-1])
    assert before == [False, False, False]
    assert count > 30
    assert after == [True, True, False]  # statsmodels is imported only to evaluate


def test_the_dataset_is_read_when_there_is_one(
    app_env, audit_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    del app_env
    from phm.audit import log

    assert warmup.read_dataset() is True
    assert log.count(audit_db) > 0  # the demo's usage year, before any session
    monkeypatch.setenv("PHM_DB", str(Path("/nonexistent") / "phm.duckdb"))
    assert warmup.read_dataset() is False  # the first session builds the demo


def test_a_failing_warm_up_never_stops_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> int:
        raise OSError("disk gone")

    monkeypatch.setattr(warmup, "import_pages", broken)
    warmup.warm()  # logged, not raised: the pages report problems to their sessions

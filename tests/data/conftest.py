"""Real published data from PHM_REFERENCE_DIR: skip when absent, fail when PHM_REQUIRE_REFERENCE=1."""

from pathlib import Path

import pytest

from phm import settings


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Return the reference folder, or skip (or fail when it is required)."""
    path = settings.get_path("PHM_REFERENCE_DIR")
    if path is None or not (path / "imd2019").is_dir():
        message = f"real reference data not found (PHM_REFERENCE_DIR={path})"
        if settings.get_flag("PHM_REQUIRE_REFERENCE"):
            pytest.fail(message + " and PHM_REQUIRE_REFERENCE=1")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def calibrated_db(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a small demo calibrated with the real area data."""
    from phm import geo
    from phm.synth.build import build_demo

    out = tmp_path_factory.mktemp("calibrated") / "phm.duckdb"
    build_demo(
        out,
        geo.REFERENCE_ROOT / "north-central-london",
        scale=0.02,
        seed=11,
        reference_dir=reference_dir,
    )
    return out

"""One declarative table of settings, read from PHM_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    """One PHM_* setting: its name, default and meaning."""

    name: str
    default: str
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting("PHM_DB", str(ROOT / "data" / "phm.duckdb"), "DuckDB file the app reads"),
    Setting("PHM_ICB", "north-central-london", "Reference geography folder under data/reference"),
    Setting("PHM_DEMO_SCALE", "1.0", "Scale of the demo built on first start (1.0 = 1.6M people)"),
    Setting("PHM_DEMO_SEED", "2020", "Seed of the demo built on first start"),
    Setting("PHM_SUPPRESS_BELOW", "8", "Counts from 1 to this minus 1 are suppressed"),
    Setting(
        "PHM_ROUND_TO", "5", "Other counts are rounded up or down to a multiple of this by cell key"
    ),
    Setting(
        "PHM_RECORD_KEY_FILE",
        str(ROOT / "data" / "record-key.secret"),
        "Secret behind every person's record key (created on the first ingest; keep it: a new"
        " secret lets two refreshes be differenced)",
    ),
    Setting("PHM_CACHE_TTL", "3600", "Seconds a query result stays cached in the app"),
    Setting(
        "PHM_PAGE_SLOTS",
        "0",
        "Pages the server computes at once; the others wait their turn (0: one per CPU core)",
    ),
    Setting("PHM_REFERENCE_DIR", "", "Real published data for tests, calibration and benchmarks"),
    Setting(
        "PHM_REFERENCE_URL",
        "",
        "Mirror for `reference --download`, laid out like the reference folder (empty: official URLs)",
    ),
    Setting("PHM_DOWNLOAD_TIMEOUT", "60", "Seconds `reference --download` waits for each answer"),
    Setting(
        "PHM_REQUIRE_REFERENCE", "0", "1: tests fail instead of skipping without reference data"
    ),
    Setting(
        "PHM_REQUIRE_BROWSER", "0", "1: browser tests fail instead of skipping without Chromium"
    ),
    Setting("PHM_CHROMIUM", "/usr/bin/chromium", "Chromium used by the browser tests"),
    Setting(
        "PHM_DEMO_USER",
        "",
        "Demo user signed in without the picker (synthetic data with no [auth] only), e.g. ics-analyst",
    ),
    Setting(
        "PHM_AUDIT_DB",
        str(ROOT / "data" / "audit.sqlite"),
        "Append-only audit log (SQLite) of sign-ins, page views and exports; also usage analytics",
    ),
    Setting(
        "PHM_STATE_DB",
        str(ROOT / "data" / "state.sqlite"),
        "The app's own records (SQLite): the interventions register; the dataset stays read-only",
    ),
    Setting(
        "PHM_ACCESS_FILE",
        str(ROOT / "config" / "access.toml"),
        "Claims-to-role mapping of the identity providers (see config/access.example.toml)",
    ),
    Setting(
        "PHM_USER_KEY_FILE",
        str(ROOT / "data" / "user-key.secret"),
        "Secret behind users' pseudonymous ids in the audit log (created on first sign-in; keep it)",
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """Return a setting's value from the environment, or its default."""
    if name not in _BY_NAME:
        raise KeyError(f"unknown setting {name}; declare it in phm.settings.SETTINGS")
    return os.environ.get(name, _BY_NAME[name].default)


def get_int(name: str) -> int:
    """Return a setting as an int, with a clear error when it is not one."""
    value = get(name)
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None


def get_float(name: str) -> float:
    """Return a setting as a float, with a clear error when it is not one."""
    value = get(name)
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def get_path(name: str) -> Path | None:
    """Return a setting as a path, or None when it is empty."""
    value = get(name)
    return Path(value) if value else None


def get_flag(name: str) -> bool:
    """Return a setting as a boolean (1/true/yes)."""
    return get(name).strip().lower() in {"1", "true", "yes"}

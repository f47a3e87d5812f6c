"""Datasets beside the live database file, and which one is active (a pointer file, swapped atomically)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from phm.ingest import report

POINTER_SUFFIX = ".active"


@dataclass(frozen=True)
class Dataset:
    """One database file in the data folder with its metadata and validation report."""

    path: Path
    name: str
    kind: str
    as_at: str
    active: bool
    report: Path | None
    rejected: Path | None


def pointer_path(live: Path) -> Path:
    """Return the pointer file that names the active dataset of a PHM_DB path."""
    return live.with_name(live.name + POINTER_SUFFIX)


def active_path(live: Path) -> Path:
    """Return the database the app should read: the pointer's target if it exists, else `live`."""
    pointer = pointer_path(live)
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return live
    target = live.with_name(name)
    if not name or "/" in name or "\\" in name or not target.is_file():
        return live
    return target


def activate(live: Path, file_name: str) -> Path:
    """Make the dataset `file_name` (in the folder of `live`) active; return its path."""
    target = live.with_name(file_name)
    if Path(file_name).name != file_name or not file_name.endswith(".duckdb"):
        raise ValueError(f"{file_name!r} is not a dataset file name (NAME.duckdb)")
    if not target.is_file():
        raise ValueError(f"no dataset {file_name} in {live.parent}")
    read_meta(target)  # refuse files that are not readable databases
    pointer = pointer_path(live)
    temp = pointer.with_name(f".{pointer.name}.tmp")
    temp.write_text(file_name, encoding="utf-8")
    os.replace(temp, pointer)
    return target


def read_meta(path: Path) -> dict[str, str]:
    """Return dataset_meta of a database file (raise ValueError when it cannot be read)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise ValueError(f"{path.name} is not a readable database: {error}") from None
    try:
        return dict(con.execute("SELECT key, value FROM dataset_meta").fetchall())
    except duckdb.Error as error:
        raise ValueError(f"{path.name} has no dataset_meta: {error}") from None
    finally:
        con.close()


def _report(folder: Path, stem: str, tag: str) -> Path | None:
    """Return the JSON report `<stem>.<tag>.json` when it exists."""
    path = folder / f"{stem}.{tag}.json"
    return path if path.is_file() else None


def _own_report(folder: Path, stem: str, meta: dict[str, str]) -> Path | None:
    """Return the validation report beside a database only when it describes that database.

    A load killed between writing its report and swapping its database in, or a database
    built since by another command, leaves a report beside a database it does not describe.
    """
    path = _report(folder, stem, "report")
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return path if report.describes(data, meta) else None


def list_datasets(live: Path) -> list[Dataset]:
    """Return every readable dataset in the folder of `live`, the active one marked."""
    folder = live.parent
    active = active_path(live).resolve()
    found = []
    for path in sorted(folder.glob("*.duckdb")):
        if path.name.startswith("."):
            continue
        try:
            meta = read_meta(path)
        except ValueError:
            continue
        found.append(
            Dataset(
                path,
                meta.get("name", path.stem),
                meta.get("kind", "unknown"),
                meta.get("as_at", "unknown"),
                path.resolve() == active,
                _own_report(folder, path.stem, meta),
                _report(folder, path.stem, "rejected"),
            )
        )
    return found


def report_counts(path: Path | None) -> dict[str, object]:
    """Return the status, error and warning counts of a JSON validation report (empty when none)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"status": "unreadable report"}
    return {k: data.get(k) for k in ("status", "errors", "warnings", "checked_at", "reason")}


def dataset_table(live: Path) -> pd.DataFrame:
    """Return one row per dataset for the Data page: file, name, kind, as at, active, validation."""
    rows = []
    for item in list_datasets(live):
        counts = report_counts(item.report)
        rows.append(
            {
                "active": item.active,
                "file": item.path.name,
                "name": item.name,
                "kind": item.kind,
                "as_at": item.as_at,
                "validation": (
                    f"{counts.get('errors', 0)} errors, {counts.get('warnings', 0)} warnings"
                    f" (checked {counts.get('checked_at', '')})"
                    if counts
                    else "no report (built by python -m phm demo)"
                ),
            }
        )
    return pd.DataFrame(rows, columns=["active", "file", "name", "kind", "as_at", "validation"])


def rejected_reports(live: Path) -> list[Path]:
    """Return the JSON reports of refused loads in the folder of `live`, newest first."""
    found = list(live.parent.glob("*.rejected.json"))
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def active_line(active: Path, live: Path, administrator: bool) -> str:
    """Return the Markdown line naming the active dataset; only the administrator sees its folder."""
    where = f" in `{live.parent}`" if administrator else ""
    return f"**Active dataset:** `{active.name}`{where}"

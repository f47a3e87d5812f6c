"""The official area data store beside an ICB's geography: data/reference/<slug>/official/.

The store holds one Parquet file per kind (the ICB's areas only) and ``sources.json``, the
record of where each came from. ``sources.json`` is written last and names the data files, so
replacing it is the single atomic step that switches to new data; files it no longer names are
removed afterwards. Data derived from official files is git-ignored and never committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from phm import geo
from phm.official.catalog import ATTRIBUTION, LICENCE, LICENCE_URL, SOURCES
from phm.official.readers import READERS

OFFICIAL_DIR = "official"
SOURCES_FILE = "sources.json"
AREA_COLUMN = {"imd": "lsoa_code", "population": "lsoa_code", "ethnicity": "msoa_code"}
LABELS = {"imd": "IMD 2019", "population": "population", "ethnicity": "ethnic mix"}


@dataclass(frozen=True)
class OfficialData:
    """The stored official area data of one ICB; a kind not imported is None."""

    imd: pd.DataFrame | None  # lsoa_code, imd_rank, imd_decile
    population: pd.DataFrame | None  # lsoa_code, total, age_0_15, age_16_59, age_60_plus
    ethnic_groups: pd.DataFrame | None  # msoa_code, white, mixed, asian, black, other (shares)
    records: dict[str, dict[str, Any]]

    def describe(self) -> list[str]:
        """Return one line per stored source, for dataset_meta and the About page."""
        return [describe_record(kind, record) for kind, record in self.records.items()]


def store_dir(ref_dir: Path) -> Path:
    """Return the official data folder of an ICB's reference folder."""
    return Path(ref_dir) / OFFICIAL_DIR


def describe_record(kind: str, record: dict[str, Any]) -> str:
    """Return a one-line account of a stored source."""
    where = record.get("url") or record["file_name"]
    return (
        f"{LABELS[kind]}: {record['title']} ({record['publisher']}; {record['licence']}),"
        f" from {where}, sha256 {record['sha256'][:12]}, imported {record['imported_at'][:10]}"
    )


def _sha256(path: Path) -> str:
    """Return the SHA-256 of a file."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _keep_icb_areas(kind: str, frame: pd.DataFrame, areas: set[str], name: str) -> pd.DataFrame:
    """Keep the ICB's areas, refusing a file that lacks any of them."""
    column = AREA_COLUMN[kind]
    missing = sorted(areas - set(frame[column]))
    if missing:
        what = "LSOAs" if column == "lsoa_code" else "MSOAs"
        raise ValueError(
            f"{name}: lacks {len(missing):,} of the ICB's {len(areas):,} {what},"
            f" e.g. {', '.join(missing[:3])}; is it the whole file, for 2011 areas?"
        )
    kept = frame[frame[column].isin(areas)].astype({column: str})
    return kept.sort_values(column).reset_index(drop=True)


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through a temporary name in the same folder and a rename."""
    temp = path.with_name(f".{path.name}.tmp")
    try:
        write(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def read_records(ref_dir: Path) -> dict[str, dict[str, Any]]:
    """Return the source records of the store (empty when there is no store)."""
    path = store_dir(ref_dir) / SOURCES_FILE
    if not path.is_file():
        return {}
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}); re-run the import") from None
    return dict(payload.get("sources", {}))


def import_official(
    ref_dir: Path,
    files: dict[str, Path],
    urls: dict[str, str] | None = None,
    progress: Callable[[str], None] = print,
) -> dict[str, dict[str, Any]]:
    """Validate official files, keep the ICB's areas and store them; return the new records.

    Every file is read and checked before anything is written: on any error the store is
    left exactly as it was.
    """
    unknown = set(files) - set(SOURCES)
    if unknown or not files:
        raise ValueError(f"give at least one of {sorted(SOURCES)}, not {sorted(unknown)}")
    lsoas = geo.load_lsoas(ref_dir)
    areas = {
        "lsoa_code": set(lsoas["lsoa_code"].astype(str)),
        "msoa_code": set(lsoas["msoa_code"].astype(str)),
    }
    tables: dict[str, pd.DataFrame] = {}
    records = read_records(ref_dir)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for kind, path in files.items():
        path = Path(path)
        progress(f"Reading {LABELS[kind]}: {path.name}")
        table = READERS[kind](path)
        kept = _keep_icb_areas(kind, table.frame, areas[AREA_COLUMN[kind]], path.name)
        source = SOURCES[kind]
        sha = _sha256(path)
        tables[kind] = kept
        records[kind] = {
            "title": source.title,
            "publisher": source.publisher,
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "attribution": ATTRIBUTION,
            "page_url": source.page_url,
            "url": (urls or {}).get(kind),
            "file_name": path.name,
            "sha256": sha,
            "bytes": path.stat().st_size,
            "layout": table.layout,
            "rows_read": table.rows_read,
            "areas_kept": len(kept),
            "imported_at": now,
            "data_file": f"{kind}-{sha[:16]}.parquet",
        }
        progress(f"  {table.layout}: {table.rows_read:,} rows, kept {len(kept):,} of the ICB's")
    folder = store_dir(ref_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for kind, kept in tables.items():
        _write_atomic(folder / records[kind]["data_file"], lambda t, k=kept: k.to_parquet(t))
    payload = {
        "icb_folder": Path(ref_dir).name,
        "note": "Derived from official files; never commit this folder.",
        "attribution": ATTRIBUTION,
        "sources": dict(sorted(records.items())),
    }
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    _write_atomic(folder / SOURCES_FILE, lambda t: t.write_text(text, encoding="utf-8"))
    named = {r["data_file"] for r in records.values()}
    for stale in folder.glob("*.parquet"):
        if stale.name not in named:
            stale.unlink()
    return {kind: records[kind] for kind in tables}


def load_official(ref_dir: Path) -> OfficialData | None:
    """Return the stored official area data of an ICB, or None when nothing is stored."""
    records = read_records(ref_dir)
    if not records:
        return None
    frames: dict[str, pd.DataFrame] = {}
    for kind, record in records.items():
        path = store_dir(ref_dir) / record["data_file"]
        if not path.is_file():
            raise ValueError(f"{path} is missing; re-run: python -m phm reference --{kind} FILE")
        frames[kind] = pd.read_parquet(path)
    return OfficialData(
        frames.get("imd"), frames.get("population"), frames.get("ethnicity"), records
    )

"""Write a built database back out as contract files: sample extracts for tests, demos and benchmarks."""

from __future__ import annotations

from pathlib import Path

import duckdb

from phm.ingest.contract import INPUTS

FORMATS = {"csv": "(FORMAT csv, HEADER)", "parquet": "(FORMAT parquet)"}


def write_sample_extract(database: Path, folder: Path, fmt: str = "csv") -> dict[str, Path]:
    """Write persons, vaccinations, practices and sites of `database` as contract files; return paths."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, got {fmt!r}")
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    con = duckdb.connect(str(database), read_only=True)
    try:
        for kind, spec in INPUTS.items():
            columns = ", ".join(f.name for f in spec.fields)  # fixed names from the contract
            path = folder / f"{kind}.{fmt}"
            sql = f"COPY (SELECT {columns} FROM {spec.table}) TO $path {FORMATS[fmt]}"
            con.execute(sql, {"path": str(path)})
            paths[kind] = path
    finally:
        con.close()
    return paths

"""Load the committed reference geography (LSOAs, postcodes), its attribution, and measure distances.

Runtime code: only pandas, pyarrow, numpy and shapely.  The files are written by
``python -m phm reference`` (see ``phm.geo.reference``) into ``data/reference/<icb-slug>/``.
Geometries are WKB bytes in EPSG:4326 (lon/lat); decode them with ``decode_geometries``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REFERENCE_ROOT = Path(__file__).parents[2] / "data" / "reference"

LSOA_FILE = "lsoa.parquet"
POSTCODE_FILE = "postcode.parquet"
META_FILE = "meta.json"
LSOA_COLUMNS = [
    "lsoa_code",
    "lsoa_name",
    "msoa_code",
    "msoa_name",
    "lad_code",
    "lad_name",
    "icb_code",
    "icb_name",
    "centroid_lon",
    "centroid_lat",
    "area_km2",
    "geometry",
]
POSTCODE_COLUMNS = ["postcode", "lsoa_code", "msoa_code", "lad_code", "lon", "lat", "is_live"]
EARTH_RADIUS_M = 6_371_008.8
# What must be shown wherever the reference geography (boundaries, postcodes) is used.
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains National Statistics data © Crown copyright and database right. "
    "Contains OS data © Crown copyright and database right."
)
CODE_POINT_ATTRIBUTION = "Contains Royal Mail data © Royal Mail copyright and database right."


def _require_file(ref_dir: Path, name: str) -> Path:
    """Return ref_dir/name, raising ValueError with a clear message when it is missing."""
    ref_dir = Path(ref_dir)
    if not ref_dir.is_dir():
        raise ValueError(
            f"Reference folder {ref_dir} does not exist; run "
            '`python -m phm reference --icb "<ICB name>"` to create it'
        )
    path = ref_dir / name
    if not path.is_file():
        raise ValueError(f"Reference folder {ref_dir} has no {name}; re-run the extraction")
    return path


def _read_columns(path: Path, columns: list[str]) -> pd.DataFrame:
    """Read a parquet file and check it holds the expected columns, in that order."""
    frame = pd.read_parquet(path)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path} lacks columns {missing}")
    return frame[columns]


def load_lsoas(ref_dir: Path) -> pd.DataFrame:
    """Load one row per LSOA with codes, names, centroid, area and WKB geometry."""
    return _read_columns(_require_file(ref_dir, LSOA_FILE), LSOA_COLUMNS)


def load_postcodes(ref_dir: Path) -> pd.DataFrame:
    """Load the postcodes of the ICB's LSOAs with lon/lat (WGS84)."""
    return _read_columns(_require_file(ref_dir, POSTCODE_FILE), POSTCODE_COLUMNS)


def load_reference_meta(ref_dir: Path) -> dict[str, Any]:
    """Load meta.json (ICB name/code, counts, sources, attribution)."""
    path = _require_file(ref_dir, META_FILE)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(meta, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return meta


def decode_geometries(lsoas: pd.DataFrame) -> np.ndarray:
    """Decode the WKB geometry column into an array of shapely geometries."""
    import shapely

    return shapely.from_wkb(lsoas["geometry"].to_numpy())


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Return great-circle distances in metres between lon/lat points (broadcasting)."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype="float64")) for v in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    )
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix(
    from_lon: Sequence[float],
    from_lat: Sequence[float],
    to_lon: Sequence[float],
    to_lat: Sequence[float],
) -> np.ndarray:
    """Return straight-line distances in metres, one row per 'from' point, one column per 'to'."""
    return haversine_m(
        np.asarray(from_lon, dtype=float)[:, None],
        np.asarray(from_lat, dtype=float)[:, None],
        np.asarray(to_lon, dtype=float)[None, :],
        np.asarray(to_lat, dtype=float)[None, :],
    )

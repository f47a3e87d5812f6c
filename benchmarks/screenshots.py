"""Screenshots of every page at a laptop projector's and a desktop's size, normal and presenting.

    python benchmarks/screenshots.py [--db PATH] [--pages map,trends] [--sizes 1366x768]

Starts `streamlit run serve.py` on the database (by default a demo built at scale 0.01 in a
temporary folder), opens each page in headless Chromium and writes, to test-artifacts/
(git-ignored), the first screen (`<page>-<size>-<mode>.png`) and the whole page
(`...-full.png`). Look at them: they are for people, nothing here asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "browser")]

from conftest import CHROMIUM_ARGS, streamlit_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit_page import settle  # noqa: E402

from components.pages import AGGREGATE_PAGES, PAGES, link_path  # noqa: E402
from phm import geo, settings  # noqa: E402

SIZES = ((1366, 768), (1920, 1080))
FULL_HEIGHT = 2600
WEBGL_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database to show (default: a tiny demo)")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--sizes", default="", help="e.g. 1366x768 (default: both sizes)")
    parser.add_argument("--modes", default="normal,present")
    args = parser.parse_args()
    out = ROOT / "test-artifacts" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="phm-screens-"))
    database = args.db
    if database is None:
        from phm.synth.build import build_demo

        database = work / "demo.duckdb"
        build_demo(database, geo.REFERENCE_ROOT / "north-central-london", scale=0.01, seed=7)
    names = [n for n in PAGES if n not in AGGREGATE_PAGES[:2]]
    if args.pages:
        names = args.pages.split(",")
    sizes = SIZES
    if args.sizes:
        sizes = tuple(tuple(int(v) for v in s.split("x")) for s in args.sizes.split(","))
    with streamlit_server(database, work / "server.log") as url, sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=settings.get("PHM_CHROMIUM"),
            headless=True,
            args=[a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + WEBGL_ARGS,
        )
        for width, height in sizes:
            for mode in args.modes.split(","):
                context = chromium.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                for name in names:
                    query = "?present=1" if mode == "present" else ""
                    page.goto(f"{url}/{link_path(name)}{query}")
                    settle(page, 60_000)
                    # Widgets, charts and the map draw after the run, from lazily loaded code.
                    page.wait_for_function(
                        "!document.querySelector('[data-testid=\"stSkeleton\"]')",
                        timeout=60_000,
                    )
                    page.wait_for_timeout(2500)
                    stem = out / f"{name}-{width}x{height}-{mode}"
                    page.screenshot(path=f"{stem}.png")
                    # Streamlit scrolls inside its main block: a tall window shows the whole page.
                    page.set_viewport_size({"width": width, "height": FULL_HEIGHT})
                    page.wait_for_timeout(1500)
                    page.screenshot(path=f"{stem}-full.png")
                    page.set_viewport_size({"width": width, "height": height})
                    print(stem)
                context.close()
        chromium.close()


if __name__ == "__main__":
    main()

"""Cold start: from `streamlit run serve.py` (existing demo database) to the first page rendered in Chromium."""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 10.0
HELLO = 'import streamlit as st\nst.title("Hello")\n'
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def _free_port() -> int:
    """Return a TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    """Poll the health endpoint until the server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError("streamlit did not become healthy")


def start_server(script: Path, db: Path) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run script` on the database at a free port; return it once healthy."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PHM_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(url, server)
    except BaseException:
        stop_server(server)
        raise
    return server, url


def stop_server(server: subprocess.Popen) -> None:
    """Stop a server, killing it if it does not stop in time."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def cold_start(browser: Browser, script: Path, db: Path, heading: str, settled: str) -> dict:
    """Start a server, open its first page and return seconds to healthy, heading and settled."""
    started = time.perf_counter()
    server, url = start_server(script, db)
    try:
        healthy = time.perf_counter() - started
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=120_000)
        first_heading = time.perf_counter() - started
        expect(page.locator(settled).first).to_be_visible(timeout=120_000)
        expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=120_000)
        done = time.perf_counter() - started
        page.close()
    finally:
        stop_server(server)
    return {"healthy": healthy, "heading": first_heading, "settled": done}


def main() -> None:
    """Print the median cold start of the app against a hello-world Streamlit app and the budget."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default=os.environ.get("PHM_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    db = Path(args.db).resolve()
    if not db.exists():
        raise SystemExit(f"{db} does not exist: build the demo first (python -m phm demo)")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
        )
        app, baseline = [], []
        for _ in range(args.runs):
            baseline.append(cold_start(browser, hello, db, "Hello", "h1"))
            app.append(
                cold_start(
                    browser,
                    ROOT / "serve.py",
                    db,
                    "Find target groups",
                    "[data-testid='stMarkdownContainer'] p:has-text('1. ')",
                )
            )
        browser.close()

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"Cold start on {db} ({args.runs} runs each; medians)")
    for key, words in (
        ("healthy", "server healthy"),
        ("heading", "first page's heading drawn"),
        ("settled", "first page rendered with its figures"),
    ):
        print(
            f"  {words:38s} app {median(app, key):5.2f} s   hello-world {median(baseline, key):5.2f} s"
        )
    settled = median(app, "settled")
    print(
        f"  app / hello-world (rendered): {settled / median(baseline, 'settled'):.1f}x;"
        f" {settled / BUDGET_S:.2f} of the {BUDGET_S:.0f} s budget"
        f" (max {max(r['settled'] for r in app):.2f} s)"
    )


if __name__ == "__main__":
    main()

"""A checkout of an older commit beside the current tree, for benchmarks that compare the two.

`old_tree(path, commit)` is a context manager: it uses `path` when it already holds a checkout
of `commit`, else adds a git worktree there (detached) and removes it again on exit. Code of
the old commit is run in subprocesses with PYTHONPATH set to the checkout (`run_in`), so the
two trees' `phm` packages never meet in one interpreter.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "c08df25"  # the last commit with rounding to the nearest 5 and secondary suppression


def _git(*args: str) -> str:
    """Run git in the repository and return its output."""
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


@contextlib.contextmanager
def old_tree(path: Path, commit: str = OLD_COMMIT, keep: bool = False) -> Iterator[Path]:
    """Yield a checkout of `commit` at `path`, adding a worktree if needed (removed on exit)."""
    wanted = _git("rev-parse", f"{commit}^{{commit}}")
    created = False
    if path.exists():
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True
        ).stdout.strip()
        if head != wanted:
            raise SystemExit(f"{path} exists but is not a checkout of {commit}; remove it first")
    else:
        _git("worktree", "add", "--detach", str(path), wanted)
        created = True
    try:
        yield path
    finally:
        if created and not keep:
            _git("worktree", "remove", str(path), "--force")


def tree_env(tree: Path) -> dict[str, str]:
    """Return the environment for running one tree's code: PYTHONPATH set to that tree only."""
    return {**os.environ, "PYTHONPATH": str(tree)}


def run_in(tree: Path, code: str, payload: object) -> object:
    """Run Python `code` with `tree` on PYTHONPATH, giving it `payload` as JSON on stdin; return its JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tree,
        env=tree_env(tree),
        input=json.dumps(payload),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"subprocess in {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])

"""Validation reports: JSON for machines, Markdown and HTML for people, written atomically."""

from __future__ import annotations

import html
import json
import os
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from phm.ingest.validate import Findings
from phm.text import strip_directories

SUFFIXES = (".json", ".md", ".html")
BUILD_ID_KEY = "build_id"  # in dataset_meta and in the report of the load that built it
WITHHELD = (
    "The rows behind these problems (values from the extract, such as birth dates, with row"
    " numbers) are shown to the administrator only."
)


def summary(
    files: dict[str, Path],
    out: Path,
    name: str,
    as_at: date,
    findings: Findings,
    loaded: bool,
    reason: str,
    rows: dict[str, int],
    imd_source: str = "",
    build_id: str = "",
    data_quality: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return the report as plain data (what the JSON file holds).

    `build_id`: the id the loaded database holds in dataset_meta (empty for a refusal).
    """
    return {
        "dataset": name,
        BUILD_ID_KEY: build_id,
        "database": str(out),
        "status": "loaded" if loaded else "refused",
        "reason": reason,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_at_limit": as_at.isoformat(),
        "files": {kind: str(path) for kind, path in files.items()},
        "rows_loaded": rows,
        "imd_source": imd_source,
        "errors": findings.errors(),
        "warnings": findings.warnings(),
        "counts": [asdict(c) for c in findings.counts],
        "problems": [asdict(p) for p in findings.problems],
        "data_quality": list(data_quality or []),
    }


def for_viewer(data: dict[str, Any], administrator: bool) -> dict[str, Any]:
    """Return what a Data page user may see of a report: all of it for the administrator.

    Anyone else gets no problem rows (they hold values from the extract) and file names
    instead of paths, in every field and message.
    """
    if administrator:
        return data
    return {
        **_without_directories(data),
        "database": Path(str(data.get("database", ""))).name,
        "files": {kind: Path(str(path)).name for kind, path in data.get("files", {}).items()},
        "problems": [],
        "problems_withheld": True,
    }


def _without_directories(value: Any) -> Any:
    """Return a JSON-like value with every file path in its text cut to the file name."""
    if isinstance(value, str):
        return strip_directories(value)
    if isinstance(value, dict):
        return {key: _without_directories(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_directories(item) for item in value]
    return value


def _atomic_write(path: Path, text: str) -> None:
    """Write a text file via a temporary file and a rename."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def _cell(value: object) -> str:
    """Return a value for a Markdown table cell, inert (no markup, no pipes, no newlines)."""
    if value is None:
        return ""
    text = str(value).replace("\n", " ").replace("\r", " ")[:120]
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


DQ_HEADERS = ["column", "measure", "completeness", "expected", "meets it"]


def _dq_rows(data: dict[str, Any]) -> list[list[str]]:
    """Return the data-quality section's rows as text."""
    return [
        [
            str(row["column"]),
            str(row["measure"]),
            "not shown" if row["completeness_pct"] is None else f"{row['completeness_pct']:.1f}%",
            "" if row["expected_pct"] is None else f"{row['expected_pct']:.0f}%",
            {True: "yes", False: "NO", None: ""}[row["meets"]],
        ]
        for row in data.get("data_quality", [])
    ]


DQ_NOTE = (
    "Share of the people registered at the as-at date whose record holds each item (from"
    " protected counts), against the contract's expectation (docs/data-contract.md)."
)


def to_markdown(data: dict[str, Any]) -> str:
    """Return the report as Markdown."""
    status = "Loaded" if data["status"] == "loaded" else "REFUSED"
    lines = [
        f"# Validation report: {data['dataset']}",
        "",
        f"**{status}.** {data['reason']}".rstrip(),
        "",
        f"- database: `{data['database']}`",
        f"- checked at: {data['checked_at']}; dates checked against {data['as_at_limit']}",
        *[f"- {kind}: `{path}`" for kind, path in data["files"].items()],
        f"- rows with errors: {data['errors']:,}; rows with warnings: {data['warnings']:,}",
        "",
        "## Problems by type",
        "",
        "| severity | problem | file | column | rows | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for c in data["counts"]:
        lines.append(
            f"| {c['severity']} | {c['check']} | {_cell(c['file'])} | {_cell(c['column'])} |"
            f" {c['count']:,} | {c['message']} |"
        )
    if not data["counts"]:
        lines.append("| | none | | | 0 | |")
    if data.get("data_quality"):
        lines += ["", "## Data quality", "", DQ_NOTE, "", "| " + " | ".join(DQ_HEADERS) + " |"]
        lines.append("|" + "---|" * len(DQ_HEADERS))
        lines += ["| " + " | ".join(row) + " |" for row in _dq_rows(data)]
    if data.get("problems_withheld"):
        return "\n".join([*lines, "", WITHHELD]) + "\n"
    lines += [
        "",
        "## Every problem (first 100 of each type)",
        "",
        "Rows count data rows from 1 (the header is not counted; in a CSV, line = row + 1).",
        "",
        "| severity | problem | file | row | column | value |",
        "|---|---|---|---|---|---|",
    ]
    for p in data["problems"]:
        lines.append(
            f"| {p['severity']} | {p['check']} | {_cell(p['file'])} | {p['row'] or ''} |"
            f" {_cell(p['column'])} | {_cell(p['value'])} |"
        )
    return "\n".join(lines) + "\n"


def to_html(data: dict[str, Any]) -> str:
    """Return the report as a standalone HTML page (every value escaped)."""
    e = html.escape

    def table(headers: list[str], rows: list[list[object]]) -> str:
        head = "".join(f"<th>{e(h)}</th>" for h in headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in row) + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    counts = [
        [c["severity"], c["check"], c["file"], c["column"], f"{c['count']:,}", c["message"]]
        for c in data["counts"]
    ]
    problems = [
        [p["severity"], p["check"], p["file"], p["row"], p["column"], p["value"]]
        for p in data["problems"]
    ]
    status = "Loaded" if data["status"] == "loaded" else "REFUSED"
    every_problem = (
        f"<p>{e(WITHHELD)}</p>"
        if data.get("problems_withheld")
        else "<h2>Every problem (first 100 of each type)</h2>"
        + "<p>Rows count data rows from 1 (in a CSV, line = row + 1).</p>"
        + table(["severity", "problem", "file", "row", "column", "value"], problems)
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Validation report: {e(data['dataset'])}</title><style>"
        "body{font-family:sans-serif;margin:2rem;max-width:70rem}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.3rem}"
        "</style></head><body>"
        f"<h1>Validation report: {e(data['dataset'])}</h1>"
        f"<p><strong>{status}.</strong> {e(data['reason'])}</p>"
        f"<p>Rows with errors: {data['errors']:,}; rows with warnings: {data['warnings']:,}."
        f" Dates checked against {e(data['as_at_limit'])}.</p>"
        "<h2>Problems by type</h2>"
        + table(["severity", "problem", "file", "column", "rows", "meaning"], counts)
        + (
            f"<h2>Data quality</h2><p>{e(DQ_NOTE)}</p>" + table(DQ_HEADERS, _dq_rows(data))
            if data.get("data_quality")
            else ""
        )
        + every_problem
        + "</body></html>\n"
    )


def write(stem: Path, data: dict[str, Any]) -> list[Path]:
    """Write `<stem>.json`, `.md` and `.html`; return their paths."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_name(stem.name + suffix) for suffix in SUFFIXES]
    _atomic_write(paths[0], json.dumps(data, indent=1, default=str))
    _atomic_write(paths[1], to_markdown(data))
    _atomic_write(paths[2], to_html(data))
    return paths


def describes(data: dict[str, Any], meta: dict[str, str]) -> bool:
    """Return whether a report describes the database whose dataset_meta is `meta`."""
    return bool(data.get(BUILD_ID_KEY)) and data.get(BUILD_ID_KEY) == meta.get(BUILD_ID_KEY)


def read(path: Path) -> dict[str, Any]:
    """Read a JSON report."""
    return json.loads(path.read_text(encoding="utf-8"))

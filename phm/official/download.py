"""Fetch official area files from their publishers, or a mirror, for `reference --download`.

Only the command line downloads; the app never does. A mirror (--base-url or PHM_REFERENCE_URL)
is laid out like the shared reference folder (imd2019/..., census2011/...).
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from phm.official.catalog import NOMIS_PAGE_ROWS, SOURCES, Source

USER_AGENT = "phm-uptake-explorer (python -m phm reference --download)"
MAX_BYTES = 300_000_000
MAX_PAGES = 20


def _fetch(url: str, timeout: float) -> bytes:
    """Return the body at a URL, with a clear error when offline or refused."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise ValueError(f"download refused: {url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ValueError(
            f"could not download {url} ({reason}); are you online? Without a connection,"
            " download the file in a browser and give it with --imd/--population/--ethnicity"
        ) from None
    if len(body) > MAX_BYTES:
        raise ValueError(f"download refused: {url} is larger than {MAX_BYTES:,} bytes")
    if not body:
        raise ValueError(f"download failed: {url} returned an empty file")
    return body


def _fetch_pages(url: str, timeout: float) -> bytes:
    """Fetch a Nomis API table page by page (it caps each answer) and join the pages."""
    parts: list[bytes] = []
    for page in range(MAX_PAGES):
        body = _fetch(f"{url}&recordoffset={page * NOMIS_PAGE_ROWS}", timeout)
        lines = body.rstrip(b"\r\n").split(b"\n")
        parts.append(body.rstrip(b"\r\n") if page == 0 else b"\n".join(lines[1:]))
        if len(lines) - 1 < NOMIS_PAGE_ROWS:
            return b"\n".join(p for p in parts if p) + b"\n"
    raise ValueError(f"download stopped: {url} gave more than {MAX_PAGES} pages")


def source_url(source: Source, base_url: str | None) -> str:
    """Return where a source is fetched from: the mirror when given, else the official URL."""
    if base_url:
        return f"{base_url.rstrip('/')}/{source.mirror_path}"
    return source.official_url


def download_official(
    kinds: list[str],
    folder: Path,
    *,
    base_url: str | None = None,
    timeout: float = 60.0,
    progress: Callable[[str], None] = print,
) -> tuple[dict[str, Path], dict[str, str]]:
    """Download each kind into `folder`; return the files and the URLs they came from."""
    files: dict[str, Path] = {}
    urls: dict[str, str] = {}
    for kind in kinds:
        source = SOURCES[kind]
        url = source_url(source, base_url)
        progress(f"Downloading {kind}: {url}")
        if source.is_paged and not base_url:
            body = _fetch_pages(url, timeout)
            name = source.file_name
        else:
            body = _fetch(url, timeout)
            name = Path(source.mirror_path).name if base_url else source.file_name
        path = Path(folder) / name
        temp = path.with_name(f".{name}.part")
        temp.write_bytes(body)
        shutil.move(temp, path)
        files[kind] = path
        urls[kind] = url
        progress(f"  {len(body):,} bytes")
    return files, urls

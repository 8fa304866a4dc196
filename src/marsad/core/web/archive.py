"""A page capture as a web archive: request and response records in a WARC
(`warcio`), packaged as WACZ (`wacz`) so that ReplayWeb.page and pywb replay it
and anyone can check its digests."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# Headers describing a transfer that the archive does not reproduce (the body is stored whole).
_HOP_BY_HOP = {"transfer-encoding", "connection", "keep-alive"}


@dataclass
class Exchange:
    url: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes | Path
    date: datetime
    method: str = "GET"
    request_headers: list[tuple[str, str]] | None = None


class ArchiveFailed(Exception):
    pass


def write_warc(path: Path, exchanges: Iterable[Exchange], software: str) -> int:
    """Write the exchanges to a gzipped WARC; returns how many responses it holds."""
    count = 0
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": software, "format": "WARC/1.1"}))
        for ex in exchanges:
            date = ex.date.strftime("%Y-%m-%dT%H:%M:%SZ")
            kept = [(k, v) for k, v in ex.headers if k.lower() not in _HOP_BY_HOP]
            kept += [(f"X-Archive-Orig-{k}", v) for k, v in ex.headers if k.lower() in _HOP_BY_HOP]
            status = StatusAndHeaders(f"{ex.status} {ex.reason}".strip(), kept, protocol="HTTP/1.1")
            with _open_body(ex.body) as body:
                response = writer.create_warc_record(ex.url, "response", payload=body, http_headers=status,
                                                     warc_headers_dict={"WARC-Date": date})
                writer.write_record(response)
            if ex.request_headers is not None:
                parts = urlsplit(ex.url)
                target = parts.path or "/"
                if parts.query:
                    target += "?" + parts.query
                request = StatusAndHeaders(f"{ex.method} {target} HTTP/1.1", ex.request_headers, is_http_request=True)
                record = writer.create_warc_record(ex.url, "request", payload=io.BytesIO(b""), http_headers=request,
                                                   warc_headers_dict={"WARC-Date": date})
                writer.write_record(record)
            count += 1
    return count


@contextlib.contextmanager
def _open_body(body: bytes | Path):
    if isinstance(body, Path):
        with open(body, "rb") as f:
            yield f
    else:
        yield io.BytesIO(body)


def make_wacz(warc: Path, out: Path, *, url: str, date: datetime, title: str) -> Path:
    """Package one WARC as a WACZ with its page list and index."""
    from wacz.main import main as wacz_main

    ts = date.strftime("%Y%m%d%H%M%S")
    args = ["create", "-o", str(out), str(warc), "--url", url, "--ts", ts, "--date", date.isoformat(),
            "--title", title[:200] or url, "--hash-type", "sha256"]
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        try:
            code = wacz_main(args)
        except SystemExit as e:  # argparse errors
            code = e.code
    if code not in (0, None) or not out.is_file():
        raise ArchiveFailed(f"WACZ not made: {captured.getvalue().strip()[-500:]}")
    return out


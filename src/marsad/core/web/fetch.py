"""One HTTP GET, with everything a court may later ask about it: each hop of the
redirect chain with its status and headers, the final URL, when it was fetched,
and the body spooled to disk (never held in memory) with its SHA-256.

Compression is declined (`Accept-Encoding: identity`) so the bytes kept are the
bytes served. A whole-request deadline guards against servers that drip.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests

_CHUNK = 1 << 16
GONE = (404, 410)
BLOCKED = (401, 403, 451)


class FetchFailed(Exception):
    """No usable response; `outcome` says which kind of failure (for per-link reports)."""

    def __init__(self, outcome: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome  # timeout | unreachable | too-large | invalid
        self.status = status


@dataclass
class Hop:
    url: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""  # a redirect's own body (small); the final body is spooled

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")


@dataclass
class Fetched:
    url: str
    hops: list[Hop]  # every response in order; the last is the final one
    fetched_at: datetime
    body: Path
    size: int
    sha256: str

    @property
    def final(self) -> Hop:
        return self.hops[-1]

    @property
    def final_url(self) -> str:
        return self.final.url

    @property
    def status(self) -> int:
        return self.final.status

    @property
    def content_type(self) -> str:
        return self.final.header("Content-Type").split(";")[0].strip().lower()

    def summary(self) -> dict:
        """What a capture keeps of the exchange."""
        return {
            "requested_url": self.url,
            "final_url": self.final_url,
            "http_status": self.status,
            "fetched_at": self.fetched_at.isoformat(),
            "redirects": [{"url": h.url, "status": h.status, "location": h.header("Location")} for h in self.hops[:-1]],
            "response_headers": self.final.headers,
            "request_headers": self.final.request_headers,
            "content_type": self.content_type,
            "content_sha256": self.sha256,
            "content_size": self.size,
        }


def fetch(url: str, spool: Path, *, timeout: float, max_bytes: int, user_agent: str,
          session: requests.Session | None = None) -> Fetched:
    """GET `url` following redirects; any HTTP status is returned (the caller judges
    it). Raises FetchFailed when there is no response or it is over `max_bytes`."""
    http = session or requests.Session()
    headers = {"User-Agent": user_agent, "Accept-Encoding": "identity", "Accept": "*/*"}
    deadline = time.monotonic() + timeout
    fetched_at = datetime.now(timezone.utc)
    try:
        response = http.get(url, headers=headers, stream=True, allow_redirects=True, timeout=(timeout, timeout))
    except requests.Timeout as e:
        raise FetchFailed("timeout", f"no answer within {timeout:g} s") from e
    except requests.exceptions.InvalidURL as e:
        raise FetchFailed("invalid", f"not a usable URL: {e}") from e
    except requests.RequestException as e:
        raise FetchFailed("unreachable", f"could not connect: {_reason(e)}") from e
    with response:
        hops = [_hop(r, with_body=True) for r in response.history] + [_hop(response)]
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchFailed("too-large", f"{int(declared):,} bytes, over the limit of {max_bytes:,}",
                              response.status_code)
        fd, name = tempfile.mkstemp(dir=spool, suffix=".body")
        body, digest, size = Path(name), hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in response.raw.stream(_CHUNK, decode_content=False):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchFailed("too-large", f"over the limit of {max_bytes:,} bytes", response.status_code)
                    if time.monotonic() > deadline:
                        raise FetchFailed("timeout", f"the body did not arrive within {timeout:g} s",
                                          response.status_code)
                    digest.update(chunk)
                    out.write(chunk)
        except Exception as e:  # ours, requests', urllib3's own (ReadTimeoutError, ProtocolError), the OS's
            body.unlink(missing_ok=True)
            if isinstance(e, FetchFailed):
                raise
            if "timed out" in str(e).lower():
                raise FetchFailed("timeout", f"the body did not arrive within {timeout:g} s") from e
            raise FetchFailed("unreachable", f"connection broke while reading: {_reason(e)}") from e
    return Fetched(url, hops, fetched_at, body, size, digest.hexdigest())


def _hop(response: requests.Response, with_body: bool = False) -> Hop:
    request = response.request
    return Hop(
        url=response.url,
        status=response.status_code,
        reason=response.reason or "",
        headers=list(response.raw.headers.items()) if response.raw is not None else list(response.headers.items()),
        method=request.method or "GET",
        request_headers=list(request.headers.items()),
        body=response.content[:1 << 16] if with_body else b"",
    )


def _reason(e: Exception) -> str:
    text = str(e)
    for marker in ("Errno", "NewConnectionError", "RemoteDisconnected"):
        if marker in text:
            return text[text.index(marker):].split("'))")[0].split("))")[0]
    return text[:300]

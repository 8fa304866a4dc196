"""One HTTP GET, with everything a court may later ask about it: each hop of the
redirect chain with its status and headers, the final URL, when it was fetched,
and the body spooled to disk (never held in memory) with its SHA-256.

Compression is declined (`Accept-Encoding: identity`) so the bytes kept are the
bytes served. A whole-exchange deadline holds against servers that drip; every body,
a redirect's included, is read only up to its cap; and no hop may reach an address
inside the network Marsad runs in (server-side request forgery) unless it is named.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.utils import requote_uri
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .addresses import Allowed, is_internal

_CHUNK = 1 << 16
GONE = (404, 410)
BLOCKED = (401, 403, 451)


class FetchFailed(Exception):
    """No usable response; `outcome` says which kind of failure (for per-link reports)."""

    def __init__(self, outcome: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome  # timeout | unreachable | too-large | invalid | refused
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
          allowed: Allowed | None = None) -> Fetched:
    """GET `url` following redirects; any HTTP status is returned (the caller judges
    it). Raises FetchFailed when there is no response, it is over `max_bytes`, the whole
    exchange takes longer than `timeout`, or any hop reaches an internal address that
    `allowed` does not name ("refused")."""
    headers = {"User-Agent": user_agent, "Accept-Encoding": "identity", "Accept": "*/*"}
    guard = _Guard(allowed or Allowed())
    # The deadline holds for the whole exchange: a server that drips a byte a second
    # never trips a per-read timeout, so its sockets are shut when the time is up.
    watchdog = threading.Timer(timeout, guard.expire)
    watchdog.daemon = True
    deadline = time.monotonic() + timeout
    fetched_at = datetime.now(timezone.utc)
    hops: list[Hop] = []
    http = _session(guard)
    watchdog.start()
    try:
        current = url
        while True:
            response = _request(http, current, headers, guard, deadline, timeout)
            with response:
                target = http.get_redirect_target(response)
                if target is None:
                    hops.append(_hop(response))
                    body, digest, size = _spool(response, spool, guard, deadline, timeout, max_bytes)
                    return Fetched(url, hops, fetched_at, body, size, digest)
                # A redirect's own body is kept in part, never read whole.
                hops.append(_hop(response, _read_some(response, _REDIRECT_BODY, guard, timeout)))
            if len(hops) > _MAX_REDIRECTS:
                raise FetchFailed("unreachable", f"more than {_MAX_REDIRECTS} redirects", response.status_code)
            current = requote_uri(urljoin(response.url, target))
    finally:
        watchdog.cancel()
        http.close()


_MAX_REDIRECTS = 30
_REDIRECT_BODY = 1 << 16


class _Refused(Exception):
    """Raised from inside urllib3's connect; not an OSError, so nothing retries or wraps it."""


class _Guard:
    """One fetch's watch over the sockets it opens: each is checked against the address it
    actually reached (so a name re-pointed between a check and the connection cannot slip
    through), and all are shut when the deadline passes."""

    def __init__(self, allowed: Allowed) -> None:
        self.allowed = allowed
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def check_name(self, host: str, port: int | None) -> None:
        try:
            infos = socket.getaddrinfo(host, port or 80, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return  # the connection fails on its own, with its own message
        for *_, sockaddr in infos:
            self._judge(host, sockaddr[0])

    def admit(self, host: str, sock: socket.socket) -> None:
        try:
            self._judge(host, sock.getpeername()[0])
        except _Refused:
            sock.close()
            raise
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def _judge(self, host: str, address: str) -> None:
        if is_internal(address) and not self.allowed.permits(host, address):
            raise _Refused(f"{host} is at {address}, an address inside this network; only public web sites "
                           "are fetched (MARSAD_FETCH_ALLOW_HOSTS names the exceptions)")

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:  # the plain socket's shutdown: wakes a read blocked in another thread, TLS or not
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


def _session(guard: _Guard) -> requests.Session:
    def guarded(base):
        class Connection(base):
            def _new_conn(self):
                guard.check_name(self.host, self.port)  # refused before any packet is sent
                sock = super()._new_conn()
                guard.admit(self.host, sock)  # the address reached, whatever the name says now
                return sock
        return Connection

    class Pool(HTTPConnectionPool):
        ConnectionCls = guarded(HTTPConnection)

    class TLSPool(HTTPSConnectionPool):
        ConnectionCls = guarded(HTTPSConnection)

    pools = {"http": Pool, "https": TLSPool}

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, *args, **kwargs):
            manager = super().proxy_manager_for(*args, **kwargs)
            manager.pool_classes_by_scheme = pools  # a proxy on an internal address must be allowed too
            return manager

    http = requests.Session()
    http.mount("http://", Adapter(max_retries=0))
    http.mount("https://", Adapter(max_retries=0))
    return http


def _request(http: requests.Session, url: str, headers: dict, guard: _Guard, deadline: float,
             timeout: float) -> requests.Response:
    left = max(deadline - time.monotonic(), 0.001)
    try:
        # Through the adapter, not Session.send: that reads a redirect's body whole, to reuse the connection.
        prepared = http.prepare_request(requests.Request("GET", url, headers=headers))
        env = http.merge_environment_settings(prepared.url, {}, True, None, None)
        response = http.get_adapter(prepared.url).send(prepared, stream=True, timeout=(left, left), verify=env["verify"],
                                                       cert=env["cert"], proxies=env["proxies"])
        extract_cookies_to_jar(http.cookies, prepared, response.raw)
        return response
    except _Refused as e:
        raise FetchFailed("refused", str(e)) from None
    except requests.Timeout as e:
        raise FetchFailed("timeout", f"no answer within {timeout:g} s") from e
    except requests.exceptions.InvalidURL as e:
        raise FetchFailed("invalid", f"not a usable URL: {e}") from e
    except (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema) as e:
        raise FetchFailed("invalid", f"not a usable URL: {e}") from e
    except requests.RequestException as e:
        if guard.expired:
            raise FetchFailed("timeout", f"no answer within {timeout:g} s") from e
        raise FetchFailed("unreachable", f"could not connect: {_reason(e)}") from e


def _chunks(response: requests.Response, guard: _Guard, timeout: float):
    try:
        yield from response.raw.stream(_CHUNK, decode_content=False)
    except Exception as e:  # requests', urllib3's own (ReadTimeoutError, ProtocolError), the OS's
        if guard.expired or "timed out" in str(e).lower():
            raise FetchFailed("timeout", f"the body did not arrive within {timeout:g} s",
                              response.status_code) from e
        raise FetchFailed("unreachable", f"connection broke while reading: {_reason(e)}",
                          response.status_code) from e
    if guard.expired:  # a body without a length ends quietly when its socket is shut
        raise FetchFailed("timeout", f"the body did not arrive within {timeout:g} s", response.status_code)


def _read_some(response: requests.Response, limit: int, guard: _Guard, timeout: float) -> bytes:
    kept = bytearray()
    for chunk in _chunks(response, guard, timeout):
        kept += chunk
        if len(kept) >= limit:
            break
    return bytes(kept[:limit])


def _spool(response: requests.Response, spool: Path, guard: _Guard, deadline: float, timeout: float,
           max_bytes: int) -> tuple[Path, str, int]:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed("too-large", f"{int(declared):,} bytes, over the limit of {max_bytes:,}",
                          response.status_code)
    fd, name = tempfile.mkstemp(dir=spool, suffix=".body")
    body, digest, size = Path(name), hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(response, guard, timeout):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchFailed("too-large", f"over the limit of {max_bytes:,} bytes", response.status_code)
                if time.monotonic() > deadline:
                    raise FetchFailed("timeout", f"the body did not arrive within {timeout:g} s",
                                      response.status_code)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        body.unlink(missing_ok=True)
        raise
    return body, digest.hexdigest(), size


def _hop(response: requests.Response, body: bytes = b"") -> Hop:
    request = response.request
    return Hop(
        url=response.url,
        status=response.status_code,
        reason=response.reason or "",
        headers=list(response.raw.headers.items()) if response.raw is not None else list(response.headers.items()),
        method=request.method or "GET",
        request_headers=list(request.headers.items()),
        body=body,
    )


def _reason(e: Exception) -> str:
    text = str(e)
    for marker in ("Errno", "NewConnectionError", "RemoteDisconnected"):
        if marker in text:
            return text[text.index(marker):].split("'))")[0].split("))")[0]
    return text[:300]

"""The served app from outside: start `marsad serve`, log in, follow links, run wrk against a page."""

from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

LUA = Path(__file__).with_name("pick.lua")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marsad_command() -> list[str]:
    exe = Path(sys.executable).with_name("marsad")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "marsad.cli.main"]


class Server:
    """`marsad serve --workers 0` in the background, its output in a log file in the workspace."""

    def __init__(self, home: Path, port: int, threads: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log = home / "bench-serve.log"
        cmd = marsad_command() + ["serve", "--home", str(home), "--host", "127.0.0.1", "--port", str(port),
                                  "--workers", "0", "--threads", str(threads)]
        self.proc = subprocess.Popen(cmd, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, env=os.environ.copy())

    def wait(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"marsad serve exited ({self.proc.returncode}); see {self.log}")
            try:
                urllib.request.urlopen(self.base + "/en/accounts/login/", timeout=5).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError(f"marsad serve did not answer in {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Page(HTMLParser):
    """What the bench needs from a page: form controls, the "next" link, the forms' field names."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.controls: set[str] = set()
        self.next: str | None = None
        self._next_by_class: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("input", "select", "textarea") and a.get("name"):
            self.controls.add(a["name"])
            if tag == "input":
                self.inputs.setdefault(a["name"], a.get("value", ""))
        if tag in ("a", "link"):
            href = a.get("href") or a.get("hx-get")
            if href and "next" in a.get("rel", "").split() and self.next is None:
                self.next = href
            elif href and "next" in a.get("class", "").split() and self._next_by_class is None:
                self._next_by_class = href

    def close(self) -> None:
        super().close()
        self.next = self.next or self._next_by_class


class Session:
    """A logged-in browser without the browser: cookies kept, redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str, str]:
        """(status, final path, text); errors come back as their status, not raised."""
        url = urllib.parse.urljoin(self.base, path)
        try:
            with self.opener.open(urllib.request.Request(url, headers=headers or {}), timeout=120) as r:
                return r.status, urllib.parse.urlsplit(r.url)._replace(scheme="", netloc="").geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, path, e.read().decode(errors="replace")

    def login(self, username: str, password: str, path: str = "/en/accounts/login/") -> None:
        status, _, html = self.get(path)
        page = Page(html)
        token = page.inputs.get("csrfmiddlewaretoken")
        if status != 200 or not token:
            raise RuntimeError(f"login page {path}: status {status}, csrf token {'found' if token else 'missing'}")
        body = urllib.parse.urlencode({"login": username, "password": password, "csrfmiddlewaretoken": token}).encode()
        url = urllib.parse.urljoin(self.base, path)
        req = urllib.request.Request(url, data=body, headers={"Referer": url})
        with self.opener.open(req, timeout=60) as r:
            landed = urllib.parse.urlsplit(r.url).path
        if "/accounts/login/" in landed or "sessionid" not in {c.name for c in self.jar}:
            raise RuntimeError(f"login as {username!r} did not succeed (landed on {landed})")

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def follow_next(self, path: str, times: int) -> tuple[str | None, int]:
        """The page reached by following rel="next" `times` times from `path`, and how many were followed."""
        for n in range(times):
            status, final, html = self.get(path)
            page = Page(html)
            if status != 200 or not page.next:
                return None, n
            path = urllib.parse.urljoin(final, page.next)
        return path, times


def run_wrk(wrk: str, base: str, paths: list[str], cookie: str, users: int, duration: int,
            authorization: str = "") -> dict:
    """Closed loop: `users` connections, each sending its next request when the last one is answered.
    `authorization`: an Authorization header value (API pages) instead of the session cookie."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as f:
        f.write("\n".join(paths) + "\n")
    try:
        cmd = [wrk, f"-t{min(users, 2)}", f"-c{users}", f"-d{duration}s", "--timeout", "30s", "-s", str(LUA),
               base, "--", f.name, cookie] + ([authorization] if authorization else [])
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    finally:
        os.unlink(f.name)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result (exit {out.returncode}): {out.stdout[-500:]} {out.stderr[-500:]}")
    r = json.loads(line.removeprefix("WRK-RESULT "))
    seconds = r["duration_us"] / 1e6
    return {
        "requests": r["requests"], "seconds": round(seconds, 1),
        "rps": round(r["requests"] / seconds, 1) if seconds else 0.0,
        **{k: round(r[f"{k}_us"] / 1000, 1) for k in ("p50", "p90", "p95", "p99", "max", "mean")},
        "statuses": r["statuses"], "errors": {k: v for k, v in r["errors"].items() if v},
        "kib_per_response": round(r["bytes"] / max(r["requests"], 1) / 1024, 1),
    }

"""Fetching links safely, against real servers on loopback: internal addresses refused at
every hop and at the address actually reached, every body capped (a redirect's too), and
a deadline that holds against a server that drips."""

import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from marsad.core.web.addresses import Allowed
from marsad.core.web.fetch import FetchFailed, fetch

pytestmark = pytest.mark.once

LOOPBACK = Allowed.parse("127.0.0.1")


class _Handler(BaseHTTPRequestHandler):
    sent = 0  # bytes of body written by /huge-redirect, all requests together
    pages: dict[str, bytes] = {}  # extra pages a test serves
    asked: list[str] = []  # paths requested

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.asked.append(self.path)
        if self.path in self.pages:
            return self._send(200, self.pages[self.path], [("Content-Type", "text/html")])
        try:
            getattr(self, "route_" + self.path.strip("/").replace("-", "_").split("?")[0] or "route_root")()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_page(self):
        self._send(200, b"<html>hello</html>", [("Content-Type", "text/html")])

    def route_to_metadata(self):
        self._send(302, headers=[("Location", "http://169.254.169.254/latest/meta-data/")])

    def route_to_loopback(self):
        self._send(302, headers=[("Location", f"http://127.0.0.1:{self.server.server_port}/page")])

    def route_huge_redirect(self):
        self.send_response(302)
        self.send_header("Location", "/page")
        self.send_header("Content-Length", str(250 << 20))
        self.end_headers()
        chunk = b"x" * (1 << 20)
        for _ in range(250):
            self.wfile.write(chunk)
            type(self).sent += len(chunk)

    def route_drip_body(self):
        self.send_response(200)
        self.send_header("Content-Length", "40")
        self.end_headers()
        for _ in range(40):
            self.wfile.write(b"x")
            time.sleep(0.2)

    def route_drip_headers(self):
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
            self.wfile.write(bytes([byte]))
            time.sleep(0.2)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _get(url, tmp_path, timeout=5.0, allowed=None, max_bytes=1 << 20):
    return fetch(url, tmp_path, timeout=timeout, max_bytes=max_bytes, user_agent="test", allowed=allowed)


def test_loopback_is_refused_unless_named_by_address_or_by_name(server, tmp_path):
    port = server.server_port
    with pytest.raises(FetchFailed) as refused:
        _get(f"http://127.0.0.1:{port}/page", tmp_path)
    assert refused.value.outcome == "refused" and "127.0.0.1" in str(refused.value)
    assert _get(f"http://127.0.0.1:{port}/page", tmp_path, allowed=LOOPBACK).body.read_bytes() == b"<html>hello</html>"
    assert _get(f"http://localhost:{port}/page", tmp_path, allowed=Allowed.parse("intranet.lan, LOCALHOST")).status == 200
    assert _get(f"http://127.0.0.1:{port}/page", tmp_path, allowed=Allowed.parse("127.0.0.0/8")).status == 200
    assert _get(f"http://127.0.0.1:{port}/page", tmp_path, allowed=Allowed(everything=True)).status == 200


def test_every_redirect_hop_is_checked_metadata_service_included(server, tmp_path):
    port = server.server_port
    started = time.monotonic()
    with pytest.raises(FetchFailed) as metadata:
        _get(f"http://127.0.0.1:{port}/to-metadata", tmp_path, allowed=LOOPBACK)
    assert metadata.value.outcome == "refused" and "169.254.169.254" in str(metadata.value)
    assert time.monotonic() - started < 2  # refused before connecting, not timed out
    # A name that is allowed may not hand over to an address that is not.
    with pytest.raises(FetchFailed) as hop:
        _get(f"http://localhost:{port}/to-loopback", tmp_path, allowed=Allowed.parse("localhost"))
    assert hop.value.outcome == "refused" and "127.0.0.1 is at 127.0.0.1" in str(hop.value)


def test_a_name_that_rebinds_between_check_and_connect_is_caught_at_the_socket(server, tmp_path, monkeypatch):
    real = socket.getaddrinfo
    calls = []

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            calls.append(host)  # public for the check, loopback for the connection
            host = "93.184.215.14" if len(calls) == 1 else "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(FetchFailed) as caught:
        _get(f"http://rebind.example:{server.server_port}/page", tmp_path)
    assert len(calls) == 2
    assert caught.value.outcome == "refused" and "rebind.example is at 127.0.0.1" in str(caught.value)


def test_a_redirect_with_a_huge_body_is_not_read_whole(server, tmp_path):
    _Handler.sent = 0
    got = _get(f"http://127.0.0.1:{server.server_port}/huge-redirect", tmp_path, allowed=LOOPBACK)
    assert [h.status for h in got.hops] == [302, 200]
    assert len(got.hops[0].body) == 1 << 16 and got.body.read_bytes() == b"<html>hello</html>"
    time.sleep(0.2)
    assert _Handler.sent < 32 << 20  # what socket buffers took before the connection closed, not 250 MB


@pytest.mark.parametrize("path, message", [("/drip-body", "the body did not arrive within 1 s"),
                                           ("/drip-headers", "no answer within 1 s")])
def test_the_deadline_holds_against_a_server_that_drips(server, tmp_path, path, message):
    started = time.monotonic()
    with pytest.raises(FetchFailed) as late:
        _get(f"http://127.0.0.1:{server.server_port}{path}", tmp_path, timeout=1, allowed=LOOPBACK)
    elapsed = time.monotonic() - started
    assert late.value.outcome == "timeout" and message in str(late.value)
    assert elapsed < 2, elapsed  # the whole fetch, not each read
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left


@pytest.mark.browser
def test_a_page_in_the_browser_cannot_load_from_an_address_that_is_not_allowed(server, tmp_path):
    from marsad.core.web import browser

    try:
        chromium = browser.find_browser()
    except browser.BrowserUnavailable:
        pytest.skip("no Chromium")
    port = server.server_port
    _Handler.pages["/with-secret"] = f'<html><img src="http://127.0.0.1:{port}/secret.png"></html>'.encode()
    _Handler.asked.clear()
    rendered = browser.render(f"http://localhost:{port}/with-secret", tmp_path, browser=chromium, timeout=10,
                              user_agent="test", max_bytes=1 << 20, allowed=Allowed.parse("localhost"))
    assert "/with-secret" in _Handler.asked and "/secret.png" not in _Handler.asked
    assert [r.url for r in rendered.resources] == [f"http://localhost:{port}/with-secret"]


def test_the_setting_names_hosts_addresses_and_networks(monkeypatch):
    from marsad.plugins.weblink import allowed_internal

    monkeypatch.delenv("MARSAD_WEB_ALLOW_PRIVATE", raising=False)
    monkeypatch.setenv("MARSAD_FETCH_ALLOW_HOSTS", " Wiki.Office.lan., 10.1.0.0/16, ::1")
    allowed = allowed_internal()
    assert allowed.permits("wiki.office.lan", "192.168.1.5")
    assert allowed.permits("other.lan", "10.1.200.3") and allowed.permits("[::1]", "::1")
    assert not allowed.permits("other.lan", "10.2.0.1") and not allowed.permits("x", "169.254.169.254")
    monkeypatch.setenv("MARSAD_FETCH_ALLOW_HOSTS", "")
    assert not allowed_internal().permits("localhost", "127.0.0.1")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root drops to nobody")
def test_as_root_the_browser_is_started_as_nobody(tmp_path):
    import pwd
    import subprocess

    from marsad.core.web.browser import _unprivileged

    profile = tmp_path / "profile"
    profile.mkdir()
    launcher = _unprivileged("/usr/bin/id", profile)  # in place of Chromium: who does it run as?
    ran = subprocess.run([launcher, "-u"], capture_output=True, text=True, check=True)
    assert int(ran.stdout) == pwd.getpwnam("nobody").pw_uid
    assert (profile / "data").stat().st_uid == int(ran.stdout) and profile.stat().st_uid == 0


def test_connections_opened_by_other_libraries_are_checked_at_the_address(server):
    from marsad.core.web.addresses import connections_checked

    where = ("127.0.0.1", server.server_port)
    with connections_checked(Allowed()), pytest.raises(PermissionError, match="127.0.0.1 is at 127.0.0.1"):
        socket.create_connection(where, timeout=2)
    for allowed in (LOOPBACK, Allowed.parse("localhost")):  # a name is taken by its addresses
        with connections_checked(allowed):
            socket.create_connection(where, timeout=2).close()
    socket.create_connection(where, timeout=2).close()  # outside the block nothing is checked


def test_yt_dlp_cannot_download_from_an_internal_address(server, tmp_path):
    from marsad.core.web.media import download_media

    other = ThreadingHTTPServer(("127.0.0.2", 0), _Handler)  # loopback too, but not allowed
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        video = f"http://127.0.0.2:{other.server_port}/secret.mp4"
        _Handler.pages["/video-page"] = f'<html><video src="{video}"></video></html>'.encode()
        _Handler.asked.clear()
        result = download_media(f"http://127.0.0.1:{server.server_port}/video-page", tmp_path, timeout=5,
                                max_bytes=1 << 20, user_agent="test", allowed=LOOPBACK)
    finally:
        other.shutdown()
        other.server_close()
    assert "/video-page" in _Handler.asked and "/secret.mp4" not in _Handler.asked
    assert result.files == [] and "127.0.0.2 is at 127.0.0.2" in " ".join(result.notes)

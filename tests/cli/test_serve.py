"""`marsad serve`: the real command, a real WSGI server, static files, security
headers, analysis workers running beside it, and a huge form post refused early."""

import re
import socket
import time

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(marsad, tmp_path):
    password = tmp_path / "pw"
    password.write_text("a-long-password-2019\n")
    marsad.run("user", "add", "amal", "--role", "editor", "--password-file", str(password))
    port = _free_port()
    proc = marsad.popen("serve", "--port", str(port), "--workers", "1")
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            # The first answer loads Django: on a slow machine it may take longer than a second.
            requests.get(base + "/", timeout=(1, 30), allow_redirects=False)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield marsad, base
    proc.terminate()
    proc.wait(timeout=30)


def _children(pid: int) -> list[int]:
    from pathlib import Path

    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"PPid:\t{pid}\n" in status.read_text():
                found.append(int(status.parent.name))
        except OSError:
            pass
    return found


def test_sigterm_stops_the_workers_too(marsad):
    import os

    proc = marsad.popen("serve", "--port", str(_free_port()), "--workers", "2", "--processes", "2")
    for _ in range(300):
        workers = _children(proc.pid)
        if len(workers) == 4:  # two server processes, two analysis workers
            break
        time.sleep(0.1)
    assert len(workers) == 4
    proc.terminate()
    assert proc.wait(timeout=30) == 0
    time.sleep(0.5)
    alive = [pid for pid in workers if os.path.exists(f"/proc/{pid}") and "Z" not in open(f"/proc/{pid}/stat").read().split()[2]]
    assert not alive, f"workers left running: {alive}"


def test_serve_answers_with_static_files_and_security_headers(served):
    marsad, base = served
    root = requests.get(base + "/", allow_redirects=False)
    assert root.status_code == 302 and root.headers["Location"].endswith("/en/")
    login = requests.get(base + "/ar/accounts/login/")
    assert login.status_code == 200 and 'dir="rtl"' in login.text
    csp = login.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script[^>]*>", login.text)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert login.headers["X-Frame-Options"] == "DENY" and login.headers["X-Content-Type-Options"] == "nosniff"
    cookie = login.headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie
    htmx = requests.get(base + "/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and "javascript" in htmx.headers["Content-Type"] and "htmx" in htmx.text[:4000]


def test_login_and_a_page_through_the_real_server(served):
    marsad, base = served
    session = requests.Session()
    page = session.get(base + "/en/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    signed_in = session.post(base + "/en/accounts/login/", data={"login": "amal", "password": "a-long-password-2019",
                                                                 "csrfmiddlewaretoken": token},
                             headers={"Referer": base + "/en/accounts/login/"})
    assert signed_in.status_code == 200 and "amal" in signed_in.text and "/en/accounts/login/" not in signed_in.url
    session_cookie = next(c for c in signed_in.history[0].raw.headers.getlist("Set-Cookie") if c.startswith("sessionid="))
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie
    assert session.get(base + "/en/").status_code == 200


def test_a_500_megabyte_form_post_is_refused_before_it_is_read(served):
    marsad, base = served
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as conn:
        conn.sendall(b"POST /en/accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 524288000\r\n\r\n")
        conn.sendall(b"x" * 65536)
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 10  # refused from the headers, not after reading 500 MB


def test_workers_started_by_serve_analyse_what_is_queued(served, samples):
    marsad, base = served
    marsad.run("ingest", "--no-wait", str(samples["photo"]))
    for _ in range(600):
        items = marsad.json("items")
        if items and items[0]["analysis"] == "done":
            break
        time.sleep(0.2)
    assert items[0]["analysis"] == "done", items

"""A local web site for the web-link tests, made by code: a page with an HTML5
video, a direct MP4, a photo gallery, a redirect chain, a 404, a 410, a 403, a
slow endpoint, and a page that can be made to disappear or change."""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

from tests.core.test_fingerprints import _textured_frames, _write

VIDEO_PAGE = """<!doctype html><html lang="ar"><head><meta charset="utf-8">
<title>غارة على مشفى كفرنبل الجراحي — Strike on Kafr Nabl surgical hospital</title></head>
<body><h1>غارة جوية على مشفى كفرنبل الجراحي</h1><p>5 May 2019, Kafr Nabl, Idlib countryside.</p>
<video controls width="320" src="/media/strike.mp4"></video></body></html>"""

GALLERY_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Photos: Maarat al-Numan market</title>
<meta property="og:image" content="/photos/cover.jpg"></head><body>
<img src="/static/icon.png" width="16" height="16">
<a href="/photos/full-1.jpg"><img src="/photos/thumb-1.jpg"></a>
<a href="/photos/full-2.jpg"><img src="/photos/thumb-2.jpg"></a>
<img srcset="/photos/small-3.jpg 320w, /photos/large-3.jpg 1280w" src="/photos/small-3.jpg">
<img src="/photos/missing.jpg"></body></html>"""

TEXT_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Statement</title></head>
<body><p>Statement of the Idlib Health Directorate on the attack on the surgical hospital.</p></body></html>"""


def _jpeg(seed: int, size: tuple[int, int]) -> bytes:
    image = Image.effect_mandelbrot(size, (-2 + seed * 0.05, -1.2, 1, 1.2), 60 + seed).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _png_icon() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


class Site:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        video = folder / "strike.mp4"
        _write(video, _textured_frames(20), (320, 180))
        direct = folder / "direct.mp4"
        _write(direct, _textured_frames(20, seed=9), (320, 180))
        self.files: dict[str, tuple[str, bytes]] = {
            "/video.html": ("text/html; charset=utf-8", VIDEO_PAGE.encode()),
            "/media/strike.mp4": ("video/mp4", video.read_bytes()),
            "/direct.mp4": ("video/mp4", direct.read_bytes()),
            "/gallery.html": ("text/html; charset=utf-8", GALLERY_PAGE.encode()),
            "/text.html": ("text/html; charset=utf-8", TEXT_PAGE.encode()),
            "/later-gone.html": ("text/html; charset=utf-8", TEXT_PAGE.replace("Statement", "Report").encode()),
            "/static/icon.png": ("image/png", _png_icon()),
            "/photos/cover.jpg": ("image/jpeg", _jpeg(1, (800, 500))),
            "/photos/thumb-1.jpg": ("image/jpeg", _jpeg(2, (160, 100))),
            "/photos/full-1.jpg": ("image/jpeg", _jpeg(2, (960, 600))),
            "/photos/thumb-2.jpg": ("image/jpeg", _jpeg(3, (160, 100))),
            "/photos/full-2.jpg": ("image/jpeg", _jpeg(3, (960, 600))),
            "/photos/small-3.jpg": ("image/jpeg", _jpeg(4, (320, 200))),
            "/photos/large-3.jpg": ("image/jpeg", _jpeg(4, (1280, 800))),
        }
        self.redirects = {"/r1": "/r2", "/r2": "/video.html"}
        self.statuses = {"/missing": 404, "/removed": 410, "/forbidden": 403}
        self.slow = {"/slow"}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                try:
                    self.answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a browser that stopped loading a video part-way

            def answer(self) -> None:
                path = self.path.split("?")[0]
                if path in site.slow:
                    time.sleep(6)
                if path in site.redirects:
                    self.send_response(302 if path == "/r1" else 301)
                    self.send_header("Location", site.redirects[path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path in site.files:
                    kind, body = site.files[path]
                    self.send_response(200)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Last-Modified", "Sun, 05 May 2019 14:40:00 GMT")
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    status = site.statuses.get(path, 404)
                    body = f"{status}".encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""The witness's HTTP side (c2sp.org/tlog-witness `add-checkpoint`), and the log's client for it."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .note import Verifier
from .witness import Answer, Cosigner, WitnessState

MAX_REQUEST = 64 * 1024  # 63 proof lines and a note with a few signatures fit many times over
TIMEOUT_S = 30


def make_server(host: str, port: int, state: WitnessState, trusted: dict[str, Verifier],
                cosigner: Cosigner, clock: Callable[[], float] = time.time) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        timeout = TIMEOUT_S  # a client that stops sending does not hold a thread forever

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            if self.path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
                return self._answer(Answer(404, "only POST /add-checkpoint is served here\n"))
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return self._answer(Answer(411, "a Content-Length is required\n"))
            if not 0 < length <= MAX_REQUEST:
                return self._answer(Answer(413, "the request is empty or too large\n"))
            try:
                text = self.rfile.read(length).decode("utf-8")
            except UnicodeDecodeError:
                return self._answer(Answer(400, "the request is not UTF-8 text\n"))
            self._answer(state.add_checkpoint(text, trusted, cosigner, int(clock())))

        def _answer(self, answer: Answer) -> None:
            body = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # one line a request, no request bodies
            print(f"{self.address_string()} {format % args}", flush=True)

    return ThreadingHTTPServer((host, port), Handler)


class WitnessError(Exception):
    pass


def submit(url: str, body: str) -> tuple[int, str, str]:
    """POST an add-checkpoint request; (status, content type, body). Raises WitnessError if unreachable."""
    request = urllib.request.Request(url.rstrip("/") + "/add-checkpoint", data=body.encode(), method="POST",
                                     headers={"Content-Type": "text/plain; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read(MAX_REQUEST).decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read(MAX_REQUEST).decode(errors="replace")
    except (urllib.error.URLError, OSError) as e:
        raise WitnessError(f"the witness at {url} could not be reached: {getattr(e, 'reason', e)}") from e

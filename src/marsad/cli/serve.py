"""`marsad serve`: the web app under a production WSGI server, with analysis workers beside it.

Rendering pages is Python work that one process does on one core, so the server
forks several waitress processes sharing one listening socket (bench/web.py: one
process tops out near 40 pages a second on this kind of machine)."""

from __future__ import annotations

import os
import signal
import socket
import sys

import click

from marsad import conf

from .context import home_option, setup_django


@click.command("serve")
@home_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; loopback by default (put HTTPS in front for anything else).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--processes", type=int, default=None, help="Web server processes (default: one per core, at most 4).")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per web server process.")
@click.option("--workers", type=int, default=None, help="Analysis processes (default: MARSAD_WORKERS; 0: none).")
def serve_command(host: str, port: int, processes: int | None, threads: int, workers: int | None) -> None:
    """Serve the web app (waitress) and run analysis workers until stopped."""
    from .init import init_workspace

    init_workspace()  # migrations of a newer release applied before anyone logs in
    setup_django()
    from django.db import connections

    from marsad.web.wsgi import application

    from .worker import start_workers

    processes = processes or min(4, os.cpu_count() or 1)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=1024)
    connections.close_all()  # each process opens its own database connections
    children = [_fork_server(application, listener, threads) for _ in range(processes)] if processes > 1 else []
    # SIGTERM (systemd, `kill`) must stop the servers and workers too: make it an exit that runs `finally`.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    count = conf.get("workers") if workers is None else workers
    procs = start_workers(count, batch=False) if count else []
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    click.echo(f"Marsad is at http://{shown}:{port}/  (العربية: http://{shown}:{port}/ar/) — Ctrl+C stops it")
    try:
        if children:
            os.waitpid(children[0], 0)  # a server process ending (it should not) ends the whole service
        else:
            _serve(application, listener, threads)
    finally:
        for pid in children:
            _stop(pid)
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def _serve(application, listener: socket.socket, threads: int) -> None:
    import waitress

    # A 2 GB upload arrives in 8 MiB resumable pieces; the cap only stops a runaway request.
    waitress.serve(application, sockets=[listener], threads=threads, max_request_body_size=64 << 20,
                   ident="marsad", clear_untrusted_proxy_headers=True, _quiet=True)


def _fork_server(application, listener: socket.socket, threads: int) -> int:
    pid = os.fork()
    if pid == 0:  # the child serves until it is told to stop
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the parent, which stops us
        try:
            _serve(application, listener, threads)
        finally:
            os._exit(0)
    return pid


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


COMMANDS = [serve_command]

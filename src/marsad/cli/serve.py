"""`marsad serve`: the web app under a production WSGI server, with analysis workers beside it."""

from __future__ import annotations

import signal
import sys

import click

from marsad import conf

from .context import home_option, setup_django


@click.command("serve")
@home_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; loopback by default (put HTTPS in front for anything else).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--workers", type=int, default=None, help="Analysis processes (default: MARSAD_WORKERS; 0: none).")
def serve_command(host: str, port: int, threads: int, workers: int | None) -> None:
    """Serve the web app (waitress) and run analysis workers until stopped."""
    from .init import init_workspace

    init_workspace()  # migrations of a newer release applied before anyone logs in
    setup_django()
    import waitress

    from marsad.web.wsgi import application

    from .worker import start_workers

    # SIGTERM (systemd, `kill`) must stop the workers too: turn it into an exit that runs `finally`.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    count = conf.get("workers") if workers is None else workers
    procs = start_workers(count, batch=False) if count else []
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    click.echo(f"Marsad is at http://{shown}:{port}/  (العربية: http://{shown}:{port}/ar/) — Ctrl+C stops it")
    try:
        # A 2 GB upload arrives in 8 MiB resumable pieces; the cap only stops a runaway request.
        waitress.serve(application, host=host, port=port, threads=threads, max_request_body_size=64 << 20,
                       ident="marsad", clear_untrusted_proxy_headers=True, _quiet=True)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


COMMANDS = [serve_command]

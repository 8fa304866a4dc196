"""`marsad init`: create or upgrade a workspace; safe to re-run."""

from __future__ import annotations

import click

from .context import home_option, setup_django, workspace


def init_workspace(quiet: bool = False) -> tuple[bool, str]:
    """Create the folders and keys, migrate the database, record the log's genesis."""
    ws = workspace()
    fresh = ws.create()
    setup_django()
    from django.core.management import call_command
    from django.db import transaction

    from marsad.custody import log
    from marsad.custody.models import LogEntry

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        log.lock_head()
        if not LogEntry.objects.exists():
            # Leaf 0 names the key that signs every checkpoint of this log.
            log.record("genesis", outputs=[{"vkey": ws.verifier().vkey()}])
    log.sign_checkpoint()
    return fresh, str(ws.home)


@click.command("init")
@home_option
def init_command() -> None:
    """Create the workspace (database, store, log, signing key)."""
    fresh, home = init_workspace()
    click.echo(f"{'Created' if fresh else 'Upgraded'} workspace {home}")


COMMANDS = [init_command]

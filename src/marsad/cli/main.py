"""The `marsad` command: one click group, one module per verb."""

from __future__ import annotations

import click

from marsad import __version__

from . import (accounts, backup, cluster, demo, fixity, incidents, ingest, init, inspect, logcmd, manage, matching,
               places, projects_io, publish, recheck, redact, search, serve, status, store, tokens, watch, witness,
               worker)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="marsad")
def cli() -> None:
    """Marsad: preserve, verify and publish evidence of attacks on civilians."""


for module in (init, ingest, watch, recheck, worker, status, inspect, matching, places, incidents, logcmd, fixity, demo,
               accounts, projects_io, tokens, search, serve, manage, store, backup, redact, witness, publish, cluster):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    try:
        cli()
    except Exception as e:
        if _older_database(e):
            raise SystemExit("marsad: this workspace's database is older than this Marsad: run `marsad init` to "
                             "upgrade it (nothing is lost), then run the command again.") from None
        raise


def _older_database(error: Exception) -> bool:
    """Whether a database error comes from migrations not yet applied (Marsad upgraded, workspace not)."""
    from django.db import DatabaseError

    if not isinstance(error, DatabaseError):
        return False
    try:
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except Exception:
        return False

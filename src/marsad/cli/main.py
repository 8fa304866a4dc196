"""The `marsad` command: one click group, one module per verb."""

from __future__ import annotations

import click

from marsad import __version__

from . import (accounts, backup, demo, fixity, incidents, ingest, init, inspect, logcmd, manage, matching, places,
               projects_io, publish, recheck, redact, search, serve, status, store, tokens, watch, witness, worker)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="marsad")
def cli() -> None:
    """Marsad: preserve, verify and publish evidence of attacks on civilians."""


for module in (init, ingest, watch, recheck, worker, status, inspect, matching, places, incidents, logcmd, fixity, demo,
               accounts, projects_io, tokens, search, serve, manage, store, backup, redact, witness, publish):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli()

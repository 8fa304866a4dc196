"""`marsad manage ...`: Django's management commands, in this workspace."""

import click

from .context import home_option, setup_django


@click.command("manage", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@home_option
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage_command(args: tuple[str, ...]) -> None:
    """Run a Django management command (e.g. `marsad manage createsuperuser`)."""
    setup_django(require_workspace=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["marsad manage", *args])


COMMANDS = [manage_command]

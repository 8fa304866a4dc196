"""What every verb shares: finding the workspace and setting up Django once."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from marsad.core.workspace import Workspace, WorkspaceNotFound

from .safe_text import CliError


EXIT_FAILURES = 1  # the command ran, but something failed (named in its output)
EXIT_USAGE = 2


def home_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --home to a verb; it sets MARSAD_HOME before anything reads settings."""

    def set_home(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value:
            os.environ["MARSAD_HOME"] = str(Path(value).resolve())

    return click.option(
        "--home",
        type=click.Path(file_okay=False),
        expose_value=False,
        is_eager=True,
        callback=set_home,
        help="Workspace folder (default: $MARSAD_HOME or ./marsad-data).",
    )(func)


def workspace() -> Workspace:
    from marsad import conf

    return Workspace(conf.home())


@functools.cache
def setup_django(require_workspace: bool = True) -> Workspace:
    ws = workspace()
    if require_workspace and not ws.exists():
        raise CliError(str(WorkspaceNotFound(ws.home)))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marsad.web.settings")
    import django

    django.setup()
    return ws

"""`marsad project add` and `marsad user add|list`: set up a team without a browser."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from marsad.access.roles import Role

from .context import home_option, setup_django
from .safe_text import CliError, shown_markup


@click.group("project")
def project_group() -> None:
    """Projects: a project groups incidents and the evidence attached to them."""


@project_group.command("add")
@home_option
@click.argument("name")
@click.option("--slug", help="Short name used in URLs and --project (default: made from NAME).")
def project_add(name: str, slug: str | None) -> None:
    """Add a project."""
    setup_django()
    from marsad.access.service import AccessError, add_project
    from marsad.custody import log

    try:
        project = add_project(name, slug, actor=log.actor_id())
    except AccessError as e:
        raise CliError(str(e)) from e
    log.sign_checkpoint()
    click.echo(project.slug)


@click.group("user")
def user_group() -> None:
    """People who work in the web app, and their role in each project."""


@user_group.command("add")
@home_option
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--project", help="Project name or slug (default: the default project).")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the password from this file; without it one is made and printed once.")
def user_add(name: str, role: str, project: str | None, password_file: Path | None) -> None:
    """Add a person (or give an existing one a role in another project)."""
    setup_django()
    from django.contrib.auth import get_user_model

    from marsad.access.service import AccessError, add_user, get_project, set_role
    from marsad.custody import log

    actor = log.actor_id()
    made_password = None
    try:
        target = get_project(project)
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            if password_file:
                password = password_file.read_text(encoding="utf-8").strip()
                if len(password) < 8:
                    raise AccessError("the password file holds fewer than 8 characters")
            else:
                password = made_password = secrets.token_urlsafe(12)
            user = add_user(name, password, actor=actor)
        set_role(user, target, role, actor=actor)
    except AccessError as e:
        raise CliError(str(e)) from e
    log.sign_checkpoint()
    click.echo(f"{name}: {role} in {target.slug}")
    if made_password:
        click.echo(f"password (shown once): {made_password}")


@user_group.command("list")
@home_option
@click.option("--json", "as_json", is_flag=True)
def user_list(as_json: bool) -> None:
    """Every person, their roles and whether two-factor is on."""
    setup_django()
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.order_by("username").prefetch_related("memberships__project")
    with_2fa = set(Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("user_id", flat=True))
    rows = [{"username": u.username, "active": u.is_active, "two_factor": u.pk in with_2fa,
             "last_login": u.last_login.isoformat() if u.last_login else None,
             "roles": {m.project.slug: m.role for m in u.memberships.all()}} for u in users]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(rows)} people")
    for col in ("username", "roles", "2FA", "last login"):
        table.add_column(col)
    for r in rows:
        table.add_row(shown_markup(r["username"]), shown_markup(", ".join(f"{p}: {role}" for p, role in r["roles"].items())),
                      "yes" if r["two_factor"] else "no", r["last_login"] or "never")
    Console().print(table)


COMMANDS = [project_group, user_group]

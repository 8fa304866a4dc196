"""`marsad token create|list|revoke`: API tokens for one person in one project."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from .context import home_option, setup_django
from .safe_text import CliError, shown_markup


@click.group("token")
def token_group() -> None:
    """API tokens: one person, one project, one scope (read, comment, edit), an expiry."""


@token_group.command("create")
@home_option
@click.option("--user", "username", required=True, help="Whose token: it acts as this person.")
@click.option("--project", required=True, help="Project name or slug: the token reaches only this project.")
@click.option("--scope", type=click.Choice(["read", "comment", "edit"]), required=True,
              help="read: what the role may read; comment: and comments; edit: and every change the role allows.")
@click.option("--expires", default="90d", show_default=True, help="Lifetime: 30d, 12h, 2w (at most 366 days).")
@click.option("--name", default="", help="What the token is for (shown in `token list`).")
def token_create(username: str, project: str, scope: str, expires: str, name: str) -> None:
    """Make a token and print it once: it is stored only as a hash."""
    setup_django()
    from django.contrib.auth import get_user_model

    from marsad.access.service import AccessError, get_project
    from marsad.api import tokens
    from marsad.custody import log

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CliError(f"no user {username!r}; add one with `marsad user add`")
    try:
        made = tokens.create(user, get_project(project), scope, actor=log.actor_id(), name=name,
                             life=tokens.parse_life(expires))
    except (AccessError, tokens.TokenError) as e:
        raise CliError(str(e)) from e
    log.sign_checkpoint()
    click.echo(f"token {made.token.public_id}: {scope} in {made.token.project.slug} for {username}, "
               f"expires {made.token.expires_at:%Y-%m-%d %H:%M} UTC")
    click.echo(f"secret (shown once): {made.secret}")


@token_group.command("list")
@home_option
@click.option("--user", "username", help="Only this person's tokens.")
@click.option("--json", "as_json", is_flag=True)
def token_list(username: str | None, as_json: bool) -> None:
    """Every token (never its secret): whose, where, scope, expiry, last use, revoked."""
    setup_django()
    from marsad.api.models import ApiToken

    rows = ApiToken.objects.select_related("user", "project").order_by("created", "id")
    if username:
        rows = rows.filter(user__username=username)
    out = [{"id": t.public_id, "name": t.name, "user": t.user.username, "project": t.project.slug, "scope": t.scope,
            "created": t.created.isoformat(), "expires_at": t.expires_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None} for t in rows]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(out)} tokens")
    for col in ("id", "user", "project", "scope", "expires", "last used", "revoked", "name"):
        table.add_column(col)
    for r in out:
        table.add_row(r["id"], shown_markup(r["user"]), shown_markup(r["project"]), r["scope"], r["expires_at"][:16],
                      (r["last_used_at"] or "never")[:16], (r["revoked_at"] or "")[:16], shown_markup(r["name"]))
    Console().print(table)


@token_group.command("revoke")
@home_option
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    """Revoke a token (its id from `token list`): it is refused from now on."""
    setup_django()
    from marsad.api import tokens
    from marsad.custody import log

    try:
        token = tokens.revoke(tokens.find(token_id), actor=log.actor_id())
    except tokens.TokenError as e:
        raise CliError(str(e)) from e
    log.sign_checkpoint()
    click.echo(f"token {token.public_id} revoked")


COMMANDS = [token_group]

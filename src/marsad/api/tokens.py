"""Making, checking and revoking API tokens. The same functions for the CLI and the API.

A token reads `msd_<public id>_<secret>`: the public id (12 hex digits) finds the row,
the SHA-256 of the whole token is compared in constant time, so neither a timing nor
a stolen database gives the token away. Creation and revocation are custody events
(`access`, as a change of role is); the user's name is committed by hash only."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marsad.access.models import Membership
from marsad.custody import log

from .models import ApiToken

PREFIX = "msd_"
DEFAULT_LIFE = timedelta(days=90)
LONGEST_LIFE = timedelta(days=366)
SHAPE = re.compile(r"msd_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})")
SCOPES = [s.value for s in ApiToken.Scope]
# Acts each scope allows, on top of what the role allows (roles.CAN keys). "manage" never:
# the API has no management. "edit_restricted" only where the role has it too.
SCOPE_ACTIONS = {
    "read": {"view", "view_restricted", "view_original"},
    "comment": {"view", "view_restricted", "view_original", "comment"},
    "edit": {"view", "view_restricted", "view_original", "comment", "upload", "edit", "review", "edit_restricted"},
}


class TokenError(ValueError):
    pass


class Refused(Exception):
    """Why a presented token was not accepted (the API answers 401 with this)."""


@dataclass(frozen=True)
class Made:
    token: ApiToken
    secret: str  # the whole token: shown once, never stored


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_life(text: str | None) -> timedelta:
    """"30d", "12h", "2w" or a number of days; at most LONGEST_LIFE."""
    if not text:
        return DEFAULT_LIFE
    m = re.fullmatch(r"\s*(\d+)\s*([hdw]?)\s*", text.lower())
    if not m:
        raise TokenError(f"expiry {text!r} is not like 30d, 12h or 2w")
    number, unit = int(m.group(1)), m.group(2) or "d"
    life = {"h": timedelta(hours=number), "d": timedelta(days=number), "w": timedelta(weeks=number)}[unit]
    if life <= timedelta(0) or life > LONGEST_LIFE:
        raise TokenError(f"a token lives between an hour and {LONGEST_LIFE.days} days")
    return life


def create(user, project, scope: str, *, actor: str, name: str = "", life: timedelta = DEFAULT_LIFE) -> Made:
    if scope not in SCOPES:
        raise TokenError(f"scope must be one of {', '.join(SCOPES)}")
    if not Membership.objects.filter(user=user, project=project).exists():
        raise TokenError(f"{user.username} has no role in {project.slug}: give one first (marsad user add)")
    public_id = secrets.token_hex(6)
    secret = f"{PREFIX}{public_id}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    with transaction.atomic():
        log.lock_head()
        entry = log.record("access", actor=actor, time=now, outputs=[{
            "action": "api-token-created", "token": public_id, "user": log.actor_id(user.username),
            "project": project.slug, "scope": scope, "expires": (now + life).isoformat()}],
            details={"username": user.username, "name": name})
        token = ApiToken.objects.create(public_id=public_id, secret_sha256=digest(secret), user=user, project=project,
                                        name=name[:100], scope=scope, created=now, expires_at=now + life,
                                        log_index=entry.index)
    return Made(token, secret)


def revoke(token: ApiToken, *, actor: str) -> ApiToken:
    with transaction.atomic():
        log.lock_head()
        token.refresh_from_db()
        if token.revoked_at is not None:
            raise TokenError(f"token {token.public_id} was revoked already")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log.record("access", actor=actor, time=token.revoked_at,
                   outputs=[{"action": "api-token-revoked", "token": token.public_id,
                             "user": log.actor_id(token.user.username), "project": token.project.slug}])
    return token


def find(id_or_public: str) -> ApiToken:
    text = id_or_public.strip().removeprefix(PREFIX)
    token = ApiToken.objects.select_related("user", "project").filter(public_id=text[:12].lower()).first()
    if token is None and text.isdigit():
        token = ApiToken.objects.select_related("user", "project").filter(pk=int(text)).first()
    if token is None:
        raise TokenError(f"no token {id_or_public!r}")
    return token


def check(presented: str, now: datetime | None = None) -> tuple[ApiToken, str]:
    """The token and the user's role in its project, or Refused saying why."""
    m = SHAPE.fullmatch(presented.strip())
    if not m:
        raise Refused(_("This is not a Marsad API token."))
    token = ApiToken.objects.select_related("user", "project").filter(public_id=m.group(1)).first()
    # Compare even when no row was found, so that both cases take the same time.
    expected = token.secret_sha256 if token else "0" * 64
    if not hmac.compare_digest(expected, digest(presented.strip())) or token is None:
        raise Refused(_("Unknown token."))
    now = now or timezone.now()
    if token.revoked_at is not None:
        raise Refused(_("This token was revoked."))
    if token.expires_at <= now:
        raise Refused(_("This token has expired."))
    if not token.user.is_active:
        raise Refused(_("This token's account is disabled."))
    role = Membership.objects.filter(user=token.user, project=token.project).values_list("role", flat=True).first()
    if role is None:
        raise Refused(_("This token's user no longer has a role in its project."))
    # One write a minute at most: reading must not turn every GET into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, role

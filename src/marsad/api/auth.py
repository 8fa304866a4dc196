"""Bearer tokens, and what a request may do with one.

After a token is accepted, `request.user` is the token's user with the role cache
of `marsad.access.rules` (`user._marsad_roles`) holding that user's role in the
token's project only. Every predicate and queryset of `rules` (allowed, role_for,
visible_items, visible_incidents, projects_where) then sees that one project and
nothing else: the API asks exactly what the pages ask, and another project of the
same user is as unknown as to an outsider (404).

The scope is checked on its own, per endpoint, before the object: reads need "read",
comments "comment", every change "edit" (`require`). An act then needs both the
scope and the role (`may`): an edit token of a viewer edits nothing; a read token
of an owner changes nothing. "manage" is never allowed through the API;
"edit_restricted" only with an edit token whose role has it.

No session or cookie is read: there is no CSRF surface and no login to lock out
(django-axes counts failed sign-ins, and a token is not a sign-in)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

from marsad.access.roles import Role
from marsad.access.rules import allowed

from .tokens import SCOPE_ACTIONS, SCOPES, Refused, check


class TokenRefused(AuthenticationError):
    def __init__(self, message: str) -> None:
        super().__init__(401, message)


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization", "")
        if not header:
            from django.utils.translation import gettext as _

            raise TokenRefused(_("Send a token: Authorization: Bearer <token>."))
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str):
        try:
            row, role = check(token)
        except Refused as e:
            raise TokenRefused(str(e)) from e
        user = row.user
        user._marsad_roles = {row.project_id: Role(role)}  # rules.roles_of reads this: one project only
        request.user = user  # whoever the session cookie names is never used
        request.api_token = row
        return row


def require(request: HttpRequest, scope: str) -> None:
    """403 unless the token's scope reaches `scope` (read < comment < edit)."""
    from django.utils.translation import gettext as _

    have = request.api_token.scope
    if SCOPES.index(have) < SCOPES.index(scope):
        raise HttpError(403, _("This token's scope (%(have)s) does not allow this; it needs %(need)s.")
                        % {"have": have, "need": scope})


def may(request: HttpRequest, action: str, obj=None) -> bool:
    """The page's predicate, capped by the token's scope."""
    return action in SCOPE_ACTIONS[request.api_token.scope] and allowed(request.user, action, obj)

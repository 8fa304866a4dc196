"""Idempotency tokens for forms that create something (a comment, an incident).

The token says when the form was shown, signed so it cannot be forged. The
service then treats "the same thing by the same person since the form was
shown" as the first submission, so a double click or a resent POST adds
nothing; a new comment needs a newly shown form."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from django.core import signing

SALT = "marsad.incidents.once"
MAX_AGE = 7 * 24 * 3600


def new() -> str:
    return signing.dumps({"t": datetime.now(UTC).timestamp(), "n": secrets.token_hex(6)}, salt=SALT)


def issued(token: str) -> datetime | None:
    """When the form with this token was shown; None when forged or too old."""
    try:
        value = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
        return datetime.fromtimestamp(float(value["t"]), UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None

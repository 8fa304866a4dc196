"""Opaque page cursors: a page's own cursor text (a keyset position, an offset) wrapped
in URL-safe base64 so that clients pass `next` back rather than build one."""

from __future__ import annotations

import base64


class BadCursor(ValueError):
    """A cursor that no page gave."""


def encode(cursor: str | None) -> str | None:
    return base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("=") if cursor else None


def decode(text: str | None) -> str:
    """The cursor text inside `text`; "" for none."""
    if not text:
        return ""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as e:
        raise BadCursor(text) from e

"""Search queries (placeholder until the full-text index lands): the interface the
shared filter (marsad.incidents.filters) calls."""

from __future__ import annotations

from django.db.models import Q


def incidents_matching(user, text: str):
    """A queryset of incident ids whose searchable text (as the user may read it) matches `text`."""
    from marsad.access.rules import visible_incidents

    return visible_incidents(user).filter(Q(title__icontains=text)).values("pk")


def items_matching(user, text: str):
    """A queryset of item ids whose searchable text (as the user may read it) matches `text`."""
    from marsad.access.rules import visible_items

    return visible_items(user).none().values("pk")

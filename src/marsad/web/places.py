"""A place's name in the reader's language, for every page family (incidents, explore,
search): the Arabic name on an Arabic page where there is one, else the name."""

from __future__ import annotations

from django.utils import translation


def reading_arabic() -> bool:
    return translation.get_language() == "ar"


def name_in(name: str | None, name_ar: str | None, arabic: bool | None = None) -> str:
    """`arabic` None: the active language decides."""
    if arabic is None:
        arabic = reading_arabic()
    return ((name_ar or name) if arabic else name) or ""


def place_name(place, arabic: bool | None = None) -> str:
    """A Place (or None) named for the reader; "" for none."""
    return "" if place is None else name_in(place.name, place.name_ar, arabic)

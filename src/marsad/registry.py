"""The one registry of plug-ins: sources (and, later, fingerprints and exporters).

Built-ins are registered in `_builtins()` exactly as a third party would be, via
the `marsad.sources` entry-point group; duplicate names are rejected.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points

from marsad.core.sources import Source


class PluginError(Exception):
    pass


def _builtins() -> list[Source]:
    from marsad.plugins.files import FilesSource

    return [FilesSource()]


@functools.cache
def sources() -> dict[str, Source]:
    found: dict[str, Source] = {}
    third_party = [ep.load()() for ep in entry_points(group="marsad.sources")]
    for source in _builtins() + third_party:
        if not isinstance(source, Source):
            raise PluginError(f"{source!r} does not implement the Source protocol")
        if source.name in found:
            raise PluginError(f"two sources are named {source.name!r}")
        found[source.name] = source
    return found


def source_for(locator: str, kind: str | None = None) -> Source:
    registered = sources()
    if kind:
        if kind not in registered:
            raise PluginError(f"unknown source {kind!r}; known: {', '.join(sorted(registered))}")
        return registered[kind]
    for source in registered.values():
        if source.recognises(locator):
            return source
    raise PluginError(f"{locator}: no such file or folder, and no source recognises it")


def reset() -> None:
    sources.cache_clear()

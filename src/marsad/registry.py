"""The one registry of plug-ins: sources, fingerprints and exporters.

Built-ins are registered exactly as a third party would be, through the
`marsad.sources` / `marsad.fingerprints` / `marsad.exporters` entry-point groups; each plug-in is
checked against its protocol and duplicate names are rejected.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points
from typing import Any

from marsad.core.exports import Exporter
from marsad.core.fingerprints.base import Fingerprinter
from marsad.core.sources import Source


class PluginError(Exception):
    pass


def _builtin_sources() -> list[Source]:
    from marsad.plugins.files import FilesSource
    from marsad.plugins.linklist import LinkListSource
    from marsad.plugins.telegram import TelegramSource
    from marsad.plugins.webarchive import WebArchiveSource
    from marsad.plugins.weblink import WebLinkSource

    return [TelegramSource(), WebArchiveSource(), LinkListSource(), WebLinkSource(), FilesSource()]  # asked in order: the catch-all last


def _builtin_fingerprinters() -> list[Fingerprinter]:
    from marsad.core.fingerprints.pdq import PDQ
    from marsad.core.fingerprints.video import VideoPDQ

    return [PDQ(), VideoPDQ()]


def _builtin_exporters() -> list[Exporter]:
    from marsad.plugins.export_atlos import AtlosExporter
    from marsad.plugins.export_csv import CSVExporter
    from marsad.plugins.export_geojson import GeoJSONExporter
    from marsad.plugins.export_timemap import TimeMapExporter
    from marsad.plugins.export_xlsx import XLSXExporter

    return [CSVExporter(), GeoJSONExporter(), XLSXExporter(), AtlosExporter(), TimeMapExporter()]


def _collect(builtins: list[Any], group: str, protocol: type, what: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for plugin in builtins + [ep.load()() for ep in entry_points(group=group)]:
        if not isinstance(plugin, protocol):
            raise PluginError(f"{plugin!r} does not implement the {protocol.__name__} protocol")
        if plugin.name in found:
            raise PluginError(f"two {what} are named {plugin.name!r}")
        found[plugin.name] = plugin
    return found


@functools.cache
def sources() -> dict[str, Source]:
    return _collect(_builtin_sources(), "marsad.sources", Source, "sources")


@functools.cache
def fingerprinters() -> dict[str, Fingerprinter]:
    return _collect(_builtin_fingerprinters(), "marsad.fingerprints", Fingerprinter, "fingerprints")


@functools.cache
def exporters() -> dict[str, Exporter]:
    return _collect(_builtin_exporters(), "marsad.exporters", Exporter, "exporters")


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


def fingerprinter_for(kind: str) -> Fingerprinter | None:
    return next((f for f in fingerprinters().values() if f.applies(kind)), None)


def reset() -> None:
    sources.cache_clear()
    fingerprinters.cache_clear()
    exporters.cache_clear()

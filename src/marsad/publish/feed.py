"""An Atom feed (RFC 4287) per language: one entry per published incident, and one per
tombstone, so that a reader following the feed learns of corrections and withdrawals.

Reproducible bytes: every date comes from the database (last public change, first
publication, withdrawal), never the clock; ids are URNs made from the public log's key,
the language and the code, so they stay the same across runs and hosts."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from django.utils import translation
from django.utils.translation import gettext as _

from marsad.core.publish import names
from marsad.core.publish.changes import Withdrawal

from . import words

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


def _id(vkey: str, *parts: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "marsad-publication:" + ":".join((vkey, *parts))))


def _when(moment: datetime | None) -> str:
    return (moment or EPOCH).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def atom(published, withdrawn: list[Withdrawal], lang: str, base_url: str | None, vkey: str) -> bytes:
    page = names.feed_file(lang)

    def href(target: str) -> str:  # relative to the feed itself unless the site's address is known
        return base_url + target if base_url else names.relative(page, target)

    entries = []
    with translation.override(lang):
        for p in published:
            v, place = p.values, p.place
            where = ((place["name_ar"] or place["name"]) if lang == "ar" else place["name"]) if place else (
                v.get("location") or "")
            entries.append((p.last_updated, p.code, v.get("title") or p.code, p.first_published,
                            words.feed_summary(str(v.get("event_date") or ""), where,
                                               v.get("sub_event_type") or v.get("event_type") or "",
                                               v.get("fatalities_best"), v["grade"])))
        for w in withdrawn:
            said = words.withdrawal_line(w.kind) + (" " + w.reason if w.reason else "")
            entries.append((w.when, w.code, _("%(code)s withdrawn") % {"code": w.code}, None, said))
        ET.register_namespace("", ATOM)
        root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
        _add(root, "id", _id(vkey, "feed", lang))
        _add(root, "title", _("Marsad: verified incidents"))
        _add(root, "subtitle", _("Incidents published with their evidence, corrections and withdrawals."))
        _add(root, "updated", _when(max((e[0] for e in entries if e[0]), default=None)))
        _add(root, "link", rel="self", type="application/atom+xml", href=base_url + page if base_url else "feed.atom")
        _add(root, "link", rel="alternate", type="text/html", href=href(names.index_page(lang)))
        _add(_add(root, "author"), "name", "Marsad")
        _add(root, "generator", "Marsad")
        for updated, code, title, first, summary in sorted(entries, key=lambda e: (_when(e[0]), e[1]), reverse=True):
            entry = _add(root, "entry")
            _add(entry, "id", _id(vkey, "incident", lang, code))
            _add(entry, "title", title)
            _add(entry, "updated", _when(updated))
            if first:
                _add(entry, "published", _when(first))
            _add(entry, "link", rel="alternate", type="text/html", hreflang=lang,
                 href=href(names.incident_page(code, lang)))
            _add(entry, "summary", summary)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

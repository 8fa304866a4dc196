"""An Atom feed (RFC 4287) per language: one entry per published incident, and one per
tombstone, so that a reader following the feed learns of corrections and withdrawals.

Reproducible bytes: every date comes from the database (last public change, first
publication, withdrawal), never the clock; ids are URNs made from the public log's key,
the language and the code, so they stay the same across runs and hosts."""

from __future__ import annotations

import uuid
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


def _text(value: str) -> str:
    """Element text escaped as ElementTree writes it."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    """An attribute value escaped as ElementTree writes it."""
    return (_text(value).replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
            .replace("\t", "&#09;"))


def _element(depth: int, tag: str, text: str | None = None, **attrs: str) -> str:
    """One element on its own line, as ElementTree writes it indented (two spaces a level)."""
    pad = "  " * depth
    opened = tag + "".join(f' {k.rstrip("_")}="{_attr(v)}"' for k, v in attrs.items())
    return f"{pad}<{opened} />\n" if not text else f"{pad}<{opened}>{_text(text)}</{tag}>\n"


def atom(published, withdrawn: list[Withdrawal], lang: str, base_url: str | None, vkey: str) -> bytes:
    """The feed's bytes: written line by line (ElementTree's tree of 3,000 entries took most of a
    second, each run), the same bytes ElementTree writes for it, indented."""
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
        out = ["<?xml version='1.0' encoding='utf-8'?>\n", f'<feed xmlns="{ATOM}" xml:lang="{_attr(lang)}">\n',
               _element(1, "id", _id(vkey, "feed", lang)), _element(1, "title", _("Marsad: verified incidents")),
               _element(1, "subtitle", _("Incidents published with their evidence, corrections and withdrawals.")),
               _element(1, "updated", _when(max((e[0] for e in entries if e[0]), default=None))),
               _element(1, "link", rel="self", type="application/atom+xml",
                        href=base_url + page if base_url else "feed.atom"),
               _element(1, "link", rel="alternate", type="text/html", href=href(names.index_page(lang))),
               "  <author>\n", _element(2, "name", "Marsad"), "  </author>\n", _element(1, "generator", "Marsad")]
    for updated, code, title, first, summary in sorted(entries, key=lambda e: (_when(e[0]), e[1]), reverse=True):
        out += ["  <entry>\n", _element(2, "id", _id(vkey, "incident", lang, code)), _element(2, "title", title),
                _element(2, "updated", _when(updated))]
        if first:
            out.append(_element(2, "published", _when(first)))
        out += [_element(2, "link", rel="alternate", type="text/html", hreflang=lang,
                         href=href(names.incident_page(code, lang))),
                _element(2, "summary", summary), "  </entry>\n"]
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")

"""Link lists: the spreadsheets documenters keep, saved as CSV — a column of links
and, beside it, what they noted (date, place, notes, anything else).

The list itself is preserved as an Item. Each distinct link is captured as the
web source captures it, and every capture keeps the row(s) it came from. UTF-8
with or without BOM is read, and Windows Arabic (cp1256, what Excel saves on an
Arabic Windows) when the file is not UTF-8; commas, semicolons or tabs. A bad
row is reported by number and the other rows are captured.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from marsad import conf
from marsad.core.sources import Sighting, SourceError

from .weblink import WebLinkSource, is_url

# Column names tried, in order, when the settings name none (lower-cased, spaces trimmed).
GUESSES = {
    "url": ("url", "link", "links", "href", "source url", "source_url", "source", "رابط", "الرابط", "الروابط",
            "المصدر", "lien"),
    "date": ("date", "incident date", "event_date", "تاريخ", "التاريخ"),
    "place": ("place", "location", "town", "village", "مكان", "المكان", "الموقع", "البلدة"),
    "notes": ("notes", "note", "description", "comment", "comments", "ملاحظات", "ملاحظة", "الوصف"),
}
_SNIFF = 1 << 16


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1256", errors="replace"), "cp1256"


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:_SNIFF].split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _column(header: list[str], role: str) -> str | None:
    configured = conf.get(f"linklist_{role}_column")
    names = {h.strip().lower(): h for h in header}
    if configured:
        return names.get(configured.strip().lower())
    return next((names[g] for g in GUESSES[role] if g in names), None)


class LinkListSource:
    name = "linklist"

    def recognises(self, locator: str) -> bool:
        if not (os.path.isfile(locator) and locator.lower().endswith(".csv")):
            return False
        with open(locator, "rb") as f:
            text, _ = _decode(f.read(_SNIFF))
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), _dialect(text)), [])
        except csv.Error:  # a header the csv module cannot split (a lone CR, a NUL, an endless cell)
            return False
        return _column(header, "url") is not None

    def sightings(self, locator: str) -> Iterator[Sighting]:
        path = Path(locator).resolve()
        data = path.read_bytes()
        text, encoding = _decode(data)
        reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
        try:
            header = next(reader, None)
        except csv.Error as e:  # a header cell over the csv module's field limit (128 KiB)
            yield self._whole(path, encoding, [])
            yield self._bad(f"{path}:line 1", "", f"header row unreadable ({e}); the list is kept, its links "
                                                  "are not captured: mend the header and ingest it again")
            return
        if not header:
            raise SourceError(f"{path}: empty; a link list needs a header row and a column of links")
        url_col = _column(header, "url")
        if url_col is None:
            wanted = conf.get("linklist_url_column") or " / ".join(GUESSES["url"][:4])
            raise SourceError(f"{path}: no column of links (looked for {wanted}; set MARSAD_LINKLIST_URL_COLUMN)")
        yield self._whole(path, encoding, header)

        named = {role: _column(header, role) for role in ("date", "place", "notes")}
        links: dict[str, list[dict[str, Any]]] = {}
        problems: list[Sighting] = []
        for number, row in self._rows(reader, path, problems):
            values = dict(zip(header, row))
            url = (values.get(url_col) or "").strip()
            where = f"{path}:row {number}"
            if len(row) > len(header):
                problems.append(self._bad(where, url, f"{len(row)} fields where the header has {len(header)}"))
            elif not url:
                problems.append(self._bad(where, url, f"no link in column {url_col!r}"))
            elif not is_url(url):
                problems.append(self._bad(where, url, f"{url[:80]!r} is not an http(s) link"))
            else:
                entry = {"row": number} | {role: values.get(col, "") for role, col in named.items() if col}
                entry["columns"] = {k: v for k, v in values.items() if k != url_col and v}
                links.setdefault(url, []).append(entry)
        yield from problems
        web = WebLinkSource()
        for url, rows in links.items():
            extra = {"link_list": {"file": path.name, "rows": rows}}
            for sighting in web.sightings(url, extra=extra):
                if sighting.error:
                    sighting.display_path = f"{path}:row {rows[0]['row']}: {url}"
                yield sighting

    def _rows(self, reader, path: Path, problems: list[Sighting]) -> Iterator[tuple[int, list[str]]]:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                problems.append(self._bad(f"{path}:line {reader.line_num}", "", f"unreadable: {e}"))
                continue
            if any(cell.strip() for cell in row):
                yield reader.line_num, row

    def _whole(self, path: Path, encoding: str, header: list[str]) -> Sighting:
        """The list itself, preserved as an item."""
        stat = path.stat()
        return Sighting(self.name, os.fsencode(path), str(path), path.name, size=stat.st_size,
                        mtime=datetime.fromtimestamp(stat.st_mtime, timezone.utc),
                        details={"role": "link list", "encoding": encoding, "columns": header})

    def _bad(self, where: str, url: str, why: str) -> Sighting:
        return Sighting(self.name, None, where, url or where, url=url, error=why)

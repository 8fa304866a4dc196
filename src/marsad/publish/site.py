"""Render the published incidents to files: an Arabic and an English page per
incident, index and methodology pages, data downloads, vendored assets and a
manifest. Every byte is a function of the database: no clock, sorted everywhere,
so publishing again with no change writes identical files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.template.loader import render_to_string
from django.utils import translation

import marsad
from marsad import registry
from marsad.core.publish import fields, manifest, names
from marsad.core.publish.changes import Withdrawal
from marsad.core.publish.fields import COORDINATE_STEP
from marsad.core.publog import verifier_files
from marsad.core.store import LocalStore

from . import feed, posters, timeline, words
from .collect import Published

STATIC = Path(marsad.__file__).parent / "web" / "static"
# Vendored files copied as they are (the names they get in the site), with their licences.
ASSETS = {
    "assets/leaflet/leaflet.js": "vendor/leaflet/leaflet.js",
    "assets/leaflet/leaflet.css": "vendor/leaflet/leaflet.css",
    "assets/leaflet/leaflet.LICENSE": "vendor/leaflet/leaflet.LICENSE",
    "assets/leaflet/basemap.LICENSE": "vendor/leaflet/basemap.LICENSE",
    "assets/site.css": "publish/site.css",
    "assets/site.js": "publish/site.js",
}
DATA_FORMATS = ("csv", "geojson", "xlsx")
EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # zip's first date: the stamp of a site with no incidents


@dataclass(frozen=True)
class Stored:
    """A file from the store, checked against its SHA-256 as it is copied."""

    store: Any
    sha256: str


@dataclass(frozen=True)
class Kept:
    """A file kept in the workspace whose SHA-256 and size were recorded when it was made (a
    cached PDF brief): an unchanged one is neither read nor copied; a copied one is checked."""

    path: Path
    sha256: str
    size: int


@dataclass
class Site:
    """What a publish run writes, by site path."""

    files: dict[str, bytes | Path | Stored | Kept]  # bytes, a file to copy, a stored blob or a kept file
    hashes: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (SHA-256, size), as written

    def write(self, out: Path, previous: dict[str, str] | None = None) -> list[str]:
        """Write into `out`, each file replaced atomically; returns the paths written. A file the
        previous publication (`previous`: its manifest, path -> SHA-256) holds with the same bytes
        and size is left as it is: a run that changes one incident rewrites a handful of files."""
        root = str(out)
        for path, content in sorted(self.files.items()):
            known = self._known(content)
            if known is not None:
                self.hashes[path] = known
                # a string path: 22,000 Path objects a run cost more than the checks themselves
                if previous and previous.get(path) == known[0] and _size(os.path.join(root, path)) == known[1]:
                    continue
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".publish-")
            try:
                with os.fdopen(fd, "wb") as f:
                    if isinstance(content, Path):
                        with open(content, "rb") as src:
                            shutil.copyfileobj(src, f)
                    elif isinstance(content, Stored):
                        with content.store.open(content.sha256, verify=True) as src:
                            shutil.copyfileobj(src, f)
                    elif isinstance(content, Kept):
                        data = content.path.read_bytes()
                        if hashlib.sha256(data).hexdigest() != content.sha256:
                            raise OSError(f"{content.path} changed since it was kept; remove it and publish again")
                        f.write(data)
                    else:
                        f.write(content)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return sorted(self.files)

    @staticmethod
    def _known(content: bytes | Path | Stored | Kept) -> tuple[str, int] | None:
        """The SHA-256 and size of what will be written, where known without writing it."""
        if isinstance(content, bytes):
            return hashlib.sha256(content).hexdigest(), len(content)
        if isinstance(content, Kept):
            return content.sha256, content.size
        if isinstance(content, Path):  # reading to hash costs less than writing again (and the manifest needs it)
            return manifest.sha256_file(content), content.stat().st_size
        if isinstance(content, Stored) and isinstance(content.store, LocalStore):  # a blob is its bytes there
            size = _size(content.store.path(content.sha256))
            return (content.sha256, size) if size >= 0 else None
        return None


def _size(path: Path | str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


class PageCache:
    """Rendered pages kept between runs (in the workspace) under a digest of their template,
    language and context: an unchanged incident's pages are read back, not rendered again."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.used = folder, set()
        self.base = self.code_digest()

    @staticmethod
    def code_digest() -> bytes:
        """The templates, translations and code pages are made by (and versions)."""
        h = hashlib.sha256(f"{marsad.__version__} {django.__version__}".encode())
        templates = Path(marsad.__file__).parent / "web" / "templates" / "publish"
        locale = Path(marsad.__file__).parent / "locale"
        # how contexts are made
        code = [Path(__file__), Path(words.__file__), Path(timeline.__file__), Path(feed.__file__),
                Path(posters.__file__)]
        for path in sorted([*templates.rglob("*.html"), *locale.rglob("*.mo"), *code]):
            h.update(path.as_posix().encode() + b"\0" + path.read_bytes())
        return h.digest()

    def render(self, template: str, context: dict[str, Any], lang: str) -> bytes:
        return self.get([template, lang, context], lambda: _render_now(template, context, lang))

    def get(self, inputs: list, render) -> bytes:
        """The page made from `inputs` (JSON-able, or with deterministic reprs): kept, or `render()`ed."""
        key = hashlib.sha256(self.base + json.dumps(inputs, sort_keys=True, default=repr,
                                                    ensure_ascii=False).encode()).hexdigest()
        self.used.add(key)
        path = self.folder / key
        try:
            return path.read_bytes()
        except FileNotFoundError:
            page = render()
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(page)
            tmp.replace(path)
            return page

    def prune(self) -> None:
        """Forget the pages this run did not use (the cache never outgrows the site)."""
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path.name not in self.used:
                    path.unlink(missing_ok=True)


_page_cache: PageCache | None = None  # the cache of the build() in progress, if it was given one
_reprs: dict[int, str] | None = None  # during a build(): each incident's repr, made once (pages and briefs key on it)


def published_repr(p: Published) -> str:
    """What an incident's page and brief are made from, as the caches key them (its repr)."""
    if _reprs is None:
        return repr(p)
    found = _reprs.get(id(p))
    if found is None:
        found = _reprs[id(p)] = repr(p)
    return found


def _common(page: str, lang: str, other: str, base_url: str | None, vkey: str) -> dict[str, Any]:
    """What every page's frame needs: its language, links relative to itself, hreflang alternates,
    its own site path and the public log's key (for the in-page verifier)."""
    root = names.relative(page, "")
    alternates = {lang: page, ("en" if lang == "ar" else "ar"): other}
    href = (lambda p: base_url + p) if base_url else (lambda p: names.relative(page, p))
    return {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr", "root": root,
            "other": names.relative(page, other), "other_lang": "en" if lang == "ar" else "ar",
            "alternates": sorted((code, href(p)) for code, p in alternates.items()),
            "canonical": base_url + page if base_url else None,
            "index": names.relative(page, names.index_page(lang)),
            "methodology": names.relative(page, names.methodology_page(lang)),
            "timeline": names.relative(page, names.timeline_page(lang)),
            "feed": names.relative(page, names.feed_file(lang)), "verifier_words": words.verifier_words(),
            "version": marsad.__version__, "self": page, "publog_key": vkey}


def _incident_context(p: Published, page: str) -> dict[str, Any]:
    v = p.values
    return {
        "p": p, "v": v, "place": p.place,
        "time_precision": words.time_precision(v.get("time_precision")),
        "actor_basis": words.actor_basis(v.get("actor_basis")),
        "grade_name": words.grade_name(v["grade"]), "grade_definition": words.grade_definition(v["grade"]),
        "sources": [words.source_line(kind, origin, n) for kind, origin, n in p.sources],
        "media": [{"m": m, "src": names.relative(page, m.path), "role": words.role_name(m.role),
                   "kind": words.kind_name(m.kind)} | ({
                       "poster": names.relative(page, posters.poster_file(m.sha256)),
                       "poster_path": posters.poster_file(m.sha256)} if m.kind == "video" else {})
                  for m in p.media],
        "first_published": _day(p.first_published), "last_updated": _day(p.last_updated),
        "brief": Path(page).with_suffix(".pdf").name,  # the PDF brief, beside the page (pdf.py)
        "corrections": [(day, words.parts_changed(parts)) for day, parts in p.corrections],
        "precision": str(COORDINATE_STEP), "coordinates": _coordinates(v.get("latitude"), v.get("longitude")),
        "health": [(k, v[k]) for k in ("health_facility_type", "health_attack_type", "health_workers_killed",
                                       "health_workers_injured", "patients_killed", "patients_injured")
                   if v.get(k) not in (None, "")],
    }


def _coordinates(lat: float | None, lon: float | None) -> str:
    """Latitude, longitude as the site states them (a point, whatever the language: "35,61" misleads)."""
    if lat is None or lon is None:
        return ""
    places = -COORDINATE_STEP.as_tuple().exponent
    return f"{lat:.{places}f}, {lon:.{places}f}"


def _day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).date().isoformat() if moment else ""


def _render(template: str, context: dict[str, Any], lang: str) -> bytes:
    if _page_cache is not None:
        return _page_cache.render(template, context, lang)
    return _render_now(template, context, lang)


def _render_now(template: str, context: dict[str, Any], lang: str) -> bytes:
    with translation.override(lang):
        return render_to_string(template, context).encode()


def _index_row(p: Published, lang: str, page: str | None = None) -> dict[str, Any]:
    v, place = p.values, p.place
    name = (place["name_ar"] or place["name"]) if place and lang == "ar" else (place["name"] if place else "")
    return {"code": p.code, "href": names.relative(page or names.index_page(lang), names.incident_page(p.code, lang)),
            "title": v.get("title") or "", "date": v.get("event_date") or "", "place": name or v.get("location") or "",
            "type": v.get("sub_event_type") or v.get("event_type") or "", "grade": v["grade"],
            "grade_name": words.grade_name(v["grade"]), "fatalities": v.get("fatalities_best"),
            "lat": v.get("latitude"), "lon": v.get("longitude")}


def _data(published: list[Published], work: Path) -> tuple[dict[str, Path], datetime]:
    """The downloads, through the export plug-ins, limited to the public columns."""
    from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS
    from marsad.incidents.exports import COLUMNS

    columns = fields.public_columns(COLUMNS, RESTRICTED_INCIDENT_FIELDS)
    rows = [p.row for p in published]
    stamp = max((p.last_updated for p in published if p.last_updated), default=EPOCH).astimezone(UTC)
    exporters, out = registry.exporters(), {}
    for fmt in DATA_FORMATS:
        exporter = exporters[fmt]
        path = work / f"incidents{exporter.suffix}"
        exporter.write(columns, rows, path)
        if fmt == "xlsx":  # openpyxl stamps the workbook with the clock: stamp it with the data's last change
            when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
            manifest.reproducible_zip(path, stamp, {"docProps/core.xml": [
                (rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + when + rb"\g<2>")]})
        out[f"data/incidents{exporter.suffix}"] = path
    path = work / "events.json"  # TimeMap's events, through its export plug-in, from the same public rows
    exporters["timemap"].write(columns, rows, path)
    out[names.EVENTS_FILE] = path
    return out, stamp


def _more_pages(published: list[Published], withdrawn: list[Withdrawal], lang: str, base_url: str | None,
                grade: str, vkey: str) -> dict[str, bytes]:
    """One language's timeline, tombstones and Atom feed."""
    files, other = {}, ("en" if lang == "ar" else "ar")
    shown = {p.code for p in published}  # a merged incident points to its new home only where that is published
    page = names.timeline_page(lang)
    rows = [_index_row(p, lang, page) for p in published]
    context = _common(page, lang, names.timeline_page(other), base_url, vkey) | timeline.context(rows, lang) | {
        "grades": [(g, words.grade_name(g)) for g in fields.grades_at_or_above(grade)],
        "types": sorted({r["type"] for r in rows if r["type"]})}
    files[page] = _render("publish/timeline.html", context, lang)
    for w in withdrawn:
        page = names.incident_page(w.code, lang)
        context = _common(page, lang, names.incident_page(w.code, other), base_url, vkey) | {
            "w": w, "when": _day(w.when), "said": words.withdrawal_line(w.kind),
            "merged_href": names.relative(page, names.incident_page(w.merged_into, lang))
            if w.merged_into in shown else None}
        files[page] = _render("publish/tombstone.html", context, lang)
    def made() -> bytes:
        return feed.atom(published, withdrawn, lang, base_url, vkey)
    # the feed is a function of every incident as published (the reprs the pages key on) and the tombstones
    files[names.feed_file(lang)] = _page_cache.get(["feed", lang, base_url, vkey, _all_reprs(published),
                                                    repr(list(withdrawn))], made) if _page_cache is not None else made()
    return files


def _all_reprs(published: list[Published]) -> str:
    """One digest of every incident as published, in order."""
    h = hashlib.sha256()
    for p in published:
        h.update(published_repr(p).encode() + b"\0")
    return h.hexdigest()


def build(published: list[Published], blobs, work: Path, base_url: str | None,
          grade: str, vkey: str, withdrawn: list[Withdrawal] = (),
          cache: Path | None = None) -> dict[str, bytes | Path | Stored]:
    """Every file of the site except the manifest (and the public log's), by site path.
    `blobs`: the store; `vkey`: the public log's verifier key, printed on every page;
    `withdrawn`: incidents published here before, each left as a tombstone at its address;
    `cache`: a workspace folder where rendered pages are kept for the next run."""
    global _page_cache, _reprs
    _page_cache = PageCache(cache) if cache is not None else None
    _reprs = {}  # the incidents do not change during a build
    frames = posters.Posters(blobs, cache.parent / "posters" if cache is not None else None)
    try:
        files = _build(published, blobs, work, base_url, grade, vkey, withdrawn, frames)
        if _page_cache is not None:
            _page_cache.prune()
        frames.prune()
        return files
    finally:
        _page_cache, _reprs = None, None


def _build(published: list[Published], blobs, work: Path, base_url: str | None,
           grade: str, vkey: str, withdrawn: list[Withdrawal],
           frames: posters.Posters) -> dict[str, bytes | Path | Stored]:
    from . import pdf  # the PDF briefs, beside each incident's pages: drawn by other processes meanwhile

    briefs = pdf.start_briefs(published, blobs, vkey)
    try:
        files: dict[str, bytes | Path] = {site: STATIC / source for site, source in ASSETS.items()}
        files.update(verifier_files())  # verify.py and assets/publog/: published and logged like any file
        files["assets/basemap.js"] = _basemap_script(work)
        data, _ = _data(published, work)
        files.update(data)
        for p in published:
            for m in p.media:
                files[m.path] = Stored(blobs, m.blob)
                if m.kind == "video":  # its poster frame, from the same redacted file
                    files[posters.poster_file(m.sha256)] = frames.get(m.sha256)
        for lang in names.LANGUAGES:
            with translation.override(lang):  # words made in Python too, not only in the templates
                files.update(_pages(published, lang, base_url, grade, vkey, list(withdrawn)))
                files.update(_more_pages(published, list(withdrawn), lang, base_url, grade, vkey))
        files["index.html"] = _render("publish/root.html", {"lang": "en", "dir": "ltr", "publog_key": vkey}, "en")
    except BaseException:
        briefs.cancel()
        raise
    files.update(briefs.result())
    return files


def _pages(published: list[Published], lang: str, base_url: str | None, grade: str,
           vkey: str, withdrawn: list[Withdrawal] = ()) -> dict[str, bytes]:
    """One language's pages: each incident, the index, the methodology."""
    files, other = {}, ("en" if lang == "ar" else "ar")
    for p in published:
        page = names.incident_page(p.code, lang)

        def render(p=p, page=page) -> bytes:
            context = _common(page, lang, names.incident_page(p.code, other), base_url, vkey) | _incident_context(p, page)
            return _render_now("publish/incident.html", context, lang)
        # the page is a function of these (and of the code and templates the cache's digest covers)
        files[page] = _page_cache.get(["incident", lang, page, base_url, vkey, published_repr(p)], render) \
            if _page_cache is not None else render()
    page = names.index_page(lang)
    rows = [_index_row(p, lang) for p in published]
    context = _common(page, lang, names.index_page(other), base_url, vkey) | {
        "rows": rows, "minimum": words.grade_name(grade),
        "grades": [(g, words.grade_name(g)) for g in fields.grades_at_or_above(grade)],
        "types": sorted({r["type"] for r in rows if r["type"]}),
        "points": [{"code": r["code"], "href": r["href"], "lat": r["lat"], "lon": r["lon"], "title": r["title"]}
                   for r in rows if r["lat"] is not None and r["lon"] is not None],
        "downloads": [(fmt, names.relative(page, f"data/incidents.{fmt}")) for fmt in DATA_FORMATS],
        "events": names.relative(page, names.EVENTS_FILE),
        "corrected": sorted(((p.corrections[-1][0], p.code, names.relative(page, names.incident_page(p.code, lang)))
                             for p in published if p.corrections), reverse=True),
        "withdrawn": sorted(((_day(w.when), w.code, names.relative(page, names.incident_page(w.code, lang)),
                              words.withdrawal_line(w.kind)) for w in withdrawn), reverse=True),
        "manifest": names.relative(page, manifest.MANIFEST)}
    files[page] = _render("publish/index.html", context, lang)
    page = names.methodology_page(lang)
    context = _common(page, lang, names.methodology_page(other), base_url, vkey) | {
        "grades": [(g, words.grade_name(g), words.grade_definition(g)) for g in fields.GRADE_RANK],
        "minimum": words.grade_name(grade), "precision": str(COORDINATE_STEP)}
    files[page] = _render("publish/methodology.html", context, lang)
    return files


def _basemap_script(work: Path) -> Path:
    """Natural Earth borders as a classic script (a fetch() of JSON is refused from file://)."""
    path = work / "basemap.js"
    geojson = (STATIC / "vendor/leaflet/basemap.geojson").read_text(encoding="utf-8")
    path.write_text("window.MARSAD_BASEMAP = " + re.sub(r"\s+$", "", geojson) + ";\n", encoding="utf-8")
    return path

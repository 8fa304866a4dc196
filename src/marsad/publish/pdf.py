"""PDF briefs: one per published incident and language, beside its pages (WeasyPrint).

A brief holds what the incident page holds (the same public values, site._incident_context),
a map drawn here as SVG from the vendored Natural Earth borders and the coarsened point (no
tiles), the approved redacted photos and frames taken from the redacted videos (never an
original; graphic media are described, not shown: a PDF has no click to hide them behind),
each evidence file's SHA-256 and proof, and the public log's key.

Arabic is set in Amiri (Debian fonts-hosny-amiri), shaped and right to left; without it
publishing stops with the reason: another font would be a silent fallback. WeasyPrint
fetches nothing: its URL fetcher serves data: URLs and the fonts and pictures made here,
and refuses every other URL. Same input, same bytes: the PDF's dates are the incident's
last public change, and a brief is kept in the workspace under the SHA-256 of everything it
is drawn from and by (the incident's published values and media hashes, the key, templates,
style, fonts, WeasyPrint), known before any HTML is made: an unchanged brief costs a lookup.
The briefs that must be drawn are drawn by forked processes while the run renders its pages."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

import marsad
from marsad.core.publish import names
from marsad.core.publish.fields import PublishError

from .collect import Published

logger = logging.getLogger(__name__)
STATIC = Path(marsad.__file__).parent / "web" / "static"
CSS_FILE = STATIC / "publish" / "brief.css"
BASEMAP = STATIC / "vendor" / "leaflet" / "basemap.geojson"
FONT_FAMILY = "Amiri"  # the family brief.css names; found with fontconfig, loaded by file
FONT_PACKAGE = "fonts-hosny-amiri"
FORMAT = "marsad-brief-1"  # change when the frames or the drawing change, so cached briefs are drawn again
KEY_FRAMES = (0.1, 0.5, 0.9)  # where in a video its frames are taken, as fractions of its length
PICTURE_SIZE = (960, 720)  # pictures are scaled down to fit: a brief is for reading, the site has the files
MAP_SPAN = 3.6  # degrees of latitude the map shows around the point (about 400 km)
MAP_SIZE = (300.0, 216.0)  # the SVG's drawing units (its width and height)
MAP_WIDTH_MM = 78.0  # as drawn on the page
CACHE_DAYS = 60  # a kept brief unused this long is removed
HASHES = "hashes.json"  # in the cache folder: each kept brief's SHA-256 and size


class BriefError(PublishError):
    """A brief cannot be drawn as it must be (no Arabic font, a refused URL); nothing was written."""


def brief_path(code: str, lang: str) -> str:
    """The brief's site path: beside the incident's page in that language."""
    return str(PurePosixPath(names.incident_page(code, lang)).with_suffix(".pdf"))


# ---- the font ------------------------------------------------------------------------------------

@cache
def arabic_font() -> dict[str, Path]:
    """Amiri's regular and bold files, by CSS weight, from fontconfig (fc-list lists only fonts
    that are installed, where fc-match would answer with a fallback)."""
    try:
        listed = subprocess.run(["fc-list", "-f", r"%{file}\t%{style}\n", f"{FONT_FAMILY}:fontformat=TrueType"],
                                capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise BriefError(f"cannot list the installed fonts (fontconfig's fc-list: {e}); "
                         f"the PDF briefs need the Arabic font {FONT_FAMILY}") from e
    styles = {}
    for line in listed.splitlines():
        path, _sep, style = line.partition("\t")
        styles.setdefault(style.split(",")[0].strip(), Path(path))
    found = {weight: styles[style] for weight, style in (("400", "Regular"), ("700", "Bold")) if style in styles}
    if "400" not in found:
        raise BriefError(f"the Arabic font {FONT_FAMILY} is not installed, and the PDF briefs are set in it: "
                         f"install Debian's {FONT_PACKAGE} (make system-deps); nothing was written")
    return found


@cache
def _fonts_digest() -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for _w, p in sorted(arabic_font().items()))).hexdigest()


def _font_faces() -> str:
    """@font-face rules that bind brief.css's family name to the files found (served by the fetcher)."""
    return "".join(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
                   f'src: url("marsad:font/{weight}.ttf"); }}\n' for weight in sorted(arabic_font()))


def import_weasyprint() -> None:
    """Import WeasyPrint, undoing what its import does to every user of Pillow in the process: it
    sets ImageFile.LOAD_TRUNCATED_IMAGES, after which a truncated original is decoded from its
    first part (and fingerprinted, thumbnailed) instead of failing its analysis."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint  # noqa: F401

    ImageFile.LOAD_TRUNCATED_IMAGES = before


# ---- the fetcher ---------------------------------------------------------------------------------

@cache
def _fetcher_class():
    import_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):
        """Serves data: URLs and `served` (URL -> (make bytes, MIME type)); refuses the rest.
        Every URL asked for is kept in `asked`, so a test can see that nothing else was."""

        def __init__(self, served: dict[str, tuple[Callable[[], bytes], str]]) -> None:
            super().__init__(fail_on_errors=True, allowed_protocols={"data"})
            self.served, self.asked = served, []

        def fetch(self, url, headers=None):
            self.asked.append(url)
            if url in self.served:
                make, mime = self.served[url]
                return URLFetcherResponse(url, make(), {"Content-Type": mime})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise BriefError(f"the PDF brief asked for {url[:80]!r}; briefs fetch nothing")

    return Fetcher


# ---- the map -------------------------------------------------------------------------------------

@cache
def _borders() -> list[tuple[tuple[float, float, float, float], list[list[tuple[float, float]]]]]:
    """Each country's rings with its bounding box (lon, lat)."""
    out = []
    for feature in json.loads(BASEMAP.read_text(encoding="utf-8"))["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = [[(x, y) for x, y in ring] for polygon in polygons for ring in polygon]
        xs, ys = [x for r in rings for x, _y in r], [y for r in rings for _x, y in r]
        out.append(((min(xs), min(ys), max(xs), max(ys)), rings))
    return out


def map_figure(lat: float | None, lon: float | None, label: str) -> dict[str, Any] | None:
    """The country borders around the point and the point, as inline SVG (equirectangular,
    squeezed by cos(latitude) so that a kilometre is as long north as east), and where the
    place's name and the scale go on it, in mm: words are laid over the drawing in HTML,
    since WeasyPrint's SVG text neither shapes Arabic nor runs it right to left."""
    if lat is None or lon is None:
        return None
    import math

    width, height = MAP_SIZE
    span_y = MAP_SPAN
    span_x = span_y * width / height / max(math.cos(math.radians(lat)), 0.2)
    west, north = lon - span_x / 2, lat + span_y / 2
    sx, sy = width / span_x, height / span_y
    box = (west, lat - span_y / 2, lon + span_x / 2, north)
    paths = []
    for (x0, y0, x1, y1), rings in _borders():
        if x1 < box[0] or x0 > box[2] or y1 < box[1] or y0 > box[3]:
            continue
        d = "".join("M" + "L".join(f"{(x - west) * sx:.1f},{(north - y) * sy:.1f}" for x, y in ring) + "Z"
                    for ring in rings)
        paths.append(f'<path d="{d}"/>')
    px, py = (lon - west) * sx, (north - lat) * sy
    km = 50  # the scale bar
    bar = km / (111.32 * math.cos(math.radians(lat))) * sx
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
           f'height="{height:g}">'
           f'<rect width="{width:g}" height="{height:g}" fill="#dfe9ef"/>'
           f'<g fill="#f7f4ec" stroke="#8c96a0" stroke-width="0.6" stroke-linejoin="round">{"".join(paths)}</g>'
           f'<circle cx="{px:.1f}" cy="{py:.1f}" r="8" fill="#b3261e" fill-opacity="0.2"/>'
           f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.2" fill="#b3261e" stroke="#fff" stroke-width="1"/>'
           f'<path d="M10,{height - 8:g}h{bar:.1f}" stroke="#1d232a" stroke-width="1.2" fill="none"/>'
           f'</svg>')
    mm = MAP_WIDTH_MM / width
    return {"svg": mark_safe(svg), "label": label, "label_x": f"{px * mm:.2f}", "label_y": f"{py * mm:.2f}",
            "scale": _("%(km)s km") % {"km": km}, "scale_x": f"{(10 + bar / 2) * mm:.2f}",
            "scale_y": f"{(height - 8) * mm:.2f}", "width": f"{MAP_WIDTH_MM:g}", "height": f"{height * mm:.2f}"}


# ---- the pictures --------------------------------------------------------------------------------

def _jpeg(image) -> bytes:
    """Pixels only (no metadata), scaled to fit, as a plain baseline JPEG: the same picture, the same bytes."""
    image = image.convert("RGB")
    image.thumbnail(PICTURE_SIZE)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def _verified(blobs, sha256: str) -> bytes:
    with blobs.open(sha256, verify=True) as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BriefError(f"published file {sha256[:12]} changed in the store")
    return data


def photo(blobs, sha256: str) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(_verified(blobs, sha256))) as image:
        return _jpeg(image)


def frames(data: bytes, at: tuple[float, ...] = KEY_FRAMES) -> list[bytes]:
    """Frames of a (redacted) video at fractions of its length, as JPEGs: the first frame
    at or after each moment (the last one where the video ends before it)."""
    import av

    out = []
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        base = stream.time_base
        length = float(stream.duration * base) if stream.duration else (container.duration or 0) / 1e6
        for fraction in at:
            moment, chosen = length * fraction, None
            container.seek(int(moment / base) if base else 0, stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                chosen = frame
                if frame.pts is not None and float(frame.pts * base) >= moment:
                    break
            if chosen is None:
                raise BriefError("a published video has no frame to show")
            out.append(_jpeg(chosen.to_image()))
    return out


@dataclass
class _Pictures:
    """What a brief shows of its media: URLs in the HTML, and how the fetcher makes each."""

    blobs: Any
    served: dict[str, tuple[Callable[[], bytes], str]] = field(default_factory=dict)
    _videos: dict[str, list[bytes]] = field(default_factory=dict)

    def of(self, kind: str, sha256: str) -> list[str]:
        if kind == "image":
            url = f"marsad:media/{sha256}/photo.jpg"
            self.served[url] = (lambda: photo(self.blobs, sha256), "image/jpeg")
            return [url]
        urls = []
        for n in range(len(KEY_FRAMES)):
            url = f"marsad:media/{sha256}/frame-{n}.jpg"
            self.served[url] = (lambda n=n: self._frames(sha256)[n], "image/jpeg")
            urls.append(url)
        return urls

    def _frames(self, sha256: str) -> list[bytes]:
        if sha256 not in self._videos:
            self._videos[sha256] = frames(_verified(self.blobs, sha256))
        return self._videos[sha256]


# ---- one brief -----------------------------------------------------------------------------------

def _context(p: Published, lang: str, vkey: str, pictures: _Pictures) -> dict[str, Any]:
    from .site import _coordinates, _incident_context

    page = names.incident_page(p.code, lang)
    context = _incident_context(p, page)
    place = p.place
    label = ((place["name_ar"] or place["name"]) if lang == "ar" else place["name"]) if place else ""
    stamp = (p.last_updated or p.first_published)
    return context | {
        "lang": lang, "dir": "rtl" if lang == "ar" else "ltr", "publog_key": vkey, "page": page,
        "pdf_title": f"{p.code} — {p.values.get('title') or ''}".strip(" —"),
        "stamp": stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else "",
        "map": map_figure(p.values.get("latitude"), p.values.get("longitude"), label or _coordinates(
            p.values.get("latitude"), p.values.get("longitude"))),
        "evidence": [{"m": m, "role": m_ctx["role"], "kind": m_ctx["kind"], "proof": m.path + ".tlog-proof",
                      "pictures": [] if m.graphic else pictures.of(m.kind, m.sha256)}
                     for m, m_ctx in zip(p.media, context["media"], strict=True)],
        "version": marsad.__version__,
        "dirs": {k: text_dir(p.values.get(k), lang) for k in ("title", "location", "actor1", "actor2",
                                                               "actor_basis_note", "grade_reason", "notes")},
    }


def text_dir(text: Any, lang: str) -> str:
    """The direction of a free text by its first strong character (HTML's dir=auto, which
    WeasyPrint does not do), else the page's."""
    import unicodedata

    for c in str(text or ""):
        kind = unicodedata.bidirectional(c)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "rtl" if lang == "ar" else "ltr"


def html(p: Published, lang: str, vkey: str, pictures: _Pictures) -> str:
    with translation.override(lang):
        return render_to_string("publish/brief.html", _context(p, lang, vkey, pictures))


def _drawing_digest() -> bytes:
    """Everything a brief is drawn by, not from the incident: the templates, translations and
    code that make its HTML (those the page cache covers, and this module), the style, the map's
    borders, the font files, WeasyPrint's version and this module's drawing format."""
    from importlib.metadata import version

    from .site import PageCache

    h = hashlib.sha256(PageCache.code_digest())
    # the installed version, without importing WeasyPrint (seconds): a run that draws nothing needs none of it
    for part in (FORMAT, version("weasyprint"), _fonts_digest()):
        h.update(part.encode() + b"\x00")
    for path in (Path(__file__), CSS_FILE, BASEMAP):
        h.update(path.read_bytes() + b"\x00")
    return h.digest()


def digest(p: Published, lang: str, vkey: str, drawing: bytes | None = None) -> str:
    """The key a brief is kept under: what it is drawn by (_drawing_digest) and from: the
    incident as published (its public values, place, media by hash, sources, dates and
    corrections: the same repr the page cache keys the incident page on), the language and
    the public log's key. Known before any HTML is made, so an unchanged brief costs a lookup."""
    from .site import published_repr

    h = hashlib.sha256(drawing or _drawing_digest())
    for part in (lang, vkey, published_repr(p)):
        h.update(part.encode() + b"\x00")
    return h.hexdigest()


def render(page: str, served: dict[str, tuple[Callable[[], bytes], str]]) -> tuple[bytes, list[str]]:
    """The PDF of one brief's HTML, and the URLs WeasyPrint asked for."""
    import_weasyprint()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    fonts = {f"marsad:font/{weight}.ttf": ((lambda p=path: p.read_bytes()), "font/ttf")
             for weight, path in arabic_font().items()}
    fetcher = _fetcher_class()(served | fonts)
    used: list[str] = []

    def finisher(_document, pdf) -> None:  # the fonts embedded, as the PDF names them
        used.extend(bytes(o["BaseFont"]).decode("latin-1").lstrip("/") for o in pdf.objects
                    if isinstance(o, dict) and "BaseFont" in o)

    config = FontConfiguration()
    try:
        document = HTML(string=page, url_fetcher=fetcher, base_url="marsad:brief/").render(
            stylesheets=[CSS(string=_font_faces(), font_config=config, url_fetcher=fetcher),
                         CSS(string=CSS_FILE.read_text(encoding="utf-8"), font_config=config, url_fetcher=fetcher)],
            font_config=config)
        data = document.write_pdf(finisher=finisher)
    except FatalURLFetchingError as e:
        raise BriefError(str(e.__cause__ or e)) from e
    if not any(FONT_FAMILY in name for name in used):
        raise BriefError(f"the PDF brief was not set in {FONT_FAMILY} (fonts used: {', '.join(used) or 'none'}); "
                         f"install Debian's {FONT_PACKAGE}; nothing was written")
    others = sorted({n for n in used if FONT_FAMILY not in n})
    if others:
        logger.warning("a PDF brief fell back to %s for characters %s lacks", ", ".join(others), FONT_FAMILY)
    return data, fetcher.asked


# ---- every brief of a run ------------------------------------------------------------------------

def default_cache() -> Path | None:
    from django.conf import settings

    workspace = getattr(settings, "WORKSPACE", None)
    return Path(workspace.home) / "cache" / "briefs" if workspace is not None else None


DRAWERS = 4  # at most this many processes draw briefs at once (each holds WeasyPrint, ~150 MB)
_TO_DRAW: list[tuple[Published, str, str, "_Pictures"]] = []  # read by forked drawers, by index


def _draw(n: int) -> bytes:
    """In a forked drawer: the n-th brief of the run, HTML and PDF (what it is drawn from is
    inherited from the process that forked, not pickled: the pictures are made by callables)."""
    return _draw_one(*_TO_DRAW[n])


def _draw_one(p: Published, lang: str, vkey: str, pictures: "_Pictures") -> bytes:
    return render(html(p, lang, vkey, pictures), pictures.served)[0]


class Briefs:
    """The briefs of one run, being drawn: those kept in the cache are known at once; the rest
    are drawn by forked processes while the caller renders the pages (a changed incident's two
    briefs take about a second each, most of an incremental run), or here when `result()` is asked
    for if no process can be forked. `result()` gives every brief by site path."""

    def __init__(self, files: dict[str, Any], todo: list[tuple[str, str, tuple]], hashes: "_Hashes",
                 cache_dir: Path | None, workers: int | None) -> None:
        self.files, self.todo, self.hashes, self.cache_dir = files, todo, hashes, cache_dir
        self.pool, self.drawn = None, iter(())
        if workers is None:
            import threading

            # forking a process that runs other threads (a web server) can leave a lock held in the child
            forkable = hasattr(os, "fork") and threading.active_count() == 1
            # one CPU stays with this process's pages; each drawer imports WeasyPrint once for all it draws
            workers = min(len(todo), max(1, (os.cpu_count() or 1) - 1), DRAWERS) if forkable else 0
        if todo and workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _TO_DRAW[:] = [drawn_from for _path, _key, drawn_from in todo]
            # fork: the drawers share this process's pages, fonts and Django set-up without pickling;
            # they touch no database and leave without running its exit handlers
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
            # in order, a few at a time per message (a full run draws thousands)
            self.drawn = self.pool.map(_draw, range(len(todo)), chunksize=max(1, len(todo) // (workers * 16)))

    def cancel(self) -> None:
        """Stop drawing (the run failed elsewhere)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        _TO_DRAW.clear()

    def result(self) -> dict[str, Any]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            for path, key, drawn_from in self.todo:
                if self.pool is not None:
                    try:
                        data = next(self.drawn)
                    except BrokenProcessPool as e:
                        raise BriefError(f"the process drawing {path} ended without drawing it ({e})") from e
                else:
                    data = _draw_one(*drawn_from)
                if self.cache_dir is not None:
                    _keep(self.cache_dir / f"{key}.pdf", data)
                    self.hashes.add(key, data)
                self.files[path] = data
        finally:
            self.cancel()
        if self.cache_dir is not None:
            self.hashes.save(_prune(self.cache_dir))
        return self.files


def start_briefs(published: list[Published], blobs, vkey: str, cache_dir: Path | None = None,
                 use_cache: bool = True, workers: int | None = None) -> Briefs:
    """Every brief of the run: taken from the workspace's cache when nothing it is drawn from
    changed (a site.Kept: its hash was recorded when it was kept), else drawn (bytes), in up to
    `workers` forked processes (None: one per brief up to the CPUs and DRAWERS; 0: in this one)."""
    arabic_font()  # before any work: a missing font stops the run with the reason
    cache_dir = (cache_dir or default_cache()) if use_cache else None
    hashes = _Hashes(cache_dir)
    files: dict[str, Any] = {}
    todo: list[tuple[str, str, tuple]] = []
    drawing = _drawing_digest()
    touched = time.time() - 86400
    for p in published:
        pictures = None
        for lang in names.LANGUAGES:
            key = digest(p, lang, vkey, drawing)
            kept = cache_dir / f"{key}.pdf" if cache_dir is not None else None
            found = _modified(kept) if kept is not None else None
            if found is not None:
                if found < touched:
                    os.utime(kept)  # still used: not pruned (once a day is enough, not 6,000 writes a run)
                files[brief_path(p.code, lang)] = hashes.kept(key, kept)
                continue
            pictures = pictures or _Pictures(blobs)  # shared by the two languages (decoded once where drawn here)
            todo.append((brief_path(p.code, lang), key, (p, lang, vkey, pictures)))
    return Briefs(files, todo, hashes, cache_dir, workers)


def briefs(published: list[Published], blobs, vkey: str, cache_dir: Path | None = None,
           use_cache: bool = True, workers: int | None = None) -> dict[str, bytes | Any]:
    """Every brief of the run by site path, drawn or kept (start_briefs), once all are done."""
    return start_briefs(published, blobs, vkey, cache_dir, use_cache, workers).result()


class _Hashes:
    """The SHA-256 and size of each kept brief (HASHES in the cache folder), recorded as it is
    kept, so that an unchanged brief is neither read nor hashed again (6,000 briefs are a GB)."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.path = cache_dir / HASHES if cache_dir is not None else None
        self.known: dict[str, list] = {}
        self.used: dict[str, list] = {}
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.known = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # missing or damaged: the briefs are hashed again
                self.known = {}

    def kept(self, key: str, path: Path):
        from .site import Kept

        found = self.known.get(key)
        if not (isinstance(found, list) and len(found) == 2):
            data = path.read_bytes()
            found = [hashlib.sha256(data).hexdigest(), len(data)]
        self.used[key] = found
        return Kept(path, found[0], found[1])

    def add(self, key: str, data: bytes) -> None:
        self.used[key] = [hashlib.sha256(data).hexdigest(), len(data)]

    def save(self, removed: set[str]) -> None:
        """Keep what this run used (other sites' briefs share the folder: theirs are kept too),
        less the briefs pruned."""
        if self.path is None or (not removed and all(self.known.get(k) == v for k, v in self.used.items())):
            return
        kept = {k: v for k, v in (self.known | self.used).items() if k not in removed}
        _keep(self.path, json.dumps(kept, sort_keys=True).encode())


def _modified(path: Path) -> float | None:
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        return None


def _keep(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".brief-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _prune(cache_dir: Path) -> set[str]:
    """Drop kept briefs no run has used for CACHE_DAYS (the clock only tidies the cache: no output
    depends on it); returns their keys."""
    old, removed = time.time() - CACHE_DAYS * 86400, set()
    for path in cache_dir.glob("*.pdf"):
        try:
            if path.stat().st_mtime < old:
                path.unlink()
                removed.add(path.stem)
        except FileNotFoundError:
            pass
    return removed


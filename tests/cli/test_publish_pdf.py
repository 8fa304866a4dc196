"""The PDF briefs `marsad publish` writes beside each incident's pages: the Arabic one set in
Amiri (not a fallback font), shaped, with no missing glyph, its Arabic running right to
left (glyph positions); the English one holding the code, title and every evidence file's
SHA-256 and proof; no canary in any byte, decompressed stream or extracted text; the same
bytes again when nothing changed, whether kept or drawn anew; no URL fetched, no socket opened."""

from __future__ import annotations

import re
import socket
import zlib
from pathlib import Path

import pytest

from tests.cli.test_publish import CANARIES, _forms, approve_redactions, workspace  # noqa: F401  (the fixture)

ARABIC_TITLE = "غارة على السوق"


def _glyphs(data: bytes) -> list[tuple[int, str, int, float, float, str]]:
    """Every glyph drawn: (page, text, glyph id, x, size, font), in drawing order."""
    import io

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    out: list[tuple[int, str, int, float, float, str]] = []

    class Recorder(PDFPageAggregator):
        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
            advance = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
            char = self.cur_item._objs[-1]
            out.append((self.pageno, char.get_text(), cid, char.x0, round(char.size, 1), char.fontname))
            return advance

    manager = PDFResourceManager()
    device = Recorder(manager, laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    for page in PDFPage.get_pages(io.BytesIO(data)):
        interpreter.process_page(page)
    return out


def _arabic(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


def _contents(data: bytes) -> tuple[list[bytes], str]:
    """What a reader, a search engine or a curious byte-sifter gets from a PDF: its bytes and
    every stream decompressed; its text as extracted, lines joined."""
    import io

    from pdfminer.high_level import extract_text

    blobs = [data]
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            blobs.append(zlib.decompressobj().decompress(data[m.end():]))
        except zlib.error:
            continue
    text = extract_text(io.BytesIO(data))
    return blobs, text + "\n" + text.replace("\n", "")


def _leaks(data: bytes, secrets: dict[str, str]) -> set[str]:
    """The secrets found in a PDF, in any form the site sweep knows, raw or decompressed, or in
    its text (Arabic also as drawn: extracted glyph by glyph from the left, so reversed)."""
    blobs, text = _contents(data)
    return {key for key, secret in secrets.items()
            if any(form in blob for form in _forms(secret) for blob in blobs)
            or secret in text or secret[::-1] in text}


@pytest.fixture
def site(workspace, tmp_path):  # noqa: F811
    from marsad.publish.builder import publish

    project, code = workspace
    out = tmp_path / "site"
    publish(out, project, "fair")
    approve_redactions()
    result = publish(out, project, "fair")
    return project, code, out, result


def test_briefs_arabic_and_english_leak_nothing_and_republish_identically(site, monkeypatch):
    from marsad.evidence.ingest import store
    from marsad.publish import collect, pdf
    from marsad.publish.builder import publish

    project, code, out, result = site
    ar, en = (out / f"{lang}/incidents/{code}.pdf" for lang in ("ar", "en"))
    assert ar.read_bytes()[:5] == en.read_bytes()[:5] == b"%PDF-"
    assert (out / f"ar/incidents/{code}.pdf.tlog-proof").exists()  # logged and proved like every file
    assert f'href="{code}.pdf"' in (out / f"en/incidents/{code}.html").read_text()
    assert "موجز PDF" in (out / f"ar/incidents/{code}.html").read_text()

    # Arabic: every Arabic glyph in Amiri, none missing, shaped, laid right to left.
    glyphs = _glyphs(ar.read_bytes())
    fonts = {font for *_, font in glyphs}
    assert any("Amiri" in f for f in fonts) and not any("DejaVu" in f for f in fonts), fonts
    arabic = [g for g in glyphs if _arabic(g[1])]
    assert arabic and all("Amiri" in g[5] for g in arabic)
    assert not [g for g in glyphs if g[2] == 0 or "cid:" in g[1]], "a glyph is missing (.notdef)"
    assert any(len({g[2] for g in arabic if g[1] == "ل" and g[5] == font}) >= 2 for font in fonts), \
        "lam drawn with one glyph everywhere: the Arabic is not shaped"
    size = max(g[4] for g in arabic if g[0] == 1)  # the title is the largest text
    run = [g for g in arabic if g[0] == 1 and g[4] == size]
    right_to_left = sorted(run, key=lambda g: -g[3])  # along the string, x decreases
    assert "".join(g[1] for g in right_to_left) == ARABIC_TITLE.replace(" ", "")

    # English: the code, the title and every evidence file's SHA-256 and proof, as text.
    text = "".join(_contents(en.read_bytes())[1].split())
    listed = {p: h for p, h in result_files(out).items() if p.startswith("media/")}
    assert len(listed) == 2 and code in text and "Strikeonthemarket" in text
    for path, sha in listed.items():
        assert sha in text and f"{path}.tlog-proof" in text
    assert result.public_log_key in text

    # Only the photo is shown: the video is marked graphic, so no frame of it is drawn.
    assert all(len(re.findall(rb"/Subtype\s*/Image", p.read_bytes())) == 1 for p in (ar, en))

    # No canary, in any form, in any byte, stream or extracted text, nor any original's SHA-256;
    # the same sweep finds what is public.
    from marsad.evidence.models import Item

    originals = {f"original-{sha[:8]}": sha for sha in Item.objects.values_list("sha256", flat=True)}
    for data in (ar.read_bytes(), en.read_bytes()):
        assert _leaks(data, CANARIES | originals) == set()
        assert _leaks(data, {"public": "Public summary of the strike.", "title": ARABIC_TITLE}) == {
            "public", "title"}

    # The same bytes again: republished (kept), and drawn anew without the cache, in this process
    # (publish drew them in forked ones), with no URL asked for beyond the brief's own and no socket opened.
    before = {p: p.read_bytes() for p in (ar, en)}
    publish(out, project, "fair")
    assert {p: p.read_bytes() for p in (ar, en)} == before
    connects = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: connects.append(a))
    asked = []
    real_render = pdf.render
    monkeypatch.setattr(pdf, "render", lambda page, served: _keep_asked(real_render(page, served), asked))
    published = collect.collect(list(collect.choose("fair", project)))
    fresh = pdf.briefs(published, store(), result.public_log_key, use_cache=False, workers=0)
    assert fresh[f"ar/incidents/{code}.pdf"] == before[ar] and fresh[f"en/incidents/{code}.pdf"] == before[en]
    assert asked and all(u.startswith(("marsad:font/", "marsad:media/")) for u in asked) and not connects


def result_files(out: Path) -> dict[str, str]:
    import json

    return {f["path"]: f["sha256"] for f in json.loads((out / "manifest.json").read_text())["files"]}


def _keep_asked(rendered, asked):
    asked.extend(rendered[1])
    return rendered


def test_a_brief_fetches_nothing_but_its_own_files():
    from marsad.publish import pdf

    gif = "data:image/gif;base64,R0lGODlhAQABAAAAACwAAAAAAQABAAACAkQBADs="
    page = f'<html><body><p>نص</p><img src="{gif}">{{}}</body></html>'
    data, asked = pdf.render(page.format(""), {})
    assert data.startswith(b"%PDF-") and asked == ["marsad:font/400.ttf", "marsad:font/700.ttf", gif]
    for url in ("http://127.0.0.1:9/x.png", "file:///etc/hostname", "marsad:media/unknown.jpg"):
        with pytest.raises(pdf.BriefError, match="briefs fetch nothing"):
            pdf.render(page.format(f'<img src="{url}">'), {})


def test_no_arabic_font_stops_publishing_with_the_reason(monkeypatch):
    import subprocess

    from marsad.publish import pdf

    listed = subprocess.CompletedProcess([], 0, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf\tBook\n", "")
    monkeypatch.setattr(pdf.subprocess, "run", lambda *a, **k: listed)
    with pytest.raises(pdf.BriefError, match="Amiri is not installed.*fonts-hosny-amiri"):
        pdf.arabic_font.__wrapped__()


def test_key_frames_come_from_the_video_as_plain_jpegs_the_same_each_time():
    import io

    import av
    import numpy as np
    from PIL import Image

    from marsad.publish import pdf

    video = io.BytesIO()
    with av.open(video, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(30):  # each second its own shade: which frame was taken shows
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 40 + (i // 10) * 80, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    frames = pdf.frames(video.getvalue())
    assert frames == pdf.frames(video.getvalue()) and all(f[:2] == b"\xff\xd8" for f in frames)
    shades = [Image.open(io.BytesIO(f)).convert("L").getpixel((32, 24)) for f in frames]
    assert [round((s - 40) / 80) for s in shades] == [0, 1, 2], shades  # at a tenth, half, nine tenths
    assert not any(b"Exif" in f for f in frames)


def test_an_unchanged_brief_is_looked_up_not_made_and_a_changed_one_is_drawn_again(site, monkeypatch):
    """The brief cache is keyed on what a brief is made from, known before any HTML: republishing
    unchanged makes no brief HTML at all (and the site keeps its bytes); a public change draws
    that incident's briefs again, with the new text."""
    from marsad.incidents import service
    from marsad.publish import pdf
    from marsad.publish.builder import publish

    project, code, out, result = site
    briefs = [out / f"{lang}/incidents/{code}.pdf" for lang in ("ar", "en")]
    before = [p.read_bytes() for p in briefs]
    made = []
    real_html = pdf.html
    monkeypatch.setattr(pdf, "html", lambda *a, **k: made.append(a[1]) or real_html(*a, **k))
    monkeypatch.setattr(pdf, "DRAWERS", 0)  # drawn in this process, where the HTML made is seen
    again = publish(out, project, "fair")
    assert made == [] and again.public_log_added == 0 and [p.read_bytes() for p in briefs] == before
    service.update(service.get(code), {"notes": "A corrected public summary."}, "actor:test")
    publish(out, project, "fair")
    assert sorted(made) == ["ar", "en"]
    after = [p.read_bytes() for p in briefs]
    assert all(a != b for a, b in zip(after, before))
    assert "Acorrectedpublicsummary." in "".join(_contents(after[1])[1].split())


@pytest.mark.once
def test_drawing_briefs_leaves_truncated_pictures_failing_their_analysis(tmp_path):
    """WeasyPrint's import makes Pillow decode truncated pictures for the whole process: a
    damaged original would then be fingerprinted from its first part instead of failing."""
    import io

    from PIL import Image, ImageFile

    from marsad.core.fingerprints.base import FingerprintFailed
    from marsad.core.fingerprints.pdq import load_rgb
    from marsad.publish import pdf

    pdf.import_weasyprint()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    out = io.BytesIO()
    Image.effect_noise((640, 480), 60).convert("RGB").save(out, "JPEG", quality=90)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(out.getvalue()[: len(out.getvalue()) // 3])
    with pytest.raises(FingerprintFailed):
        load_rgb(truncated)

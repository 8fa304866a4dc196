"""The pure core of publishing: which incidents and fields are public, coarse
coordinates, sources by kind, file names, the manifest and reproducible zips."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest

from marsad.core.publish import fields, manifest, names, sources

pytestmark = pytest.mark.once


@pytest.mark.parametrize("value, coarse", [(35.614567, 35.61), (36.565, 36.56), (35.615, 35.62), (-0.004, -0.0),
                                           (36.999, 37.0), (None, None)])
def test_coordinates_are_rounded_to_a_hundredth_of_a_degree(value, coarse):
    assert fields.coarsen(value) == coarse


def test_grades_at_or_above_and_what_is_withdrawn():
    assert fields.grades_at_or_above("fair") == ["confirmed", "fair"]
    assert fields.grades_at_or_above("weak") == ["confirmed", "fair", "weak"]
    with pytest.raises(fields.PublishError, match="unknown grade"):
        fields.grades_at_or_above("contested")
    assert fields.is_published("fair", "verified", False, "fair")
    assert not fields.is_published("weak", "verified", False, "fair")
    assert not fields.is_published("confirmed", "discounted", False, "fair")
    assert not fields.is_published("confirmed", "verified", True, "fair")  # merged into another


def test_public_row_drops_restricted_internal_and_original_hashes():
    columns = fields.public_columns(["event_id_cnty", "latitude", "longitude", "status", "evidence_sha256",
                                     "primary_sha256", "witness_names", "tags", "merged_from", "split_from",
                                     "location_as_reported"], ["witness_names"])
    assert columns == ["event_id_cnty", "latitude", "longitude", "merged_from", "split_from", "media_sha256"]
    row = {"event_id_cnty": "SYR000001", "latitude": 35.614567, "longitude": 36.561234, "status": "verified",
           "evidence_sha256": "a" * 64, "witness_names": "x", "merged_from": "SYR000002;SYR000003",
           "split_from": "SYR000009"}
    public = fields.public_row(row, columns, {"SYR000001", "SYR000003"}, ["b" * 64])
    assert public == {"event_id_cnty": "SYR000001", "latitude": 35.61, "longitude": 36.56,
                      "merged_from": "SYR000003", "split_from": None, "media_sha256": "b" * 64}


def test_sources_are_counted_by_kind_and_origin_only():
    pairs = [("video", "telegram"), ("video", "telegram"), ("image", "file"), ("document", "linklist"),
             ("weird", None), ("video", "webarchive")]
    assert sources.count_by_kind(pairs) == [("document", "web", 1), ("image", "files", 1), ("other", "files", 1),
                                           ("video", "telegram", 2), ("video", "webarchive", 1)]


def test_names_are_relative_and_never_from_a_source():
    assert names.incident_page("SYR000001", "ar") == "ar/incidents/SYR000001.html"
    assert names.relative("ar/incidents/SYR000001.html", "media/x.jpg") == "../../media/x.jpg"
    assert names.relative("index.html", "en/index.html") == "en/index.html"
    assert names.media_file("ab" * 32, "video/mp4") == f"media/{'ab' * 32}.mp4"
    for bad in ("../etc", "SYR/1", ""):
        with pytest.raises(ValueError):
            names.incident_page(bad, "en")
    with pytest.raises(ValueError):
        names.media_file("IMG_0001.jpg", "image/jpeg")


def test_manifest_is_sorted_and_hashes_every_file(tmp_path):
    (tmp_path / "b.txt").write_bytes(b"b")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.html").write_bytes(b"abc")
    body = manifest.build(tmp_path, ["b.txt", "a/x.html", "b.txt"], {"minimum_grade": "fair"})
    parsed = json.loads(body)
    assert [f["path"] for f in parsed["files"]] == ["a/x.html", "b.txt"]
    assert parsed["files"][0] == {"path": "a/x.html", "size": 3,
                                  "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
    assert manifest.build(tmp_path, ["a/x.html", "b.txt"], {"minimum_grade": "fair"}) == body


def test_a_zip_rewritten_reproducibly_gives_the_same_bytes(tmp_path):
    def made(clock: str) -> bytes:
        path = tmp_path / f"{clock}.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr(zipfile.ZipInfo("z.xml", (2026, 11, 30, 9, int(clock), 0)), b"data")
            z.writestr("docProps/core.xml", f"<dcterms:created x='1'>2026-11-30T09:{clock}:00Z</dcterms:created>")
        when = datetime(2019, 5, 5, 14, 30, tzinfo=UTC)
        manifest.reproducible_zip(path, when, {"docProps/core.xml": [
            (rb"(<dcterms:created[^>]*>)[^<]*(</dcterms:)", rb"\g<1>2019-05-05T14:30:00Z\g<2>")]})
        return path.read_bytes()

    first, second = made("10"), made("11")
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert z.namelist() == ["docProps/core.xml", "z.xml"]
        assert b"2019-05-05T14:30:00Z" in z.read("docProps/core.xml")

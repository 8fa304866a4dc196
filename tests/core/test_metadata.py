"""Normalised facts from real exiftool output of generated files."""

import random
from datetime import datetime, timezone

from marsad.core import exif, metadata, probe
from marsad.demo.samples import PhotoSpec, write_photo, write_video


def test_photo_exif_capture_time_gps_and_device(tmp_path):
    path = tmp_path / "p.jpg"
    write_photo(path, PhotoSpec("p.jpg", (640, 480), datetime(2019, 5, 4, 9, 12), "+03:00", "saraqib"),
                random.Random(1))
    facts = metadata.normalise(exif.read(path))
    assert facts.captured_at == "2019-05-04T09:12:00+03:00"
    assert facts.captured_at_source == "exif:DateTimeOriginal" and facts.tz_known
    assert abs(facts.gps_lat - 35.8637) < 1e-4 and abs(facts.gps_lon - 36.8006) < 1e-4
    assert (facts.make, facts.model, facts.width, facts.height) == ("samsung", "SM-G950F", 640, 480)


def test_video_time_is_utc_from_quicktime_and_container_facts(tmp_path):
    path = tmp_path / "v.mp4"
    write_video(path, (320, 240), 2, 10, random.Random(2), created=datetime(2019, 5, 4, 6, 5))
    container = probe.probe(path)
    facts = metadata.normalise(exif.read(path), container)
    assert facts.captured_at == "2019-05-04T06:05:00+00:00"
    assert facts.captured_at_source == "quicktime:CreateDate"
    assert (facts.width, facts.height, facts.codec) == (320, 240, "h264")
    assert abs(facts.duration_s - 2.0) < 0.2


def test_times_without_zone_stay_unknown_and_zeroed_times_are_absent():
    t = metadata.capture_time({"EXIF:DateTimeOriginal": "2019:05:04 09:12:00"})
    assert t.iso() == "2019-05-04T09:12:00" and t.offset is None
    assert t.instant() == datetime(2019, 5, 4, 9, 12, tzinfo=timezone.utc)
    assert metadata.capture_time({"QuickTime:CreateDate": "0000:00:00 00:00:00"}) is None
    with_offset = metadata.capture_time({"QuickTime:CreationDate": "2019:05:04 10:20:00+03:00"})
    assert with_offset.instant() == datetime(2019, 5, 4, 7, 20, tzinfo=timezone.utc)


def test_gps_rejects_null_island_and_applies_hemisphere():
    assert metadata.gps({"Composite:GPSLatitude": 0, "Composite:GPSLongitude": 0}) is None
    assert metadata.gps({"EXIF:GPSLatitude": 33.5, "EXIF:GPSLatitudeRef": "S",
                         "EXIF:GPSLongitude": 70.1, "EXIF:GPSLongitudeRef": "W"}) == (-33.5, -70.1)

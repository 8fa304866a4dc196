"""Fuzz metadata normalisation (marsad.core.metadata.normalise): exiftool's tags, and a
container as marsad.core.probe describes one, turned into capture time, GPS, device, size.

The input is JSON: {"tags": {...exiftool -G -n -json...}, "container": {...}}. Whatever
a file's tags hold, normalise must give Facts, never raise (an analysis step that fails on
one odd tag would leave the item without any facts).

    python fuzz/fuzz_metadata.py -max_total_time=30
"""

import json

import _harness
import atheris

with atheris.instrument_imports(include=["marsad"]):
    from marsad.core.metadata import normalise

SCALARS = (str, int, float, bool, type(None))


def _tag_value(value):
    """Only what exiftool's JSON can hold: scalars and lists of them (no NaN: JSON has none)."""
    if isinstance(value, list):
        return all(isinstance(v, SCALARS) for v in value)
    return isinstance(value, SCALARS)


def _container(raw):
    """The shape probe() returns, with the fuzzer's values where their types fit."""
    if not isinstance(raw, dict):
        return None
    streams = []
    given = raw.get("streams")
    for s in given if isinstance(given, list) else []:
        if isinstance(s, dict) and isinstance(s.get("type"), str):
            stream = {"type": s["type"], "codec": s.get("codec") if isinstance(s.get("codec"), str) else None}
            if isinstance(s.get("width"), int) and isinstance(s.get("height"), int):
                stream |= {"width": s["width"], "height": s["height"]}
            streams.append(stream)
    duration = raw.get("duration_s")
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    return {"duration_s": float(duration) if isinstance(duration, (int, float)) and not isinstance(duration, bool)
            and abs(duration) < 1e12 else None,
            "metadata": {str(k): str(v) for k, v in metadata.items()}, "streams": streams}


def seeds():
    photo = {"EXIF:DateTimeOriginal": "2019:05:05 17:32:10", "EXIF:OffsetTimeOriginal": "+03:00",
             "EXIF:GPSLatitude": 35.6133, "EXIF:GPSLatitudeRef": "N", "EXIF:GPSLongitude": 36.5614,
             "EXIF:GPSLongitudeRef": "E", "EXIF:Make": "samsung", "EXIF:Model": "SM-G930F",
             "File:ImageWidth": 4032, "File:ImageHeight": 3024}
    yield json.dumps({"tags": photo}).encode()
    yield json.dumps({"tags": {"QuickTime:CreateDate": "2019:05:05 14:32:10", "QuickTime:ImageWidth": 1280,
                               "Composite:GPSLatitude": "35.6", "Composite:GPSLongitude": "36.5"},
                      "container": {"duration_s": 12.5, "metadata": {"creation_time": "2019-05-05T14:32:10.000000Z"},
                                    "streams": [{"type": "video", "codec": "h264", "width": 1280, "height": 720},
                                                {"type": "audio", "codec": "aac"}]}}).encode()
    yield json.dumps({"tags": {"EXIF:DateTimeOriginal": "0000:00:00 00:00:00", "XMP:DateCreated": "2019-05-05T17:32",
                               "EXIF:GPSLatitude": "abc", "EXIF:GPSLatitudeRef": "S", "EXIF:GPSLongitude": 0,
                               "PNG:ImageWidth": "12.5", "EXIF:Make": ["a", "b"]}}).encode()
    yield json.dumps({"tags": {"EXIF:CreateDate": "2019:13:45 25:61:61", "EXIF:OffsetTime": "+99:99",
                               "Composite:GPSDateTime": "9999:12:31 23:59:59.9999999Z"},
                      "container": {"streams": [{"type": "data"}]}}).encode()


def TestOneInput(data: bytes) -> None:
    try:
        given = json.loads(data, parse_constant=lambda name: None)
    except (ValueError, RecursionError):
        return
    if not isinstance(given, dict) or not isinstance(given.get("tags"), dict):
        return
    tags = {str(k): v for k, v in given["tags"].items() if _tag_value(v)}
    facts = normalise(tags, _container(given.get("container")))
    json.dumps(facts.as_dict(), allow_nan=False)


if __name__ == "__main__":
    _harness.main(TestOneInput, seeds)

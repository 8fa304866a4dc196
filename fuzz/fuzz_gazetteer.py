"""Fuzz the gazetteer readers (marsad.core.places.readers): CSV tables, JSON lists,
GeoJSON and OCHA/Syrian Archive location lists.

The first byte picks the file's suffix and the column settings; the rest is the file.
Bad input may only end as a ValueError (the file refused) or as problems naming rows.

    python fuzz/fuzz_gazetteer.py -max_total_time=30
"""

import json

import _harness
import atheris

with atheris.instrument_imports(include=["marsad"]):
    from marsad.core.places.readers import Columns, read_file

FOLDER = _harness.scratch("gazetteer")
SUFFIXES = (".csv", ".json", ".geojson")
COLUMNS = (None, Columns(name="name", lat="lat", lon="lon", admin=["district", "governorate"],
                         admin_ar=["district_ar", "governorate_ar"], kind="kind", aliases="aliases"),
           Columns(every_kind="camp"))


def seeds():
    yield b"\x00" + ("name,name_ar,lat,lon,pcode,aliases,kind,district,governorate\n"
                     "Kafr Nabl,كفرنبل,35.6133,36.5614,C4011,Kafranbel;Kafr Nobol,town,Maarrat,Idleb\n"
                     "Nowhere,,abc,36,,,,,\n"
                     "Far,,95,200,,,village,,\n").encode()
    yield b"\x04" + b"name,lat,lon,kind,district,governorate\nAtmeh camp,36.3,36.6,camp,Harim,Idleb\n"
    rows = [{"name": "Saraqib", "name_ar": "سراقب", "lat": 35.86, "lon": 36.8, "pcode": "C4012"},
            {"name": "", "lat": 1, "lon": 2}, "not an object", {"name": "x", "lat": None, "lon": "1"}]
    yield b"\x01" + json.dumps(rows, ensure_ascii=False).encode()
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 36.3]},
         "properties": {"name": "Atmeh", "kind": "camp"}},
        {"type": "Feature", "geometry": None, "properties": None}, None]}
    yield b"\x02" + json.dumps(collection).encode()
    archive = [{"search_name_en": "Kafr Nabl", "search_name_ar": "كفرنبل", "lat": "35.61", "lon": "36.56",
                "old_name": "Kafr Nabl --- (((123)))", "governorate": "Idlib"},
               {"search_name_en": "Bad", "lat": "x"}]
    yield b"\x01" + json.dumps(archive, ensure_ascii=False).encode()


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    path = FOLDER / ("places" + SUFFIXES[data[0] % len(SUFFIXES)])
    path.write_bytes(data[1:])
    try:
        read = read_file(path, COLUMNS[(data[0] // len(SUFFIXES)) % len(COLUMNS)])
    except ValueError:
        return
    for place in read.places:
        assert isinstance(place.name, str) and place.id, place
        if place.lat is not None:
            assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180, place
    for problem in read.problems:
        assert isinstance(problem.reason, str), problem


if __name__ == "__main__":
    _harness.main(TestOneInput, seeds)

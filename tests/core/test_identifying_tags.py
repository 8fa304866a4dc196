"""Which embedded tags make an original unsafe to hand over, which metadata may travel,
and the bundle verifier's own RFC 8785 canonical JSON (what a leaf's details commit to)."""

import random
import struct

import pytest

from marsad.core.custody.leaves import canonical
from marsad.core.identifying import (identifying_record_fields, identifying_tags, shareable_container,
                                     shareable_tags)
from marsad.custody import bundle_verify

TAGS = {
    "File:MIMEType": "image/jpeg", "File:ImageWidth": 640, "EXIF:Make": "Apple", "EXIF:Model": "iPhone",
    "EXIF:Artist": "A. Witness", "EXIF:OwnerName": "Owner", "EXIF:UserComment": "near the bakery",
    "EXIF:SerialNumber": "123", "XMP:Creator": ["x"], "XMP:CreatorTool": "Lightroom", "IPTC:City": "Idlib",
    "IPTC:Sub-location": "Souq", "IPTC:Province-State": "Idlib", "Keys:GPSCoordinates": "35.9 36.6",
    "EXIF:ImageUniqueID": "abc", "EXIF:Software": "17.1", "EXIF:GPSLatitude": "", "QuickTime:Duration": 3.2,
}


@pytest.mark.once
def test_identifying_tags_are_named_and_only_technical_ones_travel():
    container = {"format": "mov", "metadata": {"location": "+35.9+036.6/", "major_brand": "qt"},
                 "streams": [{"index": 0, "type": "video", "codec": "h264", "metadata": {"\u202eartist": "x"}}]}
    found = identifying_tags(TAGS, container)
    assert found == sorted({
        "EXIF:Artist", "EXIF:OwnerName", "EXIF:UserComment", "EXIF:SerialNumber", "XMP:Creator", "IPTC:City",
        "IPTC:Sub-location", "IPTC:Province-State", "Keys:GPSCoordinates", "EXIF:ImageUniqueID",
        "container:location", "stream0:?artist"})  # empty values are not there; names shown safely
    assert shareable_tags(TAGS) == {"File:MIMEType": "image/jpeg", "File:ImageWidth": 640, "QuickTime:Duration": 3.2}
    assert shareable_container(container) == {"format": "mov", "duration_s": None, "bit_rate": None,
                                               "streams": [{"index": 0, "type": "video", "codec": "h264"}]}
    assert identifying_record_fields({"id": 3, "from": "Abu", "from_id": "user1", "text": ""}) == [
        "record:from", "record:from_id"]


@pytest.mark.once
def test_verifier_canonical_json_is_rfc8785():
    rng = random.Random(14)
    floats = [struct.unpack("d", rng.randbytes(8))[0] for _ in range(3000)]
    values = [f for f in floats if f == f and abs(f) != float("inf")] + [
        0.0, -0.0, 1e21, 1e20, 1e-7, 1e-6, 0.1, 100.0, 5e-324, {"b": [1, "é\u2028\x01\"", None, True, 2.5],
                                                                  "a": {"\U0001F600": 1, "\uffff": 2}}]
    for value in values:
        assert bundle_verify.canonical(value).encode() == canonical(value), value

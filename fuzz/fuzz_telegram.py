"""Fuzz the Telegram Desktop export reader (marsad.plugins.telegram) with result.json files.

Bad input may only end as a SourceError (the export refused, nothing recorded) or as
failed sightings; every sighting must be storable (string fields, details that are JSON).

    python fuzz/fuzz_telegram.py -max_total_time=30
"""

import json

import _harness
import atheris

with atheris.instrument_imports(include=["marsad"]):
    from marsad.core.sources import SourceError
    from marsad.plugins.telegram import TelegramSource

EXPORT = _harness.scratch("telegram")
(EXPORT / "photos").mkdir()
(EXPORT / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8\xff\xe0 a photo")
(EXPORT / "video_files").mkdir()
(EXPORT / "video_files" / "strike.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 a video")


def seeds():
    messages = [
        {"id": 1, "type": "message", "date": "2019-05-05T17:32:10", "date_unixtime": "1557066730",
         "from": "Idlib Media Centre", "from_id": "channel1001234567", "photo": "photos/photo_1.jpg",
         "text": ["Strike on the hospital ", {"type": "text_link", "text": "video", "href": "https://example.org/v"}],
         "text_entities": [{"type": "plain", "text": "Strike on the hospital "},
                           {"type": "text_link", "text": "video", "href": "https://example.org/v"}]},
        {"id": 2, "type": "message", "date_unixtime": "1557067200", "edited_unixtime": "1557068400",
         "file": "video_files/strike.mp4", "file_name": "VID-1.mp4", "media_type": "video_file",
         "thumbnail": "video_files/strike.mp4_thumb.jpg", "forwarded_from": "Civil Defence", "text": ""},
        {"id": 3, "type": "message", "date_unixtime": "1557067500", "reply_to_message_id": 1,
         "text": "غارة جوية على مشفى كفرنبل"},
        {"id": 4, "type": "message", "date_unixtime": "1557067800",
         "photo": "(File not included. Change data exporting settings to download.)", "text": "damage"},
        {"id": 5, "type": "service", "action": "pin_message", "message_id": 1, "text": ""},
        {"id": 6, "type": "message", "photo": "../../outside.jpg", "text": ""},
    ]
    channel = {"name": "Idlib Media Centre", "type": "public_channel", "id": 1001234567, "messages": messages}
    yield json.dumps(channel, ensure_ascii=False, indent=1).encode()
    yield b"\xef\xbb\xbf" + json.dumps(channel).encode()
    account = {"personal_information": {"first_name": "x"},
               "chats": {"list": [channel, {"name": "Other", "type": "private_group", "id": 7, "messages": messages[2:4]}]},
               "left_chats": {"list": [{"name": "Left", "id": 8, "messages": messages[:1]}]}}
    yield json.dumps(account).encode()
    hostile = [{"id": 11, "type": "message", "date_unixtime": "abc", "text": "x"},
               {"id": 12, "type": "message", "date_unixtime": "99999999999999999", "text": [["x"]]},
               {"id": 13, "type": "message", "photo": "photos/a\u0000b.jpg", "text": "nul"},
               {"id": 14, "type": "message", "text": [{"type": "link"}, 5]},
               {"id": 2 ** 70, "type": "message", "text": "big id", "x": 1e308}]
    yield json.dumps({"name": "h", "id": 1, "messages": hostile}).encode()
    yield b'{"name": "cut", "id": 1, "messages": [{"id": 1, "type": "message", "text": "a'


def check(sighting) -> None:
    """What ingest would store of a sighting: JSON details and strings PostgreSQL accepts."""
    stored = sighting.path is not None or sighting.content is not None
    assert stored or sighting.error, sighting
    for name in ("display_path", "name", "channel", "post_id", "text", "url", "error", "notice"):
        value = getattr(sighting, name)
        assert value is None or isinstance(value, str), (name, value)
    if stored:
        json.dumps(sighting.details, allow_nan=False)
    sighting.key("0" * 64)


def TestOneInput(data: bytes) -> None:
    (EXPORT / "result.json").write_bytes(data)
    source = TelegramSource()
    try:
        source.recognises(str(EXPORT))
        for sighting in source.sightings(str(EXPORT)):
            check(sighting)
    except SourceError:
        pass


if __name__ == "__main__":
    _harness.main(TestOneInput, seeds)

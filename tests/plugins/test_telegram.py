"""Telegram Desktop exports through the real command: provenance on every capture,
reports without media kept, re-imports and later exports add only what is new,
hostile and truncated exports refused clearly."""

import json
import shutil

import pytest
from PIL import Image

from marsad.plugins.telegram import TelegramSource, plain_text
from tests.core.test_fingerprints import _textured_frames, _write

CHAT_ID = 1001234567
POSTED = "1557066730"  # 2019-05-05 14:32:10 UTC
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


def _messages(media_prefix=""):
    return [
        {"id": 1, "type": "message", "date": "2019-05-05T17:32:10", "date_unixtime": POSTED,
         "from": "Idlib Media Centre", "from_id": f"channel{CHAT_ID}",
         "photo": f"{media_prefix}photos/photo_1@05-05-2019_17-32-10.jpg", "width": 640, "height": 480,
         "text": ["Strike on the surgical hospital, Kafr Nabl ", {"type": "text_link", "text": "video",
                                                                  "href": "https://example.org/v/1"}],
         "text_entities": [{"type": "plain", "text": "Strike on the surgical hospital, Kafr Nabl "},
                           {"type": "text_link", "text": "video", "href": "https://example.org/v/1"}]},
        {"id": 2, "type": "message", "date": "2019-05-05T17:40:00", "date_unixtime": "1557067200",
         "edited": "2019-05-05T18:00:00", "edited_unixtime": "1557068400",
         "from": "Idlib Media Centre", "from_id": f"channel{CHAT_ID}", "forwarded_from": "Civil Defence Idlib",
         "file": f"{media_prefix}video_files/strike.mp4", "file_name": "VID-20190505-WA0003.mp4",
         "media_type": "video_file", "mime_type": "video/mp4", "duration_seconds": 2,
         "text": "", "text_entities": []},
        {"id": 3, "type": "message", "date": "2019-05-05T17:45:00", "date_unixtime": "1557067500",
         "from": "Idlib Media Centre", "from_id": f"channel{CHAT_ID}", "reply_to_message_id": 1,
         "text": "غارة جوية على مشفى كفرنبل الجراحي الآن",
         "text_entities": [{"type": "plain", "text": "غارة جوية على مشفى كفرنبل الجراحي الآن"}]},
        {"id": 4, "type": "message", "date": "2019-05-05T17:50:00", "date_unixtime": "1557067800",
         "from": "Idlib Media Centre", "from_id": f"channel{CHAT_ID}", "photo": NOT_INCLUDED,
         "text": "Photos of the damage", "text_entities": [{"type": "plain", "text": "Photos of the damage"}]},
        {"id": 5, "type": "service", "date": "2019-05-05T17:55:00", "date_unixtime": "1557068100",
         "actor": "Idlib Media Centre", "action": "pin_message", "message_id": 1, "text": ""},
        {"id": 6, "type": "message", "date": "2019-05-05T18:10:00", "date_unixtime": "1557069000",
         "from": "Idlib Media Centre", "photo": "../../outside.jpg", "text": ""},
    ]


def _media(folder, prefix=""):
    (folder / prefix / "photos").mkdir(parents=True)
    (folder / prefix / "video_files").mkdir(parents=True)
    Image.effect_mandelbrot((640, 480), (-2, -1.2, 1, 1.2), 80).convert("RGB").save(
        folder / prefix / "photos" / "photo_1@05-05-2019_17-32-10.jpg", quality=90)
    _write(folder / prefix / "video_files" / "strike.mp4", _textured_frames(20), (320, 180))


def channel_export(folder, messages=None):
    folder.mkdir(parents=True)
    _media(folder)
    chat = {"name": "Idlib Media Centre", "type": "public_channel", "id": CHAT_ID,
            "messages": messages if messages is not None else _messages()}
    (folder / "result.json").write_text(json.dumps(chat, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def _captures(marsad):
    out = {}
    for item in marsad.json("items"):
        detail = marsad.json("show", item["sha256"])
        for capture in detail["captures"]:
            out[capture["post_id"]] = (item, capture)
    return out


def test_plain_text_keeps_link_targets():
    assert plain_text(_messages()[0]) == "Strike on the surgical hospital, Kafr Nabl video (https://example.org/v/1)"
    assert plain_text({"text": ["see ", {"type": "link", "text": "https://t.me/x/1"}]}) == "see https://t.me/x/1"
    assert plain_text({"text": "plain"}) == "plain"


def test_channel_export_keeps_provenance_and_reports(marsad, tmp_path):
    export = channel_export(tmp_path / "ChatExport_2019-05-06")
    assert TelegramSource().recognises(str(export))
    (tmp_path / "outside.jpg").write_bytes(b"documenter's own file")
    run = marsad.run("ingest", str(export), check=1)  # message 6 names a file outside the export
    assert "reading as telegram" in run.stdout + run.stderr
    assert "points outside the export folder" in run.stdout

    captures = _captures(marsad)
    assert set(captures) == {"1", "2", "3", "4", "6"}
    _, refused = captures["6"]  # its media refused, the post itself kept
    assert "points outside the export folder" in refused["source_details"]["media_missing"][0]
    photo_item, photo = captures["1"]
    assert photo_item["kind"] == "image"
    assert photo["channel"] == "Idlib Media Centre"
    assert photo["posted_at"] == "2019-05-05T14:32:10+00:00"
    assert photo["text"].endswith("video (https://example.org/v/1)")
    assert photo["source_details"]["channel_id"] == str(CHAT_ID)
    assert photo["source_details"]["channel_type"] == "public_channel"
    assert photo["source_details"]["author"] == "Idlib Media Centre"

    video_item, video = captures["2"]
    assert video_item["kind"] == "video"
    assert video["original_name"] == "VID-20190505-WA0003.mp4"
    assert video["source_details"]["forwarded_from"] == "Civil Defence Idlib"
    assert video["source_details"]["edited_at"] == "2019-05-05T15:00:00+00:00"

    report_item, report = captures["3"]  # no media: the report itself is preserved
    assert report["text"] == "غارة جوية على مشفى كفرنبل الجراحي الآن"
    assert report["source_details"]["reply_to"] == 1
    assert report_item["mime"] in ("application/json", "text/plain")

    _, missing = captures["4"]
    assert missing["source_details"]["media_missing"] == [NOT_INCLUDED]
    assert missing["text"] == "Photos of the damage"
    stored = [p.read_bytes() for p in (marsad.home / "store").rglob("*") if p.is_file()]
    assert b"documenter's own file" not in stored
    assert "OK" in marsad.run("log", "verify").stdout


def test_reimport_and_a_later_export_add_only_what_is_new(marsad, tmp_path):
    first = channel_export(tmp_path / "ChatExport_2019-05-06", _messages()[:4])
    marsad.run("ingest", str(first))
    before = len(marsad.json("items"))
    marsad.run("ingest", str(first))
    assert len(marsad.json("items")) == before

    later_messages = _messages()[:4] + [
        {"id": 7, "type": "message", "date": "2019-05-07T09:00:00", "date_unixtime": "1557219600",
         "from": "Idlib Media Centre", "text": "Second strike reported", "text_entities": []}]
    later = channel_export(tmp_path / "ChatExport_2019-05-08", later_messages)
    marsad.run("ingest", str(later))
    captures = _captures(marsad)
    assert len(marsad.json("items")) == before + 1
    assert sorted(captures) == ["1", "2", "3", "4", "7"]
    per_post = [c for item in marsad.json("items") for c in marsad.json("show", item["sha256"])["captures"]]
    assert len(per_post) == 5, "a later export of the same posts adds no captures"


def test_account_export_with_chat_list(marsad, tmp_path):
    root = tmp_path / "DataExport_2019-05-08"
    root.mkdir()
    prefix = "chats/chat_001/"
    _media(root, prefix)
    chat = {"name": "Idlib Media Centre", "type": "public_channel", "id": CHAT_ID,
            "messages": _messages(media_prefix=prefix)[:3]}
    other = {"name": "Maarat Updates", "type": "private_channel", "id": 42,
             "messages": [{"id": 1, "type": "message", "date_unixtime": "1557000000", "text": "Shelling now"}]}
    account = {"about": "...", "personal_information": {"first_name": "x"}, "chats": {"about": "...",
                                                                                        "list": [chat, other]}}
    (root / "result.json").write_text(json.dumps(account, ensure_ascii=False), encoding="utf-8")
    marsad.run("ingest", str(root))
    channels = {c["channel"] for item in marsad.json("items") for c in marsad.json("show", item["sha256"])["captures"]}
    assert channels == {"Idlib Media Centre", "Maarat Updates"}
    assert len(marsad.json("items")) == 4


def test_truncated_export_is_refused_and_records_nothing_then_completes_when_mended(marsad, tmp_path):
    export = channel_export(tmp_path / "ChatExport_cut")
    data = (export / "result.json").read_bytes()
    cut = data.index(b'"id": 4')  # inside message 4: messages 1-3 are whole
    (export / "result.json").write_bytes(data[:cut])
    run = marsad.run("ingest", str(export), check=1)
    assert "not readable JSON" in run.stderr and "truncated" in run.stderr
    assert "after message 3 (3 whole messages read)" in run.stderr  # where it broke, so a person can look
    assert marsad.json("items") == []
    assert "OK" in marsad.run("log", "verify").stdout

    (export / "result.json").write_bytes(data)  # exported again, whole
    marsad.run("ingest", str(export), check=1)  # message 6 still names a file outside the export
    assert set(_captures(marsad)) == {"1", "2", "3", "4", "6"}


@pytest.mark.parametrize("name", ["result.json", "notes.json"])
def test_other_json_is_not_taken_for_an_export(tmp_path, name):
    (tmp_path / name).write_text('{"rows": []}')
    assert not TelegramSource().recognises(str(tmp_path / name))
    shutil.rmtree(tmp_path)

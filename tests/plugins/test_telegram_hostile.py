"""Hostile or odd Telegram exports through the real command: one bad message is a failure
named by its id while every other message is kept (on every rerun too); a byte-order mark
does not turn the export into plain files; files the export does not name are kept and said."""

import json

from marsad.plugins.telegram import TelegramSource
from tests.plugins.test_telegram import _captures, _messages, channel_export

DEEP = 20_000


def _hostile_messages():
    good = _messages()
    bad = [
        {"id": 11, "type": "message", "date_unixtime": "abc", "text": "bad date"},
        {"id": 12, "type": "message", "date_unixtime": "99999999999999999", "text": "far date"},
        {"id": 13, "type": "message", "date_unixtime": "1557067500", "text": [["x"]]},
        {"id": 15, "type": "message", "date_unixtime": "1557067500", "photo": "photos/a\x00b.jpg",
         "text": "NUL in the media path"},
        {"id": 16, "type": "message", "date_unixtime": "1557067500", "text": "after the bad ones"},
    ]
    return good[:3] + bad


def _write_with_deep_message(export, messages):
    """result.json with message 14 nested DEEP arrays deep (json.dumps cannot write that)."""
    text = json.dumps({"name": "Idlib Media Centre", "type": "public_channel", "id": 1001234567,
                       "messages": messages}, ensure_ascii=False)
    deep = '{"id": 14, "type": "message", "date_unixtime": "1557067500", "text": "", "x": ' + \
        "[" * DEEP + "]" * DEEP + "}, "
    at = text.index('{"id": 16')
    (export / "result.json").write_text(text[:at] + deep + text[at:], encoding="utf-8")


def test_each_bad_message_is_a_named_failure_and_the_rest_is_kept(marsad, tmp_path):
    export = channel_export(tmp_path / "ChatExport_hostile", [])
    _write_with_deep_message(export, _hostile_messages())
    assert TelegramSource().recognises(str(export))
    for attempt in range(2):  # a rerun neither crashes nor records anything twice
        run = marsad.run("ingest", str(export), check=1)
        assert "Traceback" not in run.stderr
        out = run.stdout
        assert "message 11 not recorded: 'abc' is not a Unix time" in out
        assert "message 12 not recorded: '99999999999999999' is not a Unix time" in out
        assert "message 13 not recorded: its text holds list" in out
        assert "message 14 not recorded: nested too deeply to read" in out
        assert "a media path holding a NUL character" in out
        captures = _captures(marsad)
        assert set(captures) == {"1", "2", "3", "15", "16"}, attempt
        assert "NUL" in captures["15"][1]["source_details"]["media_missing"][0]
        assert captures["16"][1]["text"] == "after the bad ones"
    assert "OK" in marsad.run("log", "verify").stdout


def test_a_bom_before_result_json_and_files_the_export_does_not_name(marsad, tmp_path):
    messages = _messages()[:3]
    messages[1]["thumbnail"] = "video_files/strike.mp4_thumb.jpg"  # named by the export: no note for it
    export = channel_export(tmp_path / "ChatExport_bom", messages)
    (export / "video_files" / "strike.mp4_thumb.jpg").write_bytes(b"thumbnail")
    data = (export / "result.json").read_bytes()
    (export / "result.json").write_bytes(b"\xef\xbb\xbf" + data)
    (export / "files").mkdir()
    (export / "files" / "added-by-hand.txt").write_text("a note the export never mentioned")
    assert TelegramSource().recognises(str(export))
    run = marsad.run("ingest", str(export))
    assert "reading as telegram" in run.stdout + run.stderr
    assert "added-by-hand.txt: in the export folder but not named in result.json" in run.stdout
    assert run.stdout.count("not named in result.json") == 1
    captures = _captures(marsad)
    assert {"1", "2", "3"} <= set(captures)
    kinds = {c["source_kind"] for item in marsad.json("items") for c in marsad.json("show", item["sha256"])["captures"]}
    assert kinds == {"telegram", "files"}
    stored = [p.read_bytes() for p in (marsad.home / "store").rglob("*") if p.is_file()]
    assert any(b"never mentioned" in s for s in stored)

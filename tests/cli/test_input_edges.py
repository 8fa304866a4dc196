"""Input at the edges, through the real command: an edited Telegram post is recorded again
(not dropped as "already recorded"), a NUL in a post's text is stored on either database,
--evidence names an item of the project or is refused, and `watch` passes no file over in
silence."""

import json
import os

from PIL import Image

from tests.plugins.test_telegram import CHAT_ID, _messages, channel_export

EDITED = "1557100800"  # 2019-05-06 00:00:00 UTC


def _post_captures(marsad, post_id):
    return [c for item in marsad.json("items") for c in marsad.json("show", item["sha256"])["captures"]
            if c["post_id"] == post_id]


def _rewrite(export, messages):
    chat = {"name": "Idlib Media Centre", "type": "public_channel", "id": CHAT_ID, "messages": messages}
    (export / "result.json").write_text(json.dumps(chat, ensure_ascii=False), encoding="utf-8")


def test_an_edited_post_in_a_later_export_is_another_sighting_of_it(marsad, tmp_path):
    first = _messages()[:1]  # a photo with its caption
    export = channel_export(tmp_path / "ChatExport_2019-05-05", first)
    marsad.run("ingest", str(export))
    edited = [dict(first[0], edited_unixtime=EDITED, text="Strike on the hospital: 5 killed",
                   text_entities=[{"type": "plain", "text": "Strike on the hospital: 5 killed"}])]
    later = channel_export(tmp_path / "ChatExport_2019-05-08", edited)
    outcomes = json.JSONDecoder().raw_decode(marsad.run("ingest", str(later), "--json").stdout)[0]
    photo = [o["status"] for o in outcomes if o["display_path"].endswith(".jpg")]
    assert photo == ["known"], "a new capture of the item, not 'already recorded'"
    captures = sorted(_post_captures(marsad, "1"), key=lambda c: c["source_details"].get("edited_at", ""))
    assert [c["text"] for c in captures] == [
        "Strike on the surgical hospital, Kafr Nabl video (https://example.org/v/1)", "Strike on the hospital: 5 killed"]
    assert captures[1]["source_details"]["edited_at"] == "2019-05-06T00:00:00+00:00"
    assert [i["kind"] for i in marsad.json("items")].count("image") == 1, "the same photo: one item, seen twice"
    marsad.run("ingest", str(later))  # the same edit again: nothing new
    marsad.run("ingest", str(export))  # nor the export from before the edit
    assert len(_post_captures(marsad, "1")) == 2
    assert "OK" in marsad.run("log", "verify").stdout


def test_a_nul_in_a_post_is_stored_and_the_rest_of_the_export_too(marsad, tmp_path):
    export = tmp_path / "ChatExport_nul"
    (export / "photos").mkdir(parents=True)
    Image.new("RGB", (8, 8), "red").save(export / "photos" / "p.jpg")
    _rewrite(export, [
        {"id": 1, "type": "message", "date_unixtime": "1557067000", "photo": "photos/p.jpg", "text": "caption\u0000"},
        {"id": 9, "type": "message", "date_unixtime": "1557067500", "from": "a\u0000b", "text": "before\u0000after"}])
    marsad.run("ingest", str(export))  # PostgreSQL refuses NUL in text and jsonb: it was the whole batch
    (photo,) = _post_captures(marsad, "1")
    (report,) = _post_captures(marsad, "9")
    assert photo["text"] == "caption\ufffd"
    assert report["text"] == "before\ufffdafter" and report["source_details"]["author"] == "a\ufffdb"
    stored = [p.read_bytes() for p in (marsad.home / "store").rglob("*") if p.is_file()]
    assert any(b"before\\u0000after" in s for s in stored), "the post's own bytes keep the NUL"
    assert "OK" in marsad.run("log", "verify").stdout


def test_evidence_is_an_item_of_the_project_or_refused(marsad, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "report.txt").write_text("a witness report")
    marsad.run("ingest", str(tmp_path / "in"))
    (item,) = marsad.json("items")
    sha = item["sha256"]
    for junk, says in [("hello world", "give an item's SHA-256"),
                       ("0" * 64 if not sha.startswith("0") else "f" * 64, "no item in project 'Default'")]:
        run = marsad.run("incidents", "create", "--title", "x", "--evidence", junk, check=1)
        assert says in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert marsad.json("incidents", "list") == []
    code = marsad.run("incidents", "create", "--title", "x", "--evidence", sha[:10].upper()).stdout.strip()
    marsad.run("incidents", "set", code, "injured=3", "--evidence", sha[:8], "--reason", "the report")
    history = marsad.json("incidents", "show", code)["history"]
    assert [h["evidence"] for h in history] == [[sha], [sha]], "a prefix is recorded as the item's SHA-256"
    run = marsad.run("incidents", "set", code, "injured=4", "--evidence", "not-a-sha", check=1)
    assert "give an item's SHA-256" in run.stderr
    marsad.run("project", "add", "Aleppo team", "--slug", "aleppo")
    run = marsad.run("incidents", "create", "--project", "aleppo", "--title", "y", "--evidence", sha, check=1)
    assert "no item in project 'Aleppo team'" in run.stderr  # another project's evidence is not to be named
    assert len(marsad.json("incidents", "list")) == 1
    assert "OK" in marsad.run("log", "verify").stdout


def test_watch_says_what_it_leaves_and_ingests_names_that_only_look_unfinished(marsad, tmp_path):
    inbox = tmp_path / "drive"
    inbox.mkdir()
    (inbox / ".notes.txt").write_text("a hidden file is evidence too")
    (inbox / "report.tmp").write_text("so is a report saved as .tmp")
    for name in (".notes.txt", "report.tmp"):  # untouched for an hour: no download in progress
        os.utime(inbox / name, (os.path.getmtime(inbox / name) - 3600,) * 2)
    os.mkfifo(inbox / "pipe")
    (inbox / "video.mp4.part").write_text("partial, still being written")
    run = marsad.run("watch", str(inbox), "--once", "--interval", "0.1", "--settle", "0.3", timeout=120)
    assert run.stdout.count("pipe: not a regular file (a FIFO); not read") == 1  # said once, not each look
    assert "video.mp4.part: named like a file still being written; ingested once renamed, or unchanged " \
           "for 300 s" in run.stdout  # said, not passed over in silence
    assert run.stdout.count("named like a file still being written") == 1
    names = {c["original_name"] for i in marsad.json("items") for c in marsad.json("show", i["sha256"])["captures"]}
    assert names == {".notes.txt", "report.tmp"}

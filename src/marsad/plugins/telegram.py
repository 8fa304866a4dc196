"""Telegram Desktop exports (machine-readable JSON): a channel or chat export, or a
whole account's export with its list of chats.

Each message with media gives the media file a Capture carrying the post's
provenance: channel name, id and type, message id, post time (UTC, from
`date_unixtime`), author, text (links kept), forwarded-from, reply-to, edit time
and the media's original file name. A message without media, or whose media the
export left out or that cannot be read, is preserved as itself: its exported
record as canonical JSON, so reports count as evidence too. Sightings are
identified by channel and message, so a later export of the same channel adds
only what is new; a post edited since (`edited_unixtime`) is recorded again, as another sighting
of the post with its new words. One message that cannot be read (a hand-edited date, odd text,
nesting thousands deep) is a failure named by its id; the others are kept. Files
in the folder that result.json does not name are kept as plain files, with a note.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson
import rfc8785

from marsad.core.sources import Sighting, SourceError

from .files import FilesSource

RESULT = "result.json"
_MEDIA_FIELDS = ("photo", "file")  # where an export names a message's media file
_NOT_INCLUDED = "(File "  # "(File not included. ...)", "(File exceeds maximum size. ...)"
_SNIFF_BYTES = 1 << 16


def plain_text(message: dict[str, Any]) -> str:
    """The message's text as plain text, with the target of each hidden link kept
    beside its words (`text_entities`, else the older `text` list)."""
    parts = message.get("text_entities")
    if parts is None:
        text = message.get("text", "")
        parts = [text] if isinstance(text, str) else text
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        if not isinstance(part, dict):
            raise TypeError(f"its text holds {type(part).__name__} {str(part)[:40]!r} where Telegram writes "
                             "words or a text entity")
        words, href = part.get("text", ""), part.get("href")
        out.append(f"{words} ({href})" if href and href != words else words)
    return "".join(out)


def _utc(unixtime: str | int | None) -> datetime | None:
    if unixtime in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(int(unixtime), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError) as e:
        raise ValueError(f"{str(unixtime)[:40]!r} is not a Unix time") from e


def _open_json(path: Path) -> IO[bytes]:
    """The file, past a UTF-8 byte-order mark if an editor put one before the JSON."""
    f = open(path, "rb")  # noqa: SIM115 - the caller closes it, with `with`
    if f.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
        f.seek(0)
    return f


def _export_file(locator: str) -> Path | None:
    path = Path(locator)
    if path.is_dir():
        path = path / RESULT
    if path.name != RESULT or not path.is_file():
        return None
    return path


# Where chats sit in the two export shapes: a single chat at the top, or an account's lists.
_CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
_MESSAGE_PREFIXES = {("messages.item" if c == "" else f"{c}.messages.item"): c for c in _CHAT_PREFIXES}
_CHAT_FIELDS = {(f"{c}.{k}" if c else k): k for c in _CHAT_PREFIXES for k in ("name", "type", "id")}


def _check_whole(path: Path) -> None:
    """Read the export through once without keeping it: refuse it, saying where, if
    it is not well-formed JSON or not an export (a cut-off file, a hand edit)."""
    top, messages, last_id = set(), 0, None
    with _open_json(path) as f:
        try:
            for prefix, event, value in ijson.parse(f):
                if prefix == "" and event == "map_key":
                    top.add(value)
                elif event == "end_map" and prefix in _MESSAGE_PREFIXES:
                    messages += 1
                elif event == "number" and prefix.endswith("messages.item.id"):
                    last_id = value
        except (ijson.JSONError, UnicodeDecodeError, ArithmeticError) as e:
            # ArithmeticError: a number no decimal can hold (an exponent of 10^30), which ijson
            # raises as decimal.InvalidOperation with no words of its own
            where = f"after message {last_id} ({messages} whole messages read)" if messages else "before the first message"
            lines = str(e).strip().splitlines()
            reason = lines[0] if lines and not isinstance(e, ArithmeticError) else "a number too large to read"
            raise SourceError(f"{path}: not readable JSON {where}, at about byte {f.tell():,}: {reason}. The export "
                              "may be truncated; nothing was recorded. Export again (or mend the file) and re-run, "
                              "or read the folder as plain files with --as files") from e
    if not top & {"messages", "chats", "left_chats"}:
        raise SourceError(f"{path}: neither a chat export (messages) nor an account export (chats)")


def _stream_messages(f: IO[bytes]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each message with its chat's name, type and id, one at a time: an export of a
    busy channel never sits in memory whole. (Telegram writes a chat's name, type and
    id before its messages.)"""
    chat: dict[str, Any] = {}
    builder, depth = None, 0
    # Numbers are read exactly, then floats made float: with use_float the C parser stops the
    # whole export at an integer over 64 bits; so read, such a message is a failure of its own.
    for prefix, event, value in ijson.parse(f):
        if event == "number" and isinstance(value, Decimal):
            value = float(value)
        if builder is not None:
            builder.event(event, value)
            depth += {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}.get(event, 0)
            if depth == 0:
                yield chat, builder.value
                builder = None
        elif event == "start_map" and prefix in _MESSAGE_PREFIXES:
            builder, depth = ijson.ObjectBuilder(), 1
            builder.event(event, value)
        elif event == "start_map" and prefix in _CHAT_PREFIXES:
            chat = {}
        elif prefix in _CHAT_FIELDS and event in ("string", "number"):
            chat[_CHAT_FIELDS[prefix]] = value


class TelegramSource:
    name = "telegram"

    def recognises(self, locator: str) -> bool:
        path = _export_file(locator)
        if path is None:
            return False
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
        return head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"{") and any(
            key in head for key in (b'"messages"', b'"chats"', b'"personal_information"'))

    def sightings(self, locator: str) -> Iterator[Sighting]:
        path = _export_file(locator)
        if path is None:
            raise SourceError(f"{locator}: no {RESULT} (export it from Telegram Desktop as JSON)")
        _check_whole(path)  # before anything is yielded: a damaged export records nothing
        root = path.parent.resolve()
        named: set[Path] = {path.resolve()}
        with _open_json(path) as f:
            for chat, message in _stream_messages(f):
                yield from self._guarded(chat, message, root, named)
        yield from _unnamed_files(root, named)

    def _guarded(self, chat: dict[str, Any], message: Any, root: Path, named: set[Path]) -> list[Sighting]:
        """The message's sightings, or one failure naming it: one bad message never takes
        the rest of the export down (a hand-edited date, an odd text, nesting no reader
        should recurse into)."""
        try:
            if not isinstance(message, dict):
                raise TypeError(f"a {type(message).__name__} where a message belongs")
            out = list(self._message_sightings(chat, message, root))
        except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as e:
            ident = message.get("id") if isinstance(message, dict) else None
            ident = ident if isinstance(ident, (int, str)) else "?"
            chat_id = str(chat.get("id", ""))
            reason = "nested too deeply to read" if isinstance(e, RecursionError) else str(e)
            return [Sighting(self.name, None, f"{root}/{RESULT}#{chat_id}/{str(ident)[:40]}", f"message-{ident}",
                             error=f"message {str(ident)[:40]} not recorded: {reason}")]
        named.update(Path(os.fsdecode(s.path)) for s in out if s.path is not None)
        thumb = message.get("thumbnail")  # Telegram's own preview of a video or file, named but not evidence
        if isinstance(thumb, str) and "\x00" not in thumb and not thumb.startswith(_NOT_INCLUDED):
            named.add((root / thumb).resolve())
        return out

    def _message_sightings(self, chat: dict[str, Any], message: dict[str, Any], root: Path) -> Iterator[Sighting]:
        chat_id = str(chat.get("id", ""))
        if message.get("type") != "message":
            return  # service messages: joins, pins, title changes
        edited = _utc(message.get("edited_unixtime"))
        details = {
            "channel_id": chat_id,
            "channel_type": chat.get("type", ""),
            "author": message.get("from"),
            "author_id": message.get("from_id"),
            "signature": message.get("author"),
            "forwarded_from": message.get("forwarded_from"),
            "reply_to": message.get("reply_to_message_id"),
            "edited_at": edited.isoformat() if edited else None,
        }
        details = {k: v for k, v in details.items() if v not in (None, "")}
        common = {
            "source_kind": self.name,
            "channel": str(chat.get("name") or ""),  # a hand-edited export may give a number
            "post_id": str(message.get("id", "")),
            "posted_at": _utc(message.get("date_unixtime")),
            "text": plain_text(message),
        }
        where = f"{root}/{RESULT}#{chat_id}/{message.get('id')}"
        # An edited post is another sighting of it: a later export carrying the edit records the new
        # words beside the old, where the same media with the same identity would be "already recorded".
        version = f"@edited:{int(edited.timestamp())}" if edited else ""
        media = [(field, message[field]) for field in _MEDIA_FIELDS if isinstance(message.get(field), str)]
        present = [(field, rel) for field, rel in media if not rel.startswith(_NOT_INCLUDED)]
        missing = [rel for _, rel in media if rel.startswith(_NOT_INCLUDED)]
        read = 0
        for field, rel in present:
            sighting = self._media(root, rel, field, message, details, common, chat_id, version)
            read += sighting.path is not None
            if sighting.error:
                missing.append(sighting.error)
            yield sighting
        if not read:  # the post's words and provenance are kept even when its media is not
            record = dict(details, media_missing=missing) if missing else details
            yield Sighting(
                display_path=where, path=None, name=f"message-{message.get('id')}.json",
                content=rfc8785.dumps(message), details=record,
                identity=f"{chat_id}/{message.get('id')}/message{version}", **common,
            )

    def _media(self, root: Path, rel: str, field: str, message: dict[str, Any], details: dict[str, Any],
               common: dict[str, Any], chat_id: str, version: str) -> Sighting:
        name = message.get("file_name") or os.path.basename(rel)
        extra = {"media_type": message.get("media_type", field), "media_file_name": message.get("file_name"),
                 "export_path": rel}
        sighting = Sighting(
            display_path=str(root / rel), path=None, name=name,
            details=details | {k: v for k, v in extra.items() if v},
            identity=f"{chat_id}/{message.get('id')}/{field}{version}", **common,
        )
        if "\x00" in rel:
            sighting.display_path = str(root / rel.replace("\x00", "\\x00"))
            sighting.error = f"{rel!r}: a media path holding a NUL character; not read"
            return sighting
        target = (root / rel).resolve()
        if not target.is_relative_to(root):
            sighting.error = f"{rel!r} points outside the export folder; not read"
        elif not target.is_file():
            sighting.error = f"{rel}: named in the export but not in its folder"
        else:
            sighting.path = os.fsencode(target)
            sighting.size = target.stat().st_size
        return sighting


def _unnamed_files(root: Path, named: set[Path]) -> Iterator[Sighting]:
    """What the export folder holds beyond what result.json names (files added by hand, left
    from another export): read as plain files are, each with a note saying so, never skipped."""
    for sighting in FilesSource().sightings(str(root)):
        if sighting.path is not None and Path(os.fsdecode(sighting.path)).resolve() in named:
            continue
        if sighting.error is None:
            sighting.notice = f"in the export folder but not named in {RESULT}; kept as a plain file"
        yield sighting

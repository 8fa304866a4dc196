"""Web archives: `.warc`, `.warc.gz` and `.wacz` files (what Browsertrix, Webrecorder,
ArchiveWeb.page and wget --warc-file make).

The archive is preserved whole, as an Item of its own. Every successful response
carrying media (image, video, audio, PDF) becomes an Item too, with a Capture
holding the URL it was served from, the WARC-Date it was archived at, the
record's id and the server's content type. A truncated or damaged archive gives
what it holds up to the damage and a failure that says where it stopped: every
record is read to the length its WARC header declares, so a cut anywhere is seen.
A payload that does not match its WARC-Payload-Digest is a failure, not a capture.

Compression makes bombs: a 300 KB WACZ of zeros holds a 300 MB record. A record
may decompress to at most `archive_max_expansion` times the archive's size (64 MiB
at least); one beyond it is a named failure, the rest kept. An archive whose
records together decompress to ten times that (beyond what one layer of deflate
can reach; a gzipped WARC deflated again in a WACZ can) is read no further.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import hashlib
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader

from marsad.core.sources import Sighting, SourceError

SUFFIXES = (".warc", ".warc.gz", ".wacz")
MEDIA_PREFIXES = ("image/", "video/", "audio/", "application/pdf")
_CHUNK = 1 << 20
_FLOOR = 64 << 20  # the least a record may decompress to, whatever the archive's size
_TOTAL = 10  # all records together: this many times what one may hold


# What warcio raises reading a damaged record's headers (a cut archive read on from the middle of
# a payload: no WARC-Target-URI, a header line without a colon); found by fuzz/fuzz_webarchive.py.
_WARCIO_ERRORS = (AttributeError, TypeError, IndexError, KeyError)

# What zipfile raises for a damaged zip or member: a bad offset (OSError), an unknown compression
# method (NotImplementedError), an encrypted member (RuntimeError); found by fuzz/fuzz_webarchive.py.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
               RuntimeError, zlib.error)


class _RecordTooLarge(Exception):
    """A record's payload decompressed beyond the limit."""


class _ArchiveTooLarge(Exception):
    """The archive's records together decompressed beyond the limit."""


def record_limit(archive_size: int, expansion: int) -> int | None:
    """Bytes one record may decompress to, for an archive of `archive_size` bytes (None: no limit)."""
    return max(_FLOOR, expansion * archive_size) if expansion > 0 else None


def _digest_differs(record, digests: dict[str, bytes]) -> bool:
    """Whether the record's WARC-Payload-Digest (sha1 or sha256, base32 or hex) names other
    bytes than those read. Checked only where the payload read is the payload digested: a
    response with a content or transfer encoding is decoded on reading, and tools differ on
    which form they digest."""
    label = (record.rec_headers.get_header("WARC-Payload-Digest") or "").strip()
    alg, _, value = label.partition(":")
    expected = digests.get(alg.lower())
    headers = record.http_headers
    if not value or expected is None or headers.get_header("Content-Encoding") or \
            headers.get_header("Transfer-Encoding"):
        return False
    try:
        if len(value) == 2 * len(expected):
            given = bytes.fromhex(value)
        else:
            given = base64.b32decode(value.upper() + "=" * (-len(value) % 8))
    except (ValueError, binascii.Error):
        return True  # a digest that cannot be read vouches for nothing
    return given != expected


def _shortfall(record, count=lambda n: None) -> tuple[int, int] | None:
    """(bytes read, bytes declared) when the record ends before its WARC Content-Length."""
    raw = record.raw_stream
    while chunk := raw.read(_CHUNK):
        count(len(chunk))
    if isinstance(raw, LimitReader) and raw.limit > 0:
        return raw.tell(), raw.tell() + raw.limit
    return None


class WebArchiveSource:
    name = "webarchive"

    def __init__(self) -> None:
        self._scratch: Path | None = None
        self._limit: int | None = None  # bytes a record may decompress to (see record_limit)
        self._read = 0  # bytes decompressed from this archive's records so far

    def recognises(self, locator: str) -> bool:
        return os.path.isfile(locator) and locator.lower().endswith(SUFFIXES)

    def sightings(self, locator: str) -> Iterator[Sighting]:
        path = Path(locator).resolve()
        if not path.is_file():
            raise SourceError(f"{locator}: not a file")
        stat = path.stat()
        from marsad import conf

        self._limit, self._read = record_limit(stat.st_size, conf.get("archive_max_expansion")), 0
        yield Sighting(self.name, os.fsencode(path), str(path), path.name, size=stat.st_size,
                       mtime=datetime.fromtimestamp(stat.st_mtime, timezone.utc), details={"role": "web archive"})
        if path.name.lower().endswith(".wacz"):
            try:
                with zipfile.ZipFile(path) as wacz:
                    # Members are read as streams, never extracted, so no name can write anywhere.
                    for member in sorted(n for n in wacz.namelist() if n.startswith("archive/")
                                         and n.lower().endswith((".warc", ".warc.gz"))):
                        try:
                            stream = wacz.open(member)
                        except _ZIP_ERRORS as e:
                            yield Sighting(self.name, None, f"{path}!{member}", os.path.basename(member),
                                           error=f"{member}: not readable in the WACZ ({e}); not read")
                            continue
                        with stream:
                            yield from self._responses(stream, f"{path}!{member}")
            except _ZIP_ERRORS as e:
                yield Sighting(self.name, None, str(path), path.name, error=f"not a readable WACZ (zip): {e}")
        else:
            with open(path, "rb") as stream:
                yield from self._responses(stream, str(path))

    def _responses(self, stream: IO[bytes], where: str) -> Iterator[Sighting]:
        read = 0
        try:
            for record in ArchiveIterator(stream):
                read += 1
                sighting = self._response(record, where, read)
                short = _shortfall(record, self._count)  # every record read to its end: a cut anywhere is seen
                if short:
                    if sighting and sighting.path:
                        Path(os.fsdecode(sighting.path)).unlink(missing_ok=True)
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    yield Sighting(self.name, None, f"{where}#{url}" if url else where, self._name(url),
                                   error=f"archive damaged or truncated after {read} records: record {read} "
                                         f"({record.rec_type} {url}) holds {short[0]} of its {short[1]} bytes; "
                                         "nothing after it could be read")
                    return
                if sighting is not None:
                    yield sighting
                    if sighting.path:
                        Path(os.fsdecode(sighting.path)).unlink(missing_ok=True)  # scratch stays one payload deep
        except _ArchiveTooLarge:
            yield Sighting(self.name, None, where, os.path.basename(where),
                           error=f"archive read no further after {read} records: its records decompress to more "
                                 f"than {_TOTAL * self._limit} bytes (a compression bomb? "
                                 "MARSAD_ARCHIVE_MAX_EXPANSION sets the limit)")
        except (ArchiveLoadFailed, EOFError, OSError, ValueError, OverflowError, zlib.error, *_WARCIO_ERRORS) as e:
            # OverflowError: a Content-Length no file could hold (20 digits); the records after it cannot be found.
            why = "a record declares an impossible length" if isinstance(e, OverflowError) else \
                f"a record's headers cannot be read ({type(e).__name__}: {e})"[:200] if isinstance(e, _WARCIO_ERRORS) \
                else str(e)[:200]
            yield Sighting(self.name, None, where, os.path.basename(where),
                           error=f"archive damaged or truncated after {read} records: {why}")

    def _response(self, record, where: str, read: int) -> Sighting | None:
        """A media response as a sighting (its payload spooled), a failure, or None for other records."""
        if record.rec_type != "response" or record.http_headers is None:
            return None
        status = record.http_headers.get_statuscode() or ""
        content_type = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
        if not status.startswith("2") or not content_type.startswith(MEDIA_PREFIXES):
            return None
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
        warc_date = record.rec_headers.get_header("WARC-Date")
        try:
            payload, digests = self._spool(record.content_stream())
        except _RecordTooLarge:
            return Sighting(self.name, None, f"{where}#{url}", self._name(url),
                            error=f"record {read}: the payload for {url} decompresses to more than {self._limit} "
                                  "bytes, beyond the limit for an archive of this size (a compression bomb? "
                                  "MARSAD_ARCHIVE_MAX_EXPANSION sets it); not kept as a capture")
        declared = record.http_headers.get_header("Content-Length")
        size = payload.stat().st_size
        if declared and declared.isdigit() and int(declared) != size:
            payload.unlink()
            return Sighting(self.name, None, f"{where}#{url}", self._name(url),
                            error=f"archive damaged or truncated after {read} records: the response for {url} "
                                  f"holds {size} of its {declared} bytes")
        if _digest_differs(record, digests):
            payload.unlink()
            return Sighting(self.name, None, f"{where}#{url}", self._name(url),
                            error=f"record {read}: the payload for {url} does not match its WARC-Payload-Digest "
                                  "(altered or damaged since it was archived); not kept as a capture")
        return Sighting(
            self.name, os.fsencode(payload), f"{where}#{url}", self._name(url), size=size, url=url,
            details={"warc_date": warc_date, "warc_record_id": record_id, "content_type": content_type,
                     "http_status": status},
            identity=f"{record_id}|{url}",
        )

    @staticmethod
    def _name(url: str) -> str:
        return os.path.basename(unquote(urlsplit(url).path)) or "index"

    def _spool(self, content: IO[bytes]) -> tuple[Path, dict[str, bytes]]:
        """The payload in a scratch file (a video in an archive never sits in memory), with
        its SHA-1 and SHA-256 for the record's payload digest."""
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="marsad-webarchive-"))
            atexit.register(shutil.rmtree, self._scratch, True)
        fd, name = tempfile.mkstemp(dir=self._scratch)
        hashes = {"sha1": hashlib.sha1(), "sha256": hashlib.sha256()}  # WARC digests are mostly SHA-1
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := content.read(_CHUNK):
                    size += len(chunk)
                    if self._limit is not None and size > self._limit:
                        raise _RecordTooLarge
                    self._count(len(chunk))
                    out.write(chunk)
                    for h in hashes.values():
                        h.update(chunk)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name), {alg: h.digest() for alg, h in hashes.items()}

    def _count(self, n: int) -> None:
        """Count decompressed bytes; past the archive's total, stop reading it."""
        self._read += n
        if self._limit is not None and self._read > _TOTAL * self._limit:
            raise _ArchiveTooLarge

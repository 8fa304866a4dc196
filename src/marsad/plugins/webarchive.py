"""Web archives: `.warc`, `.warc.gz` and `.wacz` files (what Browsertrix, Webrecorder,
ArchiveWeb.page and wget --warc-file make).

The archive is preserved whole, as an Item of its own. Every successful response
carrying media (image, video, audio, PDF) becomes an Item too, with a Capture
holding the URL it was served from, the WARC-Date it was archived at, the
record's id and the server's content type. A truncated or damaged archive gives
what it holds up to the damage and a failure that says where it stopped.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from marsad.core.sources import Sighting, SourceError

SUFFIXES = (".warc", ".warc.gz", ".wacz")
MEDIA_PREFIXES = ("image/", "video/", "audio/", "application/pdf")
_CHUNK = 1 << 20


class WebArchiveSource:
    name = "webarchive"

    def __init__(self) -> None:
        self._scratch: Path | None = None

    def recognises(self, locator: str) -> bool:
        return os.path.isfile(locator) and locator.lower().endswith(SUFFIXES)

    def sightings(self, locator: str) -> Iterator[Sighting]:
        path = Path(locator).resolve()
        if not path.is_file():
            raise SourceError(f"{locator}: not a file")
        stat = path.stat()
        yield Sighting(self.name, os.fsencode(path), str(path), path.name, size=stat.st_size,
                       mtime=datetime.fromtimestamp(stat.st_mtime, timezone.utc), details={"role": "web archive"})
        if path.name.lower().endswith(".wacz"):
            try:
                with zipfile.ZipFile(path) as wacz:
                    # Members are read as streams, never extracted, so no name can write anywhere.
                    for member in sorted(n for n in wacz.namelist() if n.startswith("archive/")
                                         and n.lower().endswith((".warc", ".warc.gz"))):
                        with wacz.open(member) as stream:
                            yield from self._responses(stream, f"{path}!{member}")
            except zipfile.BadZipFile as e:
                yield Sighting(self.name, None, str(path), path.name, error=f"not a readable WACZ (zip): {e}")
        else:
            with open(path, "rb") as stream:
                yield from self._responses(stream, str(path))

    def _responses(self, stream: IO[bytes], where: str) -> Iterator[Sighting]:
        read = 0
        try:
            for record in ArchiveIterator(stream):
                read += 1
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status = record.http_headers.get_statuscode() or ""
                content_type = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
                if not status.startswith("2") or not content_type.startswith(MEDIA_PREFIXES):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
                warc_date = record.rec_headers.get_header("WARC-Date")
                payload = self._spool(record.content_stream())
                declared = record.http_headers.get_header("Content-Length")
                size = payload.stat().st_size
                if declared and declared.isdigit() and int(declared) != size:
                    payload.unlink()
                    yield Sighting(self.name, None, f"{where}#{url}", self._name(url),
                                   error=f"archive damaged or truncated after {read} records: the response for "
                                         f"{url} holds {size} of its {declared} bytes")
                    continue
                yield Sighting(
                    self.name, os.fsencode(payload), f"{where}#{url}", self._name(url),
                    size=size, url=url,
                    details={"warc_date": warc_date, "warc_record_id": record_id, "content_type": content_type,
                             "http_status": status},
                    identity=f"{record_id}|{url}",
                )
                payload.unlink(missing_ok=True)  # preserved by now: scratch space stays one payload deep
        except (ArchiveLoadFailed, EOFError, OSError, ValueError) as e:
            yield Sighting(self.name, None, where, os.path.basename(where),
                           error=f"archive damaged or truncated after {read} records: {e}")

    @staticmethod
    def _name(url: str) -> str:
        return os.path.basename(unquote(urlsplit(url).path)) or "index"

    def _spool(self, content: IO[bytes]) -> Path:
        """The payload in a scratch file (a video in an archive never sits in memory)."""
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="marsad-webarchive-"))
            atexit.register(shutil.rmtree, self._scratch, True)
        fd, name = tempfile.mkstemp(dir=self._scratch)
        with os.fdopen(fd, "wb") as out:
            while chunk := content.read(_CHUNK):
                out.write(chunk)
        return Path(name)

"""The public publication log's part in a publish run (marsad.core.publog).

`open_log` runs before anything is written: it loads the workspace's public-log key
(keys/publog.key, made on first use) and refuses a site whose log/ another key signed,
so a wrong folder loses nothing. `published` runs once every file, the manifest
included, is written: it logs each file (path and SHA-256 only, bound to the internal
custody log's signed checkpoint), withdraws what the site no longer holds and writes a
.tlog-proof beside each new or changed file. Files that did not change add no leaf and no byte."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from marsad.core.custody.note import Signer
from marsad.core.publish.fields import PublishError
from marsad.core.publog import (
    PublicLog,
    PublicLogError,
    Published,
    public_log_signer,
    publish_site,
)
from marsad.core.publog.site import LOG_DIR


def open_log(out: Path, keys_dir: Path, kept: Path | None = None) -> tuple[Signer, PublicLog]:
    """The public log's signer and the site's log, once the site's existing log (if any) is known
    to open with it. The log is read once a run (`published` extends this one). `kept`: a workspace
    file naming the checkpoint whose entries the last run checked (keep_verified): those are only
    hashed again, not re-read one by one (a second or two for 20,000 entries)."""
    signer = public_log_signer(keys_dir)
    return signer, read_log(out, signer, _verified(kept))


def _verified(kept: Path | None) -> tuple[int, bytes] | None:
    try:
        held = json.loads(kept.read_text(encoding="utf-8")) if kept is not None else None
        return (int(held["size"]), bytes.fromhex(held["root"])) if held else None
    except (OSError, ValueError, KeyError, TypeError):  # none or damaged: every entry is checked
        return None


def keep_verified(log: PublicLog, kept: Path) -> None:
    """Name, in the workspace (never the site: a site's own word for it would prove nothing), the
    checkpoint whose entries are checked, for the next run's open_log."""
    size, root = log.verified_head()
    kept.parent.mkdir(parents=True, exist_ok=True)
    tmp = kept.with_suffix(".tmp")
    tmp.write_text(json.dumps({"size": size, "root": root.hex()}), encoding="utf-8")
    tmp.replace(kept)


def read_log(out: Path, signer: Signer, verified: tuple[int, bytes] | None = None) -> PublicLog:
    try:
        return PublicLog(out / LOG_DIR, signer, verified)
    except PublicLogError as e:
        raise PublishError(f"{out / LOG_DIR} cannot be extended: {e}; nothing was written") from e


def checkpoint_size(out: Path) -> int:
    """The size in the checkpoint this run just signed (reading it back: loading the whole log
    again to count it took seconds on a large site)."""
    path = out / LOG_DIR / "checkpoint"
    return int(path.read_text(encoding="utf-8").split("\n")[1]) if path.exists() else 0


def published(out: Path, signer: Signer, files: dict[str, str], internal: tuple[int, bytes],
              redacted: Iterable[str], now: datetime, log: PublicLog | None = None) -> dict[str, Published]:
    """Log `files` (every file of the site, manifest.json included: path -> SHA-256) and
    withdraw the ones an earlier run published that are gone now."""
    # An unchanged file keeps its proof, made against the older checkpoint the log keeps (verifiers
    # accept it): rewriting every proof after each change made a one-incident run rewrite the whole site.
    return publish_site(out, signer, files, internal, redacted=redacted, withdraw_others=True,
                        refresh_proofs=False, now=now, log=log)

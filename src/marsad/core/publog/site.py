"""The public log as it sits in a published site:

    SITE/log/...                    the log (see log.py), mirrorable as is
    SITE/<path>.tlog-proof          beside every published file
    SITE/manifest.json              the site's manifest (written by marsad.publish), logged like any file
    SITE/verify.py                  the standard-library verifier (`python3 -I verify.py SITE`)
    SITE/assets/publog/*.js         the in-page verifier and its pure-JS fallback
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from marsad.core.custody.note import Signer
from marsad.core.publog.log import PublicLog, Published, _write_atomic

LOG_DIR = "log"
JS_DIR = "assets/publog"


def publish_site(site_dir: Path, signer: Signer, files: Mapping[str, str], internal: tuple[int, bytes], *,
                 redacted: Iterable[str] = (), withdrawn: Iterable[str] = (), withdraw_others: bool = False,
                 refresh_proofs: bool = True, now: datetime | None = None,
                 log: PublicLog | None = None) -> dict[str, Published]:
    """Log `files` (site path -> SHA-256 hex, the files already written under site_dir) and
    write a .tlog-proof beside each. `withdraw_others`: every file the log holds as published
    but `files` lacks gets a withdrawal (for a run that passes the whole site). Unchanged
    input leaves every byte as it was. `refresh_proofs=False` keeps the proof files of unchanged
    files (against the older checkpoint they were made for, which verifiers accept), so
    only new and changed files' proofs are written, and only theirs are made. `log`: the site's
    log as already opened (read again if its files changed since)."""
    site_dir = Path(site_dir)
    if log is None or log.dir != site_dir / LOG_DIR or not log.current():
        log = PublicLog(site_dir / LOG_DIR, signer)
    withdrawn = set(withdrawn) | ({p for p in log.published() if p not in files} if withdraw_others else set())
    result = log.publish(files, internal, redacted=redacted, withdrawn=withdrawn, now=now)
    root = str(site_dir)
    for path, published in result.items():
        # a string path: this runs for every file of the site, and most are skipped
        if not (refresh_proofs or published.new) and os.path.exists(os.path.join(root, path + ".tlog-proof")):
            continue
        _write_if_changed(site_dir / (path + ".tlog-proof"), published.proof.text().encode())
    for path in withdrawn:
        (site_dir / (path + ".tlog-proof")).unlink(missing_ok=True)
    return result


def _write_if_changed(path: Path, data: bytes) -> None:
    if not (path.exists() and path.read_bytes() == data):
        _write_atomic(path, data)


def standalone_verifier() -> str:
    """verify.py for the site: publog_verify.py with the bundle verifier's Ed25519,
    signed-note and inclusion code inlined, so it runs with nothing but `python3 -I`."""
    from marsad import publog_verify

    return publog_verify.standalone_source()


def verifier_files() -> dict[str, bytes]:
    """Site path -> bytes of the verifiers to copy into a site (publish them like any file)."""
    static = Path(__file__).resolve().parents[2] / "web" / "static"
    out = {"verify.py": standalone_verifier().encode()}
    out[f"{JS_DIR}/verify.js"] = (static / "publish" / "verify.js").read_bytes()
    noble = static / "vendor" / "noble"
    if noble.is_dir():
        for item in noble.iterdir():
            if item.name.endswith((".js", "LICENSE")):
                out[f"{JS_DIR}/{item.name}"] = item.read_bytes()
    return out

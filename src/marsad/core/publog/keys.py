"""The public log's own signing key, apart from the internal log's: keys/publog.key (0600)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from marsad.core.custody.note import Signer

KEY_NAME = "publog.key"


def public_log_signer(keys_dir: Path, origin: str | None = None) -> Signer:
    """The workspace's public-log signer, made on first use. `origin` names a new log
    (c2sp.org/tlog-tiles: ideally its URL without the scheme); an existing key keeps its own."""
    path = Path(keys_dir) / KEY_NAME
    if path.exists():
        return Signer.parse(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = Signer.generate(origin or f"marsad.public/{uuid.uuid4().hex[:16]}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer.skey() + "\n")
    return signer

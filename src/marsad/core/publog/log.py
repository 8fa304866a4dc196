"""The public publication log over a directory, served as C2SP tlog-tiles:

    checkpoint                 the latest signed checkpoint (c2sp.org/tlog-checkpoint)
    checkpoints/<size>         every checkpoint ever signed, kept for consistency checks
    log.vkey                   the verifier key (also printed in every page footer)
    tile/<L>/<N>[.p/<W>]       Merkle hash tiles
    tile/entries/<N>[.p/<W>]   entry bundles (the leaves' bytes)

The files are the log's only state: opening reads the entry bundles back and refuses a
log whose entries do not hash to its signed checkpoint. Each entry's form is checked the
first time the log is opened; given the (size, root) of a checkpoint opened before, the
entries it covers are only hashed (they are proven the same bytes when the tree's root at
that size is that root), which is most of the cost of opening a large log.

Full tiles of a signed size are never rewritten; each new size adds its own partial tiles
(older checkpoints still need theirs); the checkpoint is written last, so a crash leaves
the previous log intact.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from datetime import datetime, timezone
from pathlib import Path

from marsad.core.custody import merkle
from marsad.core.custody.note import Checkpoint, NoteError, Signer, open_checkpoint
from marsad.core.custody.tlogproof import TlogProof
from marsad.core.publog.entries import Entry, check_path
from marsad.core.publog.tiles import (
    Tile,
    bundles_for_size,
    decode_bundle,
    encode_bundle,
    new_tiles,
)


class PublicLogError(RuntimeError):
    """The log's files are damaged or signed by another key: nothing is appended."""


@dataclass(frozen=True)
class Published:
    """Where a file stands in the log: its latest entry and a proof of it (against the checkpoint
    of the publish() that returned it), made when first asked for: a run that changes one file
    of a large site writes proofs for the changed files only, and needs no other."""

    path: str
    index: int
    entry: Entry
    new: bool  # True when this call appended the entry
    _prove: Callable[[], TlogProof] = field(repr=False, compare=False)

    @cached_property
    def proof(self) -> TlogProof:
        return self._prove()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class PublicLog:
    def __init__(self, directory: Path, signer: Signer, verified: tuple[int, bytes] | None = None) -> None:
        """`verified`: the size and root of a checkpoint of this log whose entries were checked
        when it was opened before (see `verified_head`); None checks every entry."""
        self.dir = Path(directory)
        self._verified = verified
        self.signer = signer
        self.verifier = signer.verifier()
        self.entries: list[bytes] = []
        self.tree = merkle.MemoryTree()
        self.latest: dict[str, tuple[int, Entry]] = {}
        self.checkpoint_note: str | None = None
        self._load()

    # --- reading back ------------------------------------------------------------

    def _load(self) -> None:
        cp_path = self.dir / "checkpoint"
        if not cp_path.exists():
            if (self.dir / "tile").exists():
                raise PublicLogError(f"{self.dir}: tiles without a checkpoint")
            return
        note = cp_path.read_text(encoding="utf-8")
        try:
            checkpoint = open_checkpoint(note, self.verifier)
        except NoteError as e:
            raise PublicLogError(f"{cp_path}: {e} (is this the workspace's public log key?)") from e
        known = self._verified[0] if self._verified and 0 < self._verified[0] <= checkpoint.size else 0
        for bundle in bundles_for_size(checkpoint.size):
            path = self.dir / bundle.path()
            try:
                raw = decode_bundle(path.read_bytes())
            except (OSError, ValueError) as e:
                raise PublicLogError(f"{path}: {e}") from e
            if len(raw) != bundle.width:
                raise PublicLogError(f"{path}: {len(raw)} entries, expected {bundle.width}")
            for data in raw:
                self._add(data, checked=len(self.entries) < known)
        if self.tree.compact.root() != checkpoint.root:
            raise PublicLogError(f"{self.dir}: the entries do not hash to the signed checkpoint")
        if known and self.tree.root_at(known) != self._verified[1]:
            # not the entries checked before (another log at this address): check every one
            for index in range(known):
                self._check(index)
        self.checkpoint_note = note

    def _check(self, index: int) -> None:
        try:
            Entry.parse(self.entries[index])
        except ValueError as e:
            raise PublicLogError(f"log entry {index}: {e}") from e

    def verified_head(self) -> tuple[int, bytes]:
        """The size and root of the checkpoint this object holds, every entry of which has been
        checked: what a later opening of the same log can be given as `verified`."""
        return self.size, self.tree.compact.root()

    def _add(self, data: bytes, checked: bool = False) -> int:
        """Append an entry's bytes; `checked`: their form was checked at an earlier opening."""
        try:
            entry = Entry.trusted(data) if checked else Entry.parse(data)
        except ValueError as e:
            raise PublicLogError(f"log entry {len(self.entries)}: {e}") from e
        index = len(self.entries)
        self.entries.append(data)
        self.tree.append(merkle.leaf_hash(data))
        self.latest[entry.path] = (index, entry)
        return index

    @property
    def size(self) -> int:
        return len(self.entries)

    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.verifier.name, self.size, self.tree.compact.root())

    def published(self) -> dict[str, str]:
        """Path -> SHA-256 of every file the log says is on the site now (the manifest)."""
        return {p: e.sha256 for p, (_, e) in sorted(self.latest.items()) if e.sha256 is not None}

    # --- appending -----------------------------------------------------------------

    def publish(self, files: Mapping[str, str], internal: tuple[int, bytes], *,
                redacted: Iterable[str] = (), withdrawn: Iterable[str] = (),
                now: datetime | None = None) -> dict[str, Published]:
        """Record `files` (site path -> SHA-256 hex) as published from the internal tree
        head `internal` = (size, root). An unchanged file keeps its entry (no new leaf);
        a new file gets a "publish" leaf ("redaction" when listed in `redacted`: a
        redacted derivative); a changed one a "correction". `withdrawn` paths get a
        "withdrawal" leaf. Returns each file's entry and proof against the new checkpoint."""
        size, root = internal
        stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        redacted = set(redacted)
        pending: list[bytes] = []
        for path in sorted(files):
            sha = files[path]
            check_path(path)
            current = self.latest.get(path)
            if current and current[1].sha256 == sha:
                continue
            kind = "correction" if current else ("redaction" if path in redacted else "publish")
            pending.append(Entry(kind, path, sha, size, root, stamp).to_bytes())
        for path in sorted(set(withdrawn)):
            current = self.latest.get(path)
            if path in files:
                raise ValueError(f"{path} is both published and withdrawn")
            if current and current[1].sha256 is not None:
                pending.append(Entry("withdrawal", path, None, size, root, stamp).to_bytes())
        first_new = self.size
        self._append(pending)
        return {path: self._published(path, first_new) for path in sorted(files)}

    def _append(self, pending: list[bytes]) -> None:
        if not pending and self.checkpoint_note is not None:
            return  # nothing new: every file stays byte for byte as it is
        old_size = self.size
        for data in pending:
            self._add(data)
        for tile in new_tiles(old_size, self.size):
            if tile.entries:
                first = tile.index * 256
                data = encode_bundle(self.entries[first : first + tile.width])
            else:
                data = b"".join(self.tree.nodes[key] for key in tile.node_keys())
            target = self.dir / tile.path()
            # a full tile of an earlier signed size is never rewritten (new_tiles skips those);
            # one found here was left by a crash before its checkpoint, and is replaced
            if not (target.exists() and target.read_bytes() == data):
                _write_atomic(target, data)
        note = self.signer.sign(self.checkpoint().text())
        _write_atomic(self.dir / "checkpoints" / str(self.size), note.encode())
        vkey = self.dir / "log.vkey"
        if not vkey.exists():
            _write_atomic(vkey, (self.verifier.vkey() + "\n").encode())
        _write_atomic(self.dir / "checkpoint", note.encode())
        self.checkpoint_note = note

    def _published(self, path: str, first_new: int) -> Published:
        index, entry = self.latest[path]
        return Published(path, index, entry, index >= first_new,
                         partial(self._proof_at, index, self.size, self.checkpoint_note))

    # --- proofs ----------------------------------------------------------------------

    def proof(self, index: int) -> TlogProof:
        """A c2sp.org/tlog-proof of entry `index` in the current checkpoint; its `extra`
        carries the entry's bytes, which the verifier hashes to the leaf."""
        assert self.checkpoint_note is not None
        return self._proof_at(index, self.size, self.checkpoint_note)

    def _proof_at(self, index: int, size: int, note: str) -> TlogProof:
        hashes = merkle.inclusion_proof(index, size, self.tree.fetch)  # the tree keeps every older size's nodes
        return TlogProof(index, hashes, note, extra=self.entries[index])

    def current(self) -> bool:
        """Whether the log's files still hold what this object read or wrote (no other writer since)."""
        try:
            note = (self.dir / "checkpoint").read_text(encoding="utf-8")
        except FileNotFoundError:
            note = None
        return note == self.checkpoint_note

    def consistency(self, size1: int, size2: int | None = None) -> list[bytes]:
        return merkle.consistency_proof(size1, self.size if size2 is None else size2, self.tree.fetch)

    def root_at(self, size: int) -> bytes:
        return self.tree.root_at(size)

    def kept_checkpoints(self) -> dict[int, str]:
        folder = self.dir / "checkpoints"
        if not folder.is_dir():
            return {}
        return {int(p.name): p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.isdigit()}


__all__ = ["PublicLog", "PublicLogError", "Published", "Tile"]

"""Witnesses: a second party cosigns a log's checkpoints after checking each is
consistent with the last one it cosigned (c2sp.org/tlog-witness, with Ed25519
cosignatures of c2sp.org/tlog-cosignature). A log rewritten after a witness
cosigned it cannot get a cosignature again, and any verifier holding a cosigned
checkpoint catches the rewrite.

The witness keeps, per log origin, only the latest size and root it cosigned,
in a JSON file updated atomically under a lock (the check and the update must be
one step, or two requests could roll the witness back).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from . import merkle
from .note import SIGNATURE_PREFIX, Checkpoint, NoteError, Verifier, open_checkpoint

ALG_COSIGNATURE_V1 = 0x04
MAX_PROOF_LINES = 63


def _key_hash(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public).digest()[:4]


def signed_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: header, time, then the checkpoint's whole note body."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class CosignerVerifier:
    name: str
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        return _key_hash(self.name, self.public_key)

    def vkey(self) -> str:
        raw = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{raw}"

    @classmethod
    def parse(cls, vkey: str) -> CosignerVerifier:
        try:
            name, hash_hex, key_b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(key_b64, validate=True)
            key_hash = bytes.fromhex(hash_hex)
        except ValueError as e:
            raise NoteError("malformed witness key (expected NAME+HASH+KEY)") from e
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise NoteError("not an Ed25519 cosignature/v1 witness key")
        verifier = cls(name, raw[1:])
        if verifier.key_hash != key_hash:
            raise NoteError("witness key's hash does not match its name and key")
        return verifier

    def cosigned_at(self, signed: str) -> int | None:
        """The time of this witness's valid cosignature on the note `signed`, if it has one."""
        body, sep, sigs = signed.rpartition("\n\n")
        if not sep:
            return None
        for line in sigs.rstrip("\n").split("\n"):
            if not line.startswith(SIGNATURE_PREFIX):
                continue
            try:
                name, blob_b64 = line[len(SIGNATURE_PREFIX):].split(" ")
                blob = base64.b64decode(blob_b64, validate=True)
            except ValueError:
                continue
            if name != self.name or blob[:4] != self.key_hash or len(blob) != 4 + 8 + 64:
                continue
            (timestamp,) = struct.unpack(">Q", blob[4:12])
            try:
                Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                    blob[12:], signed_message(body + "\n", timestamp))
                return timestamp
            except InvalidSignature:
                continue
        return None


@dataclass(frozen=True)
class Cosigner:
    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        key = Ed25519PrivateKey.generate()
        return cls(name, key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    def skey(self) -> str:
        raw = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier().key_hash.hex()}+{raw}"

    @classmethod
    def parse(cls, skey: str) -> Cosigner:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("malformed witness private key")
        raw = base64.b64decode(parts[4], validate=True)
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise NoteError("not an Ed25519 cosignature/v1 private key")
        return cls(parts[2], raw[1:])

    def verifier(self) -> CosignerVerifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)
        return CosignerVerifier(self.name, public)

    def cosign(self, body: str, timestamp: int) -> str:
        """A signature line for the note whose text is `body` (ending in a newline)."""
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(signed_message(body, timestamp))
        blob = self.verifier().key_hash + struct.pack(">Q", timestamp) + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


# -- the add-checkpoint request -------------------------------------------------------------------


def request_body(old_size: int, proof: Sequence[bytes], note: str) -> str:
    lines = [f"old {old_size}"] + [base64.b64encode(h).decode() for h in proof]
    return "\n".join(lines) + "\n\n" + note


def parse_request(text: str) -> tuple[int, list[bytes], str]:
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old "):
        raise ValueError("the request does not begin with an old size line and end its proof with a blank line")
    size = lines[0][4:]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise ValueError(f"old size {size[:20]!r} is not a decimal number")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError("more than 63 consistency proof lines")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except ValueError as e:
        raise ValueError("a consistency proof line is not base64") from e
    return int(size), proof, note


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class WitnessState:
    """The latest checkpoint cosigned per log origin: one JSON file, locked for each request."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def add_checkpoint(self, text: str, trusted: dict[str, Verifier], cosigner: Cosigner, now: int) -> Answer:
        try:
            old_size, proof, note = parse_request(text)
            checkpoint = Checkpoint.parse(note.rpartition("\n\n")[0] + "\n")
        except (ValueError, NoteError) as e:
            return Answer(400, f"{e}\n")
        log_key = trusted.get(checkpoint.origin)
        if log_key is None:
            return Answer(404, f"this witness does not witness the log {checkpoint.origin!r}\n")
        try:
            open_checkpoint(note, log_key)
        except NoteError as e:
            return Answer(403, f"{e}\n")
        if old_size > checkpoint.size:
            return Answer(400, "the old size is larger than the checkpoint's\n")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = json.loads(self.path.read_text()) if self.path.exists() else {}
            latest = state.get(checkpoint.origin)
            latest_size = latest["size"] if latest else 0
            if old_size != latest_size:
                return Answer(409, f"{latest_size}\n", "text/x.tlog.size")
            if latest and old_size == checkpoint.size:
                if base64.b64decode(latest["root"]) != checkpoint.root:
                    return Answer(409, f"{latest_size}\n", "text/x.tlog.size")
            elif latest:
                try:
                    merkle.verify_consistency(old_size, checkpoint.size, proof,
                                              base64.b64decode(latest["root"]), checkpoint.root)
                except ValueError as e:
                    return Answer(422, f"not consistent with the checkpoint at size {old_size}: {e}\n")
            elif proof:
                return Answer(422, "a proof from size 0 must be empty\n")
            state[checkpoint.origin] = {"size": checkpoint.size, "root": base64.b64encode(checkpoint.root).decode()}
            tmp = self.path.with_suffix(".tmp")
            with open(tmp, "w") as f:
                f.write(json.dumps(state, indent=1, sort_keys=True))
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(self.path)  # persisted before the cosignature is given
        return Answer(200, cosigner.cosign(note.rpartition("\n\n")[0] + "\n", now))

"""C2SP signed notes (Ed25519) and tlog checkpoints.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
"— <key name> <base64(key hash[4] || signature)>". The key hash is the first
four bytes of SHA-256(name || "\\n" || 0x01 || public key). Formats follow
c2sp.org/signed-note and c2sp.org/tlog-checkpoint, so Go's sumdb/note and
other transparency-log tooling can check our checkpoints.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, PublicFormat, NoEncryption

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # em dash and a space


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify."""


def _key_hash(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class Verifier:
    name: str
    key_hash: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        try:
            name, hash_hex, key_b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(key_b64, validate=True)
            key_hash = bytes.fromhex(hash_hex)
        except ValueError as e:
            raise NoteError(f"malformed verifier key {vkey!r}") from e
        _check_name(name)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("verifier key is not an Ed25519 key")
        if _key_hash(name, raw[1:]) != key_hash:
            raise NoteError("verifier key's hash does not match its name and key")
        return cls(name, key_hash, raw[1:])

    def vkey(self) -> str:
        raw = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{raw}"

    def verify_signature(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
            return True
        except InvalidSignature:
            return False


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes  # the 32-byte Ed25519 private key

    @classmethod
    def generate(cls, name: str) -> Signer:
        _check_name(name)
        key = Ed25519PrivateKey.generate()
        return cls(name, key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @classmethod
    def parse(cls, skey: str) -> Signer:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("malformed private key (expected PRIVATE+KEY+name+hash+key)")
        name, hash_hex, key_b64 = parts[2:]
        try:
            raw = base64.b64decode(key_b64, validate=True)
        except ValueError as e:
            raise NoteError("malformed private key encoding") from e
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("private key is not an Ed25519 key")
        signer = cls(name, raw[1:])
        if signer.verifier().key_hash.hex() != hash_hex:
            raise NoteError("private key's hash does not match its key")
        return signer

    def public_key(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw
        )

    def verifier(self) -> Verifier:
        public = self.public_key()
        return Verifier(self.name, _key_hash(self.name, public), public)

    def skey(self) -> str:
        raw = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier().key_hash.hex()}+{raw}"

    def sign(self, text: str) -> str:
        """Return the signed note for `text` (which must end in a newline)."""
        if not text.endswith("\n"):
            raise NoteError("note text must end with a newline")
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode())
        blob = base64.b64encode(self.verifier().key_hash + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {blob}\n"


def open_note(signed: str, verifier: Verifier) -> str:
    """Check `signed` carries a valid signature by `verifier`; return its text."""
    text, sep, sigs = signed.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("not a signed note: no blank line before signatures")
    text += "\n"
    found_key = False
    for line in sigs[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"malformed signature line {line!r}")
        try:
            name, blob_b64 = line[len(SIGNATURE_PREFIX) :].split(" ")
            blob = base64.b64decode(blob_b64, validate=True)
        except ValueError as e:
            raise NoteError(f"malformed signature line {line!r}") from e
        if name != verifier.name or blob[:4] != verifier.key_hash:
            continue
        found_key = True
        if verifier.verify_signature(text.encode(), blob[4:]):
            return text
    if found_key:
        raise NoteError(f"signature by {verifier.name} does not verify: the note was altered")
    raise NoteError(f"note is not signed by the key {verifier.name}+{verifier.key_hash.hex()}")


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: origin, tree size and root hash."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint needs origin, size and root lines")
        origin, size_s, root_b64 = lines[:3]
        if not size_s.isdigit() or (size_s != "0" and size_s.startswith("0")):
            raise NoteError(f"checkpoint size {size_s!r} is not a decimal number")
        try:
            root = base64.b64decode(root_b64, validate=True)
        except ValueError as e:
            raise NoteError("checkpoint root is not base64") from e
        if len(root) != 32:
            raise NoteError("checkpoint root is not a SHA-256 hash")
        return cls(origin, int(size_s), root)


def open_checkpoint(signed: str, verifier: Verifier) -> Checkpoint:
    checkpoint = Checkpoint.parse(open_note(signed, verifier))
    if checkpoint.origin != verifier.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the key's {verifier.name!r}")
    return checkpoint

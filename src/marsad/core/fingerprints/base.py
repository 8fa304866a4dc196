"""What every fingerprint kind offers. A new kind is one module implementing this
protocol, registered in `marsad.registry`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

HASH_BYTES = 32  # 256-bit hashes throughout: one row of the index each
MATCH_DISTANCE = 31  # PDQ's published match threshold
MIN_QUALITY = 50  # PDQ hashes below this quality are not trusted


class FingerprintFailed(Exception):
    """The file could not be fingerprinted; the message says why."""


@dataclass(frozen=True)
class FrameHash:
    """One 256-bit hash: of an image, or of a video frame at `seconds`."""

    hash: bytes
    quality: int
    seconds: float = 0.0
    variants: tuple[bytes, ...] = ()  # rotated/mirrored/unboxed hashes: searched with, never indexed
    extras: tuple[bytes, ...] = ()  # cropped and middle-band hashes: indexed beside `hash`
    keypoints: bytes = b""  # packed `keypoints.Keypoints` (a photo's): some indexed, all kept to confirm


@runtime_checkable
class Fingerprinter(Protocol):
    name: str  # stored with each hash, e.g. "pdq" or "vpdq"
    version: str

    def applies(self, kind: str) -> bool:
        """Whether it fingerprints items of this media kind."""

    def compute(self, path: str | os.PathLike[str]) -> list[FrameHash]:
        """The file's hashes (one for an image, a sequence for a video), each with the
        variants (mirrored, rotated) to search with, so such copies are found too."""


def pack_bits(bits: np.ndarray) -> bytes:
    """256 0/1 values (pdqhash's output order) as the 32 bytes of PDQ's hex form."""
    return np.packbits(bits.astype(np.uint8)).tobytes()


def distance(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()

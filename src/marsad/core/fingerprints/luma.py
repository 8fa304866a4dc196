"""PDQ hashes from a luma plane computed once per picture.

`pdqhash.compute` turns its RGB input into luma (in float64, a third of its time on a
384 px picture) before hashing it with Meta's C++ code. A picture's crops, turns and
mirrors are the same crops, turns and mirrors of its luma, so analysis computes the
luma once and hands each of them to that same C++ function (exported by pdqhash's
extension module), skipping the conversion: the hashes are bit for bit those of
`pdqhash.compute` (tests/core/test_fingerprints.py compares them). Where the function
cannot be found (another build of pdqhash), `luma` hands the RGB pixels back unchanged
and `hash_luma` hashes them with `pdqhash.compute`: every crop, turn and mirror is a view
on the first two axes, the same for both.
"""

from __future__ import annotations

import ctypes

import numpy as np
import pdqhash
from pdqhash import bindings

from .base import pack_bits

# facebook::pdq::hashing::pdqHash256FromFloatLuma(float*, float*, int, int, float[64][64],
# float[16][64], float[16][16], Hash256&, int&)
_SYMBOL = "_ZN8facebook3pdq7hashing23pdqHash256FromFloatLumaEPfS2_iiPA64_fS4_PA16_fRNS1_7Hash256ERi"


def _hasher():
    try:
        fn = getattr(ctypes.CDLL(bindings.__file__), _SYMBOL)
    except (OSError, AttributeError):
        return None
    floats = np.ctypeslib.ndpointer(np.float32, flags="C_CONTIGUOUS")
    fn.argtypes = [floats, floats, ctypes.c_int, ctypes.c_int, floats, floats, floats,
                   ctypes.POINTER(ctypes.c_uint16 * 16), ctypes.POINTER(ctypes.c_int)]
    fn.restype = None
    return fn


_HASH = _hasher()


def available() -> bool:
    """Whether hashes are made from luma (else from RGB by `pdqhash.compute`)."""
    return _HASH is not None


def luma(rgb: np.ndarray) -> np.ndarray:
    """The luma plane `pdqhash.compute` would hash for these RGB pixels (float32, H x W)."""
    if _HASH is None:
        return rgb
    # pdqhash's own expression: numpy reuses its temporaries, faster than any rewrite tried
    return (rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114).astype(np.float32)


def hash_luma(y: np.ndarray) -> tuple[bytes, int]:
    """PDQ's hash (32 bytes, as `base.pack_bits` packs it) and quality of a luma plane (or of
    any view of one: a crop, turn or mirror)."""
    if _HASH is None:
        bits, quality = pdqhash.compute(np.ascontiguousarray(y))
        return pack_bits(bits), int(quality)
    buffer = np.array(y, dtype=np.float32, order="C")  # a copy: the filter works in place
    words, quality = (ctypes.c_uint16 * 16)(), ctypes.c_int()
    _HASH(buffer, np.empty_like(buffer), buffer.shape[0], buffer.shape[1], np.empty((64, 64), np.float32),
          np.empty((16, 64), np.float32), np.empty((16, 16), np.float32), words, quality)
    # Bit k of the hash is bit k % 16 of word k // 16; its hex form starts at bit 255.
    return np.array(words[::-1], dtype=">u2").tobytes(), quality.value

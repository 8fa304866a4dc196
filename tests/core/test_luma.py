"""Hashing from a luma plane computed once, and border statistics computed once: both must
give exactly what the slower paths gave (the hashes stored and searched must not move)."""

import numpy as np
import pdqhash
import pytest
from PIL import Image

from marsad.core.fingerprints import luma
from marsad.core.fingerprints.base import pack_bits
from marsad.core.fingerprints.borders import Lines, bars_box, content_box


def _photo(testdata) -> np.ndarray:
    with Image.open(testdata / "pdq" / "images" / "bridge-mods" / "aaa-orig.jpg") as img:
        return np.asarray(img.convert("RGB"))


def _views(a: np.ndarray) -> list[np.ndarray]:
    """A picture, a crop, its band, turns and mirrors: the views analysis hashes."""
    h = a.shape[0]
    return [a, a[5:-3, 7:], a[int(h * 0.17) : int(h * 0.8)], np.rot90(a), np.rot90(a, 2)[:, ::-1], a[:, ::-1]]


def test_the_luma_path_is_the_one_used_here():
    assert luma.available(), "pdqhash's C++ hasher was not found: hashing falls back to converting RGB each time"


def test_hashes_from_a_shared_luma_plane_are_bit_for_bit_pdqhash(testdata):
    rng = np.random.default_rng(5)
    pictures = [_photo(testdata), rng.integers(0, 256, (97, 131, 3), dtype=np.uint8),
                rng.integers(0, 256, (20, 20, 3), dtype=np.uint8), rng.integers(0, 256, (9, 700, 3), dtype=np.uint8)]
    for rgb in pictures:
        plane = luma.luma(rgb)
        for rgb_view, plane_view in zip(_views(rgb), _views(plane)):
            bits, quality = pdqhash.compute(np.ascontiguousarray(rgb_view))
            assert luma.hash_luma(plane_view) == (pack_bits(bits), int(quality)), rgb_view.shape
    # the plane handed in is left as it was (PDQ's filter works in place, on a copy)
    plane = luma.luma(pictures[0])
    before = plane.copy()
    luma.hash_luma(plane)
    assert np.array_equal(plane, before)


def _float_steps(grey: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    steps = np.abs(np.diff(grey.astype(np.float32), axis=axis))  # as the finders computed them before
    return steps.mean(axis=1), steps.mean(axis=0)


@pytest.mark.parametrize("shape", [(480, 640), (1080, 1920), (7, 3000)])
def test_line_statistics_from_integer_sums_equal_float_means(testdata, shape):
    rng = np.random.default_rng(shape[1])
    grey = rng.integers(0, 256, shape, dtype=np.uint8)
    grey[:, : shape[1] // 8] = 16  # a bar: many equal steps
    lines = Lines(grey)
    for got, want in zip((*lines.across, *lines.down), (*_float_steps(grey, 1), *_float_steps(grey, 0))):
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_both_finders_peel_a_letterbox_from_shared_statistics(testdata):
    photo = np.asarray(Image.fromarray(_photo(testdata)).convert("L"))
    h, w = photo.shape
    letterboxed = np.zeros((h * 3 // 2, w), np.uint8)
    letterboxed[h // 4 : h // 4 + h] = photo
    shared = Lines(letterboxed)
    assert (bars_box(shared).top, bars_box(shared).bottom) == (h // 4, h // 4 + h)
    assert (content_box(shared).top, content_box(shared).bottom) == (h // 4, h // 4 + h)


def test_without_the_cpp_hasher_the_same_hashes_come_from_rgb(testdata, monkeypatch):
    rgb = _photo(testdata)
    want = [luma.hash_luma(v) for v in _views(luma.luma(rgb))]
    monkeypatch.setattr(luma, "_HASH", None)
    plane = luma.luma(rgb)
    assert plane is rgb
    assert [luma.hash_luma(v) for v in _views(plane)] == want

"""The Hamming index is exact: multi-index search finds exactly what a brute-force scan finds."""

import threading

import numpy as np
import pytest

from marsad.core.matching import index as index_module
from marsad.core.matching.index import HammingIndex
from marsad.core.matching.persist import IndexFiles

# Every search test runs twice: through the compiled kernel and through the numpy path.
both_paths = pytest.mark.parametrize("compiled", [True, False], ids=["kernel", "numpy"])


def _flip(code: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = code.copy()
    for b in bits:
        out[b // 8] ^= 1 << (b % 8)
    return out


def _planted(n=120_000, queries=300, seed=7):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    planted = []
    for k in range(queries):
        target, d = int(rng.integers(n)), k % 32  # every distance 0..31
        planted.append((_flip(codes[target], rng.choice(256, d, replace=False)).tobytes(), target, d))
    return codes, planted


def _brute(codes: np.ndarray, query: bytes, radius: int) -> list[tuple[int, int]]:
    q = np.frombuffer(query, np.uint8)
    dist = np.unpackbits(codes ^ q, axis=1).sum(axis=1)
    hits = np.flatnonzero(dist <= radius)
    return sorted((int(dist[i]), int(i)) for i in hits)


@both_paths
def test_multi_index_equals_brute_force_with_recall_one(compiled):
    codes, planted = _planted()
    index = HammingIndex(codes, compiled=compiled)
    assert index.method == "multi-index"
    for query, target, d in planted:
        got = [(m.distance, m.position) for m in index.search(query, 31)]
        assert (d, target) in got
        if d % 8 == 0:  # the full comparison is slow in numpy; sample it
            assert got == _brute(codes, query, 31)


@both_paths
def test_small_collections_scan_flat_and_radius_is_respected(compiled):
    codes, planted = _planted(n=1000, queries=64)
    index = HammingIndex(codes, compiled=compiled)
    assert index.method == "flat"
    for query, target, d in planted:
        assert [(m.distance, m.position) for m in index.search(query, 12)] == _brute(codes, query, 12)


@both_paths
def test_batch_search_in_blocks_equals_one_by_one(monkeypatch, compiled):
    monkeypatch.setattr(index_module, "_PAIRS", 5000)  # many small blocks
    for n in (1000, 60_000):  # flat, and tables with an unindexed tail
        codes, planted = _planted(n=n, queries=50)
        index = HammingIndex(codes[: n - 500], compiled=compiled)
        index.add(codes[n - 500 :])
        queries = [q for q, _, _ in planted]
        batch = [[(m.distance, m.position) for m in hits] for hits in index.search_many(queries, 31)]
        assert batch == [[(m.distance, m.position) for m in index.search(q, 31)] for q in queries]
        assert all((d, t) in hits for (_, t, d), hits in zip(planted, batch))


def test_incremental_adds_are_found_before_and_after_rebuilds():
    codes, planted = _planted(n=60_000, queries=40)
    index = HammingIndex(codes[:50_000])
    positions = index.add(codes[50_000:])
    assert list(positions) == list(range(50_000, 60_000))
    for query, target, d in planted:
        assert (d, target) in [(m.distance, m.position) for m in index.search(query, 31)]


def test_files_round_trip_with_a_reader_during_writes(tmp_path):
    codes, planted = _planted(n=70_000, queries=30)
    files = IndexFiles(tmp_path / "index")
    seen_sizes = []

    def reader():
        for _ in range(40):
            index, owners = files.load()
            assert len(index) == len(owners)
            seen_sizes.append(len(index))

    thread = threading.Thread(target=reader)
    thread.start()
    with files.writing():
        for start in range(0, 70_000, 5_000):
            chunk = codes[start : start + 5_000]
            files.append([row.tobytes() for row in chunk], [(start + i, 0) for i in range(len(chunk))])
    thread.join()
    index, owners = files.load()
    assert len(index) == 70_000 and owners[:, 0].tolist() == list(range(70_000))
    assert index.method == "multi-index"  # a generation was built once it grew
    for query, target, d in planted:
        assert (d, target) in [(m.distance, int(owners[m.position][0])) for m in index.search(query, 31)]
    assert seen_sizes == sorted(seen_sizes), "a reader never sees the index shrink"


@both_paths
def test_adversarial_spread_of_31_bits_over_the_chunks_is_still_found(compiled):
    """The sharpened pigeonhole bound is tight: spread 31 differing bits over the chunks
    as evenly as the bound allows, in both ways it allows, and the hash is still found."""
    from marsad.core.matching.index import chunk_flips

    codes, _ = _planted(n=120_000, queries=1)
    index = HammingIndex(codes, compiled=compiled)
    widths = index.widths
    bounds = np.cumsum([0, *widths])
    flips = chunk_flips(len(widths), 31)
    s, a = divmod(31, len(widths))
    spreads = [
        [s + 1] * a + [s] + [s] * (len(widths) - a - 1),  # one early chunk at s
        [s + 1] * (a + 1) + [s - 1] + [s] * (len(widths) - a - 2),  # one later chunk at s - 1
    ]
    for spread in spreads:
        assert sum(spread) == 31 and all(k <= w for k, w in zip(spread, widths))
        query = codes[77].copy()
        for bit in (bounds[j] + b for j, k in enumerate(spread) for b in range(k)):
            query[bit // 8] ^= 0x80 >> (bit % 8)  # chunks take bits in np.unpackbits order
        query = query.tobytes()
        assert (31, 77) in [(m.distance, m.position) for m in index.search(query, 31)], (spread, flips)


def test_the_compiled_kernel_is_built():
    assert index_module._mih is not None, (
        "marsad.core.matching._mih was not compiled (no C compiler when the package was installed?): "
        "the index answers the same through numpy, but several times slower at millions of hashes")


def test_kernel_and_numpy_agree_on_a_saved_index_with_a_tail_at_every_radius(tmp_path):
    """Read-only memory-mapped tables (as the web app opens them), rows added since they were
    built, radii from 0 to past the point where the tables give way to a flat scan."""
    codes, planted = _planted(n=80_000, queries=60, seed=3)
    files = IndexFiles(tmp_path / "index")
    with files.writing():
        files.rebuild(codes[:70_000], np.stack([np.arange(70_000), np.zeros(70_000, np.int64)], axis=1))
        files.append([row.tobytes() for row in codes[70_000:72_000]], [(i, 0) for i in range(70_000, 72_000)])
    kernel, _ = files.load()
    assert kernel.method == "multi-index" and len(kernel) == 72_000 and kernel._indexed == 70_000
    numpy_path = HammingIndex.from_parts(*kernel.parts(), compiled=False)
    queries = [q for q, _, _ in planted] + [codes[71_500].tobytes()]  # one in the tail
    for radius in (0, 5, 16, 31, 40, 70):
        got = [[(m.distance, m.position) for m in hits] for hits in kernel.search_many(queries, radius)]
        assert got == [[(m.distance, m.position) for m in hits] for hits in numpy_path.search_many(queries, radius)]
    assert (0, 71_500) in [(m.distance, m.position) for m in kernel.search(codes[71_500].tobytes(), 31)]


@pytest.mark.skipif(index_module._mih is None, reason="the compiled kernel is not built")
def test_kernel_refuses_malformed_arrays_with_a_clear_error():
    mih = index_module._mih
    rows = np.zeros((10, 4), np.uint64)
    query = np.zeros((1, 4), np.uint64)
    with pytest.raises(ValueError, match="32 bytes"):
        mih.search(np.zeros(33, np.uint8), 0, [], query, 31)
    with pytest.raises(ValueError, match="indexed"):
        mih.search(rows, 11, [], query, 31)
    short_starts = np.zeros(100, np.int32)  # a 16-bit table needs 65,537 offsets
    with pytest.raises(ValueError, match="starts"):
        mih.search(rows, 10, [(np.zeros(10, np.int32), short_starts, 0, 16, 1)], query, 31)
    damaged_order = np.full(10, 1_000_000, np.int32)
    starts = np.zeros(2**16 + 1, np.int32)
    starts[1:] = 10  # every row in bucket 0
    with pytest.raises(ValueError, match="damaged"):
        mih.search(rows, 10, [(damaged_order, starts, 0, 16, 0)], query, 31)
    with pytest.raises(ValueError, match="bits inside the hash"):
        mih.search(rows, 10, [(np.zeros(10, np.int32), np.zeros(2**16 + 1, np.int32), 250, 16, 1)], query, 31)

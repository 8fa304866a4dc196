#!/usr/bin/env python3
"""Hash index benchmark: prints a table and writes bench/results/index.json.

Random 256-bit codes plus 1,000 planted queries at distances 0-31 (each query is
a stored code with that many bits flipped). For Marsad's HammingIndex (single
queries and one batch), faiss IndexBinaryFlat, and python-threatexchange's
PDQIndex (faiss multi-hash), all on the same data in the same run: build time,
index memory, queries per second at radius 31, recall of the planted codes.

With --keypoints, the index as photos fill it since issue 20: per photo its 6 hashes (own,
reduced whole, centres at 95% and 90%, middle band, small copy) and 18 ORB keypoint descriptors,
N rows in all; beside it, the index the same photos made before (6 rows each). The descriptors
are real ORB descriptors of scikit-image's and PDQ's sample photos (random crops and scales),
each XORed with random bits (a quarter of them) so that rows are distinct but keep ORB's bit
statistics. Memory per photo, build time, PDQ queries at radius 31, and one photo's keypoint
search (its 300 descriptors at radius 32, with 1 planted near a stored one per query).

    pip install faiss-cpu threatexchange   # baselines only; Marsad does not need them
    python bench/index.py [--n 1000000] [--keypoints]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from marsad.core.matching.index import HammingIndex, probes_per_query  # noqa: E402

RADIUS = 31


def planted(n: int, queries: int, seed: int = 1) -> tuple[np.ndarray, list[bytes], np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    targets = rng.integers(0, n, queries)
    out = []
    for k, t in enumerate(targets):
        q = codes[t].copy()
        for b in rng.choice(256, k % 32, replace=False):
            q[b // 8] ^= 1 << (b % 8)
        out.append(q.tobytes())
    return codes, out, targets


def recall(found: list[set[int]], targets: np.ndarray) -> float:
    return sum(int(t) in f for f, t in zip(found, targets)) / len(targets)


def bench_marsad(codes, queries, targets) -> dict:
    t0 = time.perf_counter()
    index = HammingIndex(codes)
    build = time.perf_counter() - t0
    single = queries[:300]
    t0 = time.perf_counter()
    found_single = [{m.position for m in index.search(q, RADIUS)} for q in single]
    single_qps = len(single) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    found = [{m.position for m in r} for r in index.search_many(queries, RADIUS)]
    batch_qps = len(queries) / (time.perf_counter() - t0)
    assert recall(found_single, targets[: len(single)]) == recall(found[: len(single)], targets[: len(single)])
    return {"build_s": round(build, 2), "memory_mib": round(index.nbytes / 2**20, 1), "qps": round(single_qps),
            "batch_qps": round(batch_qps), "recall": recall(found, targets), "method": index.method,
            "chunks": index.widths, "probes_per_query": probes_per_query(len(codes))}


def bench_faiss_flat(codes, queries, targets) -> dict | None:
    try:
        import faiss
    except ImportError:
        return None
    t0 = time.perf_counter()
    index = faiss.IndexBinaryFlat(256)
    index.add(codes)
    build = time.perf_counter() - t0
    q = np.frombuffer(b"".join(queries[:100]), np.uint8).reshape(-1, 32)
    t0 = time.perf_counter()
    lims, _, ids = index.range_search(q, RADIUS + 1)  # faiss: strictly below the radius
    qps = len(q) / (time.perf_counter() - t0)
    found = [set(ids[lims[i] : lims[i + 1]].tolist()) for i in range(len(q))]
    return {"build_s": round(build, 2), "memory_mib": round(codes.nbytes / 2**20, 1), "qps": round(qps),
            "batch_qps": round(qps), "recall": recall(found, targets[: len(q)])}


def bench_pdq_index(codes, queries, targets) -> dict | None:
    try:
        from threatexchange.signal_type.pdq.pdq_index import PDQIndex
    except ImportError:
        return None
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    index = PDQIndex([(c.tobytes().hex(), i) for i, c in enumerate(codes)])
    build = time.perf_counter() - t0
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    sample = queries[:300]
    t0 = time.perf_counter()
    found = [{m.metadata for m in index.query(q.hex())} for q in sample]
    qps = len(sample) / (time.perf_counter() - t0)
    return {"build_s": round(build, 2), "memory_mib": round(grown, 1), "qps": round(qps), "batch_qps": None,
            "recall": recall(found, targets[: len(sample)])}


def orb_pool() -> np.ndarray:
    """Real ORB descriptors (as Marsad keeps them) of sample photos at random crops and scales."""
    import skimage
    from PIL import Image

    from marsad.core.fingerprints.keypoints import describe
    from marsad.core.fingerprints.regions import reduced

    rng = np.random.default_rng(2)
    paths = sorted((Path(skimage.__file__).parent / "data").glob("*.png"))
    paths += sorted((ROOT.parent / "shared" / "testdata" / "pdq" / "images").rglob("*.jpg"))
    out = []
    for path in paths:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        h, w = rgb.shape[:2]
        for _ in range(6):
            keep = rng.uniform(0.5, 1.0)
            top, left = int(rng.uniform(0, 1 - keep) * h), int(rng.uniform(0, 1 - keep) * w)
            out.append(describe(reduced(rgb[top : top + int(keep * h), left : left + int(keep * w)])).descriptors)
    return np.unique(np.concatenate(out), axis=0)


def orb_like(pool: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n descriptors: pool rows XORed with random bits (each set with probability 1/4)."""
    out = np.empty((n, 32), np.uint8)
    for start in range(0, n, 1 << 20):
        m = min(1 << 20, n - start)
        noise = np.packbits(rng.random((m, 256)) < 0.25, axis=1)
        out[start : start + m] = pool[rng.integers(0, len(pool), m)] ^ noise
    return out


def bench_keypoints(n: int, queries: int) -> dict:
    """The index as photos fill it now (6 hashes + 18 keypoints each) against before (6 hashes)."""
    from marsad.core.fingerprints.keypoints import INDEXED, SEARCHED
    from marsad.core.matching.geometry import CANDIDATE_RADIUS as KEYPOINT_RADIUS

    rng = np.random.default_rng(4)
    pool = orb_pool()
    per_photo = 6 + INDEXED
    photos = n // per_photo
    codes = np.empty((photos * per_photo, 32), np.uint8)
    hashes = rng.integers(0, 256, (photos, 6, 32), dtype=np.uint8)
    codes.reshape(photos, per_photo, 32)[:, :6] = hashes
    codes.reshape(photos, per_photo, 32)[:, 6:] = orb_like(pool, photos * INDEXED, rng).reshape(photos, INDEXED, 32)
    out = {"photos": photos, "pool_descriptors": len(pool)}
    for name, rows in (("before: 6 hashes a photo", hashes.reshape(-1, 32)), (f"now: 6 hashes + {INDEXED} keypoints a photo", codes)):
        t0 = time.perf_counter()
        index = HammingIndex(rows)
        build = time.perf_counter() - t0
        pdq_q, targets = [], rng.integers(0, photos, queries)
        for k, t in enumerate(targets):  # planted near a photo's own hash, 0-31 bits away
            q = hashes[t, 0].copy()
            for b in rng.choice(256, k % 32, replace=False):
                q[b // 8] ^= 1 << (b % 8)
            pdq_q.append(q.tobytes())
        t0 = time.perf_counter()
        found = index.search_many(pdq_q, RADIUS)
        pdq_s = time.perf_counter() - t0
        rowpos = {int(t): (int(t) * (per_photo if "now" in name else 6)) for t in targets}
        ok = sum(rowpos[int(t)] in {m.position for m in f} for f, t in zip(found, targets)) / len(targets)
        row = {"rows": len(index), "build_s": round(build, 1), "memory_mib": round(index.nbytes / 2**20, 1),
               "bytes_per_photo": round(index.nbytes / photos), "chunks": index.widths,
               "pdq_batch_qps": round(len(pdq_q) / pdq_s), "pdq_recall": ok}
        if "now" in name:  # one photo's keypoint search: SEARCHED descriptors, one planted 0-32 bits from a stored one
            times, hits, planted_ok = [], [], 0
            for trial in range(5):
                probe = orb_like(pool, SEARCHED, rng)
                target = int(rng.integers(0, photos)) * per_photo + 6 + int(rng.integers(0, INDEXED))
                near = codes[target].copy()
                for b in rng.choice(256, int(rng.integers(0, KEYPOINT_RADIUS + 1)), replace=False):
                    near[b // 8] ^= 1 << (b % 8)
                probe[0] = near
                t0 = time.perf_counter()
                res = index.search_many([bytes(p) for p in probe], KEYPOINT_RADIUS)
                times.append(time.perf_counter() - t0)
                hits.append(sum(len(r) for r in res))
                planted_ok += target in {m.position for m in res[0]}
            row |= {"keypoint_search_s_per_photo": round(float(np.median(times)), 3),
                    "keypoint_hits_per_photo": int(np.median(hits)), "keypoint_planted_recall": planted_ok / 5}
        out[name] = row
        del index
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--keypoints", action="store_true", help="Photos' rows since issue 20 (see above).")
    args = parser.parse_args()
    if args.keypoints:
        result = bench_keypoints(args.n, args.queries)
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{args.n:,} index rows as photos fill them ({result['photos']:,} photos now); "
                            f"ORB-like rows from {result['pool_descriptors']:,} real descriptors")
        for col in ("layout", "rows", "build s", "memory MiB", "bytes / photo", "PDQ q/s (batch)", "PDQ recall",
                    "keypoint search s / photo", "hits / photo", "planted recall"):
            table.add_column(col)
        for name, r in result.items():
            if isinstance(r, dict):
                table.add_row(name, f"{r['rows']:,}", str(r["build_s"]), str(r["memory_mib"]), str(r["bytes_per_photo"]),
                              str(r["pdq_batch_qps"]), f"{r['pdq_recall']:.3f}", str(r.get("keypoint_search_s_per_photo", "")),
                              str(r.get("keypoint_hits_per_photo", "")), str(r.get("keypoint_planted_recall", "")))
        Console().print(table)
        out = ROOT / "bench" / "results" / "index_keypoints.json"
        results = json.loads(out.read_text()) if out.exists() else {}
        results[str(args.n)] = result
        out.write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {out}")
        return
    codes, queries, targets = planted(args.n, args.queries)
    rows = {"marsad HammingIndex": bench_marsad(codes, queries, targets),
            "faiss IndexBinaryFlat": bench_faiss_flat(codes, queries, targets),
            "threatexchange PDQIndex": bench_pdq_index(codes, queries, targets)}
    base = (rows["threatexchange PDQIndex"] or {}).get("qps")

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{args.n:,} random codes, {args.queries} planted queries at distances 0-31, radius {RADIUS}")
    for col in ("index", "build s", "memory MiB", "queries/s", "batch q/s", "× PDQIndex", "recall"):
        table.add_column(col)
    for name, r in rows.items():
        if r is None:
            table.add_row(name, "not installed", "", "", "", "", "")
            continue
        ratio = f"{r['qps'] / base:.1f} / {r['batch_qps'] / base:.1f}" if base and r.get("batch_qps") else ""
        table.add_row(name, str(r["build_s"]), str(r["memory_mib"]), str(r["qps"]), str(r["batch_qps"] or ""),
                      ratio, f"{r['recall']:.3f}")
    Console().print(table)
    out = ROOT / "bench" / "results" / "index.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(out.read_text()) if out.exists() else {}
    results[str(args.n)] = rows
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Hash index benchmark: prints a table and writes bench/results/index.json.

Random 256-bit codes plus 1,000 planted queries at distances 0-31 (each query is
a stored code with that many bits flipped). For Marsad's HammingIndex (single
queries and one batch), faiss IndexBinaryFlat, and python-threatexchange's
PDQIndex (faiss multi-hash), all on the same data in the same run: build time,
index memory, queries per second at radius 31, recall of the planted codes.

    pip install faiss-cpu threatexchange   # baselines only; Marsad does not need them
    python bench/index.py [--n 1000000]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
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

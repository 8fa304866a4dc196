#!/usr/bin/env python3
"""Cropped and reframed copies of real photos and videos, through Marsad's real pipeline.

Prints one table and writes bench/results/crop_eval.json (--quick: crop_eval-quick.json).

Media (bench/crop_media.py): originals from the PDQ / vPDQ reference media, scikit-image's and
opencv-doc's sample photos, opencv-doc's sample videos and clips panning over real photographs;
one copy per original and row (a crop, a reframe, a crop with a re-encode, resize or caption).

Each source tree given is run as a user would: a fresh workspace (`marsad init`), the originals
ingested (`marsad ingest`, which waits until analysis and matching are done), then the copies;
the links are read from the workspace's database. Beside them, plain PDQ / vPDQ: the pdqhash of
the whole picture (for videos, of the frames Marsad samples: about one a second and scene changes,
no border trimming), linked at distance <= 31, videos when half the frames match, all against
all (bench/matching_eval.py's baseline, imported from --plain-tree).

Recall per row: the share of copies linked directly to their own original ("or a copy": also
counting a link to another copy of the same original, in the JSON). False links: links between
files of different originals over the pairs of such files (photos with photos, videos with
videos), every copy and original included.

    python bench/crop_eval.py [--quick] [--src TREE ...] [--plain-tree TREE] [--no-plain]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT.parent / "release"  # an unmodified checkout of the last release, beside this one
sys.path.insert(0, str(ROOT / "bench"))

import crop_media

TARGET_RECALL, TARGET_FALSE = 0.9, 0.001


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- Marsad's pipeline -------------------------------------------------------------------------

def _tree_state(tree: Path) -> str:
    try:
        head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + (" + uncommitted changes under src/" if dirty else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "not a git checkout"


def _code_key(tree: Path, folder: Path) -> str:
    """What a run's outcome depends on: the media and the tree's code (Python and C sources)."""
    digest = hashlib.sha256(folder.name.encode())
    src = tree / "src" / "marsad"
    for path in sorted([*src.rglob("*.py"), *src.rglob("*.c")]):
        digest.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def run_pipeline(tree: Path, folder: Path, workers: int, keep: bool, cache: Path, rerun: bool = False) -> dict:
    """Ingest the originals, then the copies, into a fresh workspace of `tree`; the links made.
    A run of the same code on the same media is read back from `cache` unless `rerun`."""
    state = _tree_state(tree)
    key = _code_key(tree, folder)
    saved = cache / f"run-{key}.json"
    if not rerun and saved.exists():
        log(f"{tree}: unchanged since an earlier run on these media, read from {saved}")
        return json.loads(saved.read_text()) | {"cached": str(saved)}
    home = Path(tempfile.mkdtemp(prefix="marsad-crop-eval-home-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MARSAD_STORAGE")}
    env |= {"PYTHONPATH": str(tree / "src"), "MARSAD_HOME": str(home), "MARSAD_WORKERS": str(workers),
            "COLUMNS": "200"}
    python = [sys.executable, "-m", "marsad"]
    where = subprocess.run([sys.executable, "-c", "import marsad; print(marsad.__file__)"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not Path(where).resolve().is_relative_to((tree / "src").resolve()):
        raise SystemExit(f"{tree}: python imports marsad from {where}, not from this tree")
    with open(home / "crop-eval.log", "w") as logfile:

        def marsad(*args: str) -> int:
            logfile.write(f"$ marsad {' '.join(args)}\n")
            logfile.flush()
            return subprocess.run(python + list(args), env=env, stdout=logfile, stderr=subprocess.STDOUT,
                                  check=False).returncode

        for args in (("init",), ("project", "add", "Crop evaluation")):
            if marsad(*args):
                raise SystemExit(f"{tree}: `marsad {' '.join(args)}` failed; see {home / 'crop-eval.log'}")
        wall, codes = {}, {}
        for part in ("originals", "copies"):
            started = time.perf_counter()
            codes[part] = marsad("ingest", str(folder / part))
            wall[part] = round(time.perf_counter() - started, 1)
            log(f"{tree}: ingested the {part} in {wall[part]:.0f} s (exit {codes[part]})")
    with sqlite3.connect(home / "marsad.sqlite3") as db:
        items = dict(db.execute("SELECT id, sha256 FROM evidence_item"))
        failed = [sha for (sha,) in db.execute("SELECT sha256 FROM evidence_item WHERE analysis = 'failed'")]
        links = [(items[a], items[b], reason) for a, b, reason in
                 db.execute("SELECT a_id, b_id, reason FROM matching_copylink")]
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    out = {"links": links, "items": sorted(items.values()), "analysis_failed": failed, "wall_s": wall,
           "exit_codes": codes, "workspace": str(home) if keep else None, "state": state,
           "code_changed_during_run": key != _code_key(tree, folder)}
    if not out["code_changed_during_run"]:  # else no code state is known to give these links
        saved.write_text(json.dumps(out))
    return out


# --- plain PDQ / vPDQ ----------------------------------------------------------------------------

def _plain_key(tree: Path, folder: Path) -> str:
    digest = hashlib.sha256(folder.name.encode())
    for path in sorted([tree / "bench" / "matching_eval.py", *(tree / "src" / "marsad" / "core").glob("*/*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_plain(tree: Path, folder: Path, manifest: dict, cache: Path) -> dict:
    """bench/matching_eval.py's plain matcher over every file, each queried against all others.
    Its module puts its own tree's src/ first on sys.path, so the baseline is that tree's code."""
    saved = cache / f"plain-{_plain_key(tree, folder)}.json"
    if saved.exists():
        log(f"plain PDQ / vPDQ: from {saved}")
        return json.loads(saved.read_text())
    spec = importlib.util.spec_from_file_location("matching_eval_baseline", tree / "bench" / "matching_eval.py")
    me = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(me)
    if not Path(sys.modules[me.PDQ.__module__].__file__).resolve().is_relative_to(tree):
        raise SystemExit(f"plain baseline: marsad was imported before from elsewhere than {tree}")
    matcher = me.Matcher("plain PDQ / vPDQ", me.PDQ(with_variants=False),
                         me.VideoPDQ(trim_borders=False, with_variants=False), aligns=False)
    links, started = [], time.perf_counter()
    for media, hasher in (("photo", matcher.images), ("video", matcher.videos)):
        paths = [f["path"] for f in manifest["files"] if f["media"] == media]
        hashes = {p: hasher.compute(folder / p) for p in paths}
        index = matcher.index(hashes)
        for p in paths:
            for other in matcher.links(hashes[p], *index, video=media == "video", exclude=p):
                links.append((p, other, "plain"))
    out = {"links": links, "wall_s": {"all": round(time.perf_counter() - started, 1)}, "tree": str(tree)}
    saved.write_text(json.dumps(out))
    return out


# --- scores --------------------------------------------------------------------------------------

def score(manifest: dict, links: list[tuple[str, str, str]], by: str) -> dict:
    """Recall per (media, row) and false links per media. `links` name files by `by` ("sha256"
    for the pipeline's items, "path" for the plain baseline)."""
    files = manifest["files"]
    owners: dict[str, list[dict]] = defaultdict(list)
    for f in files:
        owners[f[by]].append(f)
    linked: set[tuple[str, str]] = set()  # file paths, both ways
    for a, b, _ in links:
        for fa in owners.get(a, ()):
            for fb in owners.get(b, ()):
                linked |= {(fa["path"], fb["path"]), (fb["path"], fa["path"])}
    original_of = {f["original"]: f["path"] for f in files if f["row"] is None}
    parent = {f["path"]: f["path"] for f in files}  # copy clusters, as `marsad copies` shows them

    def root(path: str) -> str:
        while parent[path] != path:
            parent[path] = parent[parent[path]]
            path = parent[path]
        return path

    for a, b in linked:
        parent[root(a)] = root(b)
    group: dict[str, list[str]] = defaultdict(list)
    for f in files:
        group[f["original"]].append(f["path"])
    recall: dict = {}
    for f in files:
        if f["row"] is None:
            continue
        cell = recall.setdefault(f["media"], {}).setdefault(f["row"], {"n": 0, "original": 0, "original_or_copy": 0,
                                                                     "cluster": 0, "missed": []})
        cell["n"] += 1
        direct = (f["path"], original_of[f["original"]]) in linked
        cell["original"] += direct
        cell["original_or_copy"] += any((f["path"], p) in linked for p in group[f["original"]] if p != f["path"])
        cell["cluster"] += root(f["path"]) == root(original_of[f["original"]])
        if not direct:
            cell["missed"].append(f["path"])
    false: dict = {}
    media_of = {f["path"]: f for f in files}
    for media in ("photo", "video"):
        paths = [f["path"] for f in files if f["media"] == media]
        pairs = sum(1 for a, b in combinations(paths, 2) if media_of[a]["original"] != media_of[b]["original"])
        wrong = sorted({tuple(sorted(p)) for p in linked
                        if media_of[p[0]]["media"] == media_of[p[1]]["media"] == media
                        and media_of[p[0]]["original"] != media_of[p[1]]["original"]})
        false[media] = {"links": len(wrong), "pairs": pairs, "rate": len(wrong) / max(1, pairs),
                        "examples": [list(w) for w in wrong[:20]]}
    cross = {tuple(sorted(p)) for p in linked if media_of[p[0]]["media"] != media_of[p[1]]["media"]}
    false["photo-video"] = {"links": len(cross)}
    return {"recall": recall, "false": false}


# --- report --------------------------------------------------------------------------------------

def table(manifest: dict, columns: dict[str, dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    files = manifest["files"]
    counts = {m: sum(f["media"] == m and f["row"] is None for f in files) for m in ("photo", "video")}
    t = Table(title=f"Copies linked to their own original ({counts['photo']} photo and {counts['video']} video "
                    f"originals; target ≥ {TARGET_RECALL}; \\[n]: in its copy cluster through other copies)")
    t.add_column("copy made by")
    for media in ("photo", "video"):
        for name in columns:
            t.add_column(f"{media}s: {name}", justify="right")

    def cell(value: float, text: str, good: bool) -> str:
        return f"[{'green' if good else 'red'}]{text}[/]"

    for row in manifest["rows"]:
        cells = []
        for media in ("photo", "video"):
            for s in columns.values():
                c = s["recall"].get(media, {}).get(row)
                if not c:
                    cells.append("-")
                    continue
                r = c["original"] / c["n"]
                chained = f" \\[{c['cluster']}]" if c["cluster"] != c["original"] else ""
                cells.append(cell(r, f"{r:.2f} {c['original']}/{c['n']}{chained}", r >= TARGET_RECALL))
        t.add_row(row, *cells)
    cells = []
    for media in ("photo", "video"):
        for s in columns.values():
            f = s["false"][media]
            cells.append(cell(f["rate"], f"{f['rate']:.4f} {f['links']}/{f['pairs']}", f["rate"] <= TARGET_FALSE))
    t.add_row(f"false links / pairs of different originals (target ≤ {TARGET_FALSE})", *cells, end_section=True)
    Console(width=240).print(t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="4 landscape and 1 vertical photo, 2 and 1 videos, 10 of the rows (a few minutes).")
    parser.add_argument("--src", nargs="+", type=Path, default=None,
                        help=f"Source trees to run (default: this one as 'ours' and {RELEASE} as 'release').")
    parser.add_argument("--plain-tree", type=Path, default=RELEASE if RELEASE.is_dir() else ROOT,
                        help="Tree whose bench/matching_eval.py and PDQ code give the plain baseline.")
    parser.add_argument("--no-plain", action="store_true", help="Leave the plain PDQ / vPDQ column out.")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "marsad-crop-eval",
                        help="Where generated media (and the plain baseline's links) are kept between runs.")
    parser.add_argument("--workers", type=int, default=2, help="MARSAD_WORKERS for each ingest.")
    parser.add_argument("--keep", action="store_true", help="Keep each tree's workspace (its path is printed).")
    parser.add_argument("--rerun", action="store_true",
                        help="Run every tree again, even one whose code and media are those of a saved run.")
    parser.add_argument("--out", type=Path, default=None, help="JSON to write (default bench/results/crop_eval.json).")
    args = parser.parse_args()
    os.nice(10)  # a shared machine; the children inherit it
    trees = args.src or ([ROOT, RELEASE] if RELEASE.is_dir() else [ROOT])
    names = {}
    for tree in trees:
        tree = tree.resolve()
        if not (tree / "src" / "marsad").is_dir():
            raise SystemExit(f"{tree}: no src/marsad there")
        names[tree] = "ours" if tree == ROOT else "release" if tree == RELEASE.resolve() else str(tree)

    started = time.perf_counter()
    folder, manifest = crop_media.media(args.cache, args.quick, log=log)
    log(f"media: {folder} ({len(manifest['files'])} files, {time.perf_counter() - started:.0f} s)")
    for note in manifest["notes"]:
        log(f"note: {note}")

    columns, runs = {}, {}
    if not args.no_plain:
        plain = run_plain(args.plain_tree.resolve(), folder, manifest, args.cache)
        columns["plain PDQ/vPDQ"] = score(manifest, plain["links"], by="path")
        runs["plain PDQ/vPDQ"] = {"tree": plain["tree"], "state": _tree_state(Path(plain["tree"])),
                                  "wall_s": plain["wall_s"]}
    for tree, name in sorted(names.items(), key=lambda kv: kv[1] != "release"):
        log(f"{name}: running {tree} ({_tree_state(tree)})")
        run = run_pipeline(tree, folder, args.workers, args.keep, args.cache, args.rerun or args.keep)
        columns[name] = score(manifest, run["links"], by="sha256")
        known = set(run["items"])
        runs[name] = {"tree": str(tree), "state": run.get("state") or _tree_state(tree), "wall_s": run["wall_s"],
                      "code_changed_during_run": run.get("code_changed_during_run"),
                      "exit_codes": run["exit_codes"], "analysis_failed": len(run["analysis_failed"]),
                      "files_without_item": sum(f["sha256"] not in known for f in manifest["files"]),
                      "workspace": run["workspace"], "read_from_earlier_run": run.get("cached")}
        columns[name]["reasons"] = _reasons(manifest, run["links"])

    table(manifest, columns)
    for name, s in columns.items():
        met = {m: (sum(c["original"] / c["n"] >= TARGET_RECALL for c in rows.values()), len(rows))
               for m, rows in s["recall"].items()}
        s["rows_meeting_target"] = met
        print(f"{name}: rows with recall ≥ {TARGET_RECALL}: " + ", ".join(f"{m}s {a}/{b}" for m, (a, b) in met.items()))
    for name, r in runs.items():
        extra = "" if "exit_codes" not in r else (
            f"; exit codes {r['exit_codes']}, analysis failed {r['analysis_failed']}, "
            f"files without an item {r['files_without_item']}"
            + (f"; read from an earlier run of the same code ({r['read_from_earlier_run']})"
               if r.get("read_from_earlier_run") else "")
            + ("; THE CODE CHANGED DURING THE RUN" if r.get("code_changed_during_run") else ""))
        per = ""
        if "copies" in r["wall_s"]:
            n = {part: sum((f["row"] is None) == (part == "originals") for f in manifest["files"])
                 for part in ("originals", "copies")}
            r["files"] = n
            wall = r["wall_s"]
            per = " (" + ", ".join(f"{part}: {n[part]} files, {wall[part] / n[part]:.2f} s each" for part in n) + ")"
        print(f"{name}: wall time {r['wall_s']} s{per} ({r['tree']}, {r['state']}){extra}")
    same_bytes = len(manifest["files"]) - len({f["sha256"] for f in manifest["files"]})
    if same_bytes:
        print(f"note: {same_bytes} generated file(s) repeat another's bytes (one item in Marsad)")

    out = args.out or ROOT / "bench" / "results" / ("crop_eval-quick.json" if args.quick else "crop_eval.json")
    result = {
        "what": "share of copies linked directly to their own original ('original'), or to it or another copy of "
                "it ('original_or_copy'), or in its copy cluster through any chain of links ('cluster'); false "
                "links: links between files of different originals over the pairs of such files of the same media",
        "command": "python bench/crop_eval.py " + " ".join(sys.argv[1:]),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "media": {"folder": str(folder), "rows": manifest["rows"], "notes": manifest["notes"],
                  "originals": [{"id": f["original"], "media": f["media"], "source": f["source"]}
                                for f in manifest["files"] if f["row"] is None],
                  "copies": sum(f["row"] is not None for f in manifest["files"])},
        "targets": {"recall": TARGET_RECALL, "false_link_rate": TARGET_FALSE},
        "runs": runs,
        "scores": {name: {"recall": {m: {row: {k: v for k, v in c.items() if k != "missed"} | {"missed": c["missed"]}
                                         for row, c in rows.items()} for m, rows in s["recall"].items()},
                          "rows_meeting_target": s["rows_meeting_target"], "false": s["false"],
                          "reasons": s.get("reasons", {})}
                   for name, s in columns.items()},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out} ({time.perf_counter() - started:.0f} s in all)")


def _reasons(manifest: dict, links: list[tuple[str, str, str]]) -> dict:
    """One link's reason per (media, row), from a copy to its own original: what a reviewer reads."""
    by_sha = {}
    for f in manifest["files"]:
        by_sha.setdefault(f["sha256"], f)
    originals = {f["original"]: f["sha256"] for f in manifest["files"] if f["row"] is None}
    out: dict = {}
    for a, b, reason in links:
        for x, y in ((a, b), (b, a)):
            f = by_sha.get(x)
            if f and f["row"] and originals.get(f["original"]) == y:
                out.setdefault(f"{f['media']}: {f['row']}", reason)
    return out


if __name__ == "__main__":
    main()

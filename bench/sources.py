#!/usr/bin/env python3
"""Sources benchmark: prints a table and writes bench/results/sources.json.

A generated Telegram channel export (Arabic and English text, entities,
forwards, service messages; one message in ten with a photo) imported with
`marsad ingest --no-wait` (preserving and recording every post and file;
analysis excluded) at two sizes, so that peak memory can be compared across
sizes: the import streams, so its peak should not grow with the number of
messages. Beside it, the baseline a naive importer pays: `json.load` of the same
`result.json` alone.

    python bench/sources.py [--messages 50000] [--media 5000] [--work DIR] [--compare-with GITREF | --compare-src DIR]

With --compare-with, the same exports are also imported by the code of an earlier
commit (its files taken with `git archive`, on this machine, in the same run, just
before this code's import of the same export), and the table gives the ratios: this
code's messages per second over that code's, in wall time and in CPU time (user + sys
of the import process: on a shared machine the wall time also holds other jobs' turns).
--compare-src names such a tree's src/ folder already extracted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest import fresh_workspace, marsad_env, timed  # bench/ingest.py: same wall time and peak RSS measurement

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "sources.json"
WORDS_AR = "غارة جوية على مشفى كفرنبل الجراحي قصف مدفعي معرة النعمان خان شيخون سراقب ريف إدلب الجنوبي".split()
WORDS_EN = "airstrike on the surgical hospital in Kafr Nabl shelling Maarat al-Numan Khan Shaykhun Saraqib".split()


def make_export(folder: Path, messages: int, media: int, seed: int = 7) -> int:
    """A channel export in Telegram Desktop's JSON shape; returns its result.json size."""
    rng = random.Random(seed)
    (folder / "photos").mkdir(parents=True)
    every = max(1, messages // media) if media else 0
    base = 1546300800  # 2019-01-01 UTC
    with open(folder / "result.json", "w", encoding="utf-8") as out:
        out.write('{\n "name": "Idlib Media Centre",\n "type": "public_channel",\n "id": 1001234567,\n "messages": [\n')
        photos = 0
        for i in range(1, messages + 1):
            words = rng.choices(WORDS_AR if i % 2 else WORDS_EN, k=rng.randint(5, 40))
            text = " ".join(words)
            when = base + i * 97
            message = {"id": i, "type": "message", "date": "2019-01-01T00:00:00", "date_unixtime": str(when),
                       "from": "Idlib Media Centre", "from_id": "channel1001234567",
                       "text": [text, {"type": "link", "text": f"https://t.me/idlib/{i}"}],
                       "text_entities": [{"type": "plain", "text": text},
                                         {"type": "link", "text": f"https://t.me/idlib/{i}"}]}
            if i % 13 == 0:
                message["forwarded_from"] = "Civil Defence Idlib"
            if i % 101 == 0:
                message = {"id": i, "type": "service", "date_unixtime": str(when), "actor": "Idlib Media Centre",
                           "action": "pin_message", "message_id": i - 1, "text": ""}
            elif every and i % every == 0 and photos < media:
                photos += 1
                rel = f"photos/photo_{i}.jpg"
                # Small distinct JPEG-shaped files: the point is the number of files, not their size.
                (folder / rel).write_bytes(b"\xff\xd8\xff\xe0" + rng.randbytes(2048) + b"\xff\xd9")
                message["photo"] = rel
            out.write(("  " if i == 1 else ",\n  ") + json.dumps(message, ensure_ascii=False))
        out.write("\n ]\n}\n")
    return (folder / "result.json").stat().st_size


def sampled(cmd: list[str], env: dict) -> tuple[float, dict[str, int], float]:
    """Wall time, the peaks of VmRSS, RssAnon (the process's own memory) and RssFile
    (file pages mapped: SQLite maps the database, which grows with the import and which
    the kernel may drop at will), sampled every 50 ms, and CPU seconds (user + sys)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in peaks:
                    peaks[key] = max(peaks[key], int(value.split()[0]))
        except (FileNotFoundError, ProcessLookupError):
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed")
    return wall, peaks, usage.ru_utime + usage.ru_stime


def older_code(ref: str, work: Path) -> Path:
    """The files of commit `ref` to import with (`git archive`: no worktree, nothing in the
    repository changes), its compiled index module copied from this tree."""
    tree = work / f"code-{ref.replace('/', '_')}"
    if not tree.exists():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        for built in (ROOT / "src" / "marsad" / "core" / "matching").glob("_mih*.so"):
            shutil.copy(built, tree / "src" / "marsad" / "core" / "matching")
    return tree / "src"


def old_workspace(home: Path, src: Path) -> dict:
    """A workspace made by the older code itself (its own migrations), and the environment to run it."""
    shutil.rmtree(home, ignore_errors=True)
    env = marsad_env(home) | {"PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-m", "marsad", "init"], env=env, check=True, capture_output=True)
    return env


ISSUE_BASELINE = 75  # messages/s: issue 18's "today", the import before batching as measured when it was filed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--media", type=int, default=5_000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--compare-with", metavar="GITREF", help="also import with this earlier commit's code")
    parser.add_argument("--compare-src", type=Path, metavar="DIR", help="also import with the code in this src/ folder")
    args = parser.parse_args()
    compare = args.compare_with or (str(args.compare_src) if args.compare_src else None)
    work = args.work or Path(tempfile.mkdtemp(prefix="marsad-bench-sources-"))
    rows = []
    for messages, media in [(args.messages // 10, args.media // 10), (args.messages, args.media)]:
        export = work / f"ChatExport_{messages}"
        shutil.rmtree(export, ignore_errors=True)
        size = make_export(export, messages, media)
        load_s, load_kib = timed([sys.executable, "-c", "import json,sys; json.load(open(sys.argv[1], 'rb'))",
                                  str(export / "result.json")])
        if compare:
            src = args.compare_src or older_code(args.compare_with, work)
            env = old_workspace(work / "ws", src)
            old_wall, _, old_cpu = sampled([sys.executable, "-m", "marsad", "ingest", "--no-wait", str(export)], env)
        env = fresh_workspace(work / "ws")
        wall, peaks, cpu = sampled([sys.executable, "-m", "marsad", "ingest", "--no-wait", str(export)], env)
        if compare:
            rows_extra = {"compared_with": args.compare_with or "the code at --compare-src",
                          "compared_import_s": round(old_wall, 1), "compared_cpu_s": round(old_cpu, 1),
                          "compared_messages_per_s": round(messages / old_wall),
                          "compared_messages_per_cpu_s": round(messages / old_cpu),
                          "speedup": round(old_wall / wall, 2), "cpu_speedup": round(old_cpu / cpu, 2)}
        else:
            rows_extra = {}
        rows.append({**rows_extra, "messages": messages, "media": media, "result_json_mib": round(size / 2**20, 1),
                     "import_s": round(wall, 1), "messages_per_s": round(messages / wall),
                     "cpu_s": round(cpu, 1), "messages_per_cpu_s": round(messages / cpu),
                     "vs_issue_baseline": round(messages / wall / ISSUE_BASELINE, 1),
                     "peak_rss_mib": round(peaks["VmRSS"] / 1024), "peak_anon_mib": round(peaks["RssAnon"] / 1024),
                     "peak_file_mapped_mib": round(peaks["RssFile"] / 1024),
                     "baseline_json_load_s": round(load_s, 2),
                     "baseline_json_load_rss_mib": round(load_kib / 1024)})
        shutil.rmtree(export)
    shutil.rmtree(work / "ws", ignore_errors=True)
    if args.compare_with:
        shutil.rmtree(older_code(args.compare_with, work).parent, ignore_errors=True)
    small, large = rows
    summary = {"rows": rows,
               "peak_rss_ratio_large_to_small": round(large["peak_rss_mib"] / small["peak_rss_mib"], 2),
               "peak_anon_ratio_large_to_small": round(large["peak_anon_mib"] / small["peak_anon_mib"], 2),
               "baseline_rss_ratio_large_to_small": round(
                   large["baseline_json_load_rss_mib"] / small["baseline_json_load_rss_mib"], 2)}
    print(f"{'messages':>9} {'media':>6} {'JSON MiB':>9} {'import s':>9} {'msg/s':>7} {'CPU s':>6} {'msg/CPU-s':>9} {'RSS MiB':>8} "
          f"{'own MiB':>8} {'db-map MiB':>10} {'json.load s':>12} {'json.load MiB':>14}")
    for r in rows:
        print(f"{r['messages']:>9} {r['media']:>6} {r['result_json_mib']:>9} {r['import_s']:>9} "
              f"{r['messages_per_s']:>7} {r['cpu_s']:>6} {r['messages_per_cpu_s']:>9} {r['peak_rss_mib']:>8} {r['peak_anon_mib']:>8} {r['peak_file_mapped_mib']:>10} "
              f"{r['baseline_json_load_s']:>12} {r['baseline_json_load_rss_mib']:>14}")
    for r in rows:
        if "speedup" in r:
            print(f"{r['messages']} messages: {r['compared_with']} imported {r['compared_messages_per_s']} msg/s "
                  f"({r['compared_messages_per_cpu_s']} per CPU-s), this code {r['messages_per_s']} msg/s "
                  f"({r['messages_per_cpu_s']} per CPU-s): {r['speedup']}x wall, {r['cpu_speedup']}x CPU")
    for r in rows:
        print(f"{r['messages']} messages: {r['messages_per_s']} msg/s is {r['vs_issue_baseline']}x the issue's "
              f"{ISSUE_BASELINE} msg/s")
    print(f"peak memory, {large['messages']} vs {small['messages']} messages: marsad's own (anonymous) "
          f"{summary['peak_anon_ratio_large_to_small']}x, RSS with the mapped database "
          f"{summary['peak_rss_ratio_large_to_small']}x; json.load {summary['baseline_rss_ratio_large_to_small']}x")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()

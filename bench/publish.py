"""`marsad publish` at scale: a full publish of INCIDENTS incidents with MEDIA published
(redacted, approved) photos, then publishing again with nothing changed, then after one
incident's public summary changed (the incremental case; target under 5 s).

    nice -n 10 .venv/bin/python bench/publish.py [INCIDENTS [MEDIA]] [--no-pdf] [--draw-all] [--baseline-src DIR]
        [--profile FILE]
    # default 3000 10000

PDF briefs are on unless --no-pdf. Drawing one brief with WeasyPrint takes about a second,
so the full run's briefs are drawn by a stand-in (a few bytes derived from the brief's
HTML) unless --draw-all; the later runs draw for real whatever their cache does not hold
(the changed incident's two briefs), so the incremental figure includes real drawing.
--baseline-src DIR runs the same three runs first with DIR (another checkout's src/, e.g.
a copy of the tree before a change) first on sys.path, then with this tree, and prints
them side by side with the ratio; each figure comes with the 1-minute load average.

Each run is timed on the wall clock and in CPU seconds (this process and the processes it
forked to draw briefs, user and system): on a shared machine the wall time moves with the
load, the CPU time much less.

Rows are written in bulk straight into a throw-away workspace's database (no ingest, no
face detection: bench/redact.py measures redaction); the media are small generated JPEGs
put in the store as each item's approved redacted derivative. Each figure is the wall time
of one `publish()` call (collect, render, write, manifest, custody event, public log and
proofs), on SQLite unless DATABASE_URL says otherwise. Writes bench/results/publish.json."""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path


def setup() -> Path:
    home = Path(tempfile.mkdtemp(prefix="marsad-publish-bench-"))
    os.environ["MARSAD_HOME"] = str(home / "ws")
    os.environ["MARSAD_STORAGE"] = str(home / "ws" / "store")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marsad.web.settings")
    from marsad.cli.init import init_workspace

    init_workspace()
    return home


def jpeg(i: int, rng: random.Random) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (48, 32), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    img.putpixel((i % 48, (i // 48) % 32), (i % 256, (i // 256) % 256, (i // 65536) % 256))  # unique
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


def fill(incidents: int, media: int) -> dict:
    from django.db import transaction

    from marsad.access import service as access
    from marsad.evidence.ingest import store
    from marsad.evidence.models import Capture, Derivative, Item
    from marsad.incidents.models import Incident, IncidentItem

    rng = random.Random(16)
    project = access.add_project("Bench", "bench", actor="actor:bench")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    blobs = store()
    started = time.perf_counter()
    with transaction.atomic():
        items, derivatives, captures = [], [], []
        with blobs.batched_sync():
            for i in range(media):
                data = jpeg(i, rng)
                blob = blobs.put_bytes(data)
                original = hashlib.sha256(b"original-%d" % i).hexdigest()
                items.append(Item(sha256=original, blake2b=hashlib.blake2b(original.encode()).hexdigest(), size=len(data),
                                  mime="image/jpeg", kind="image", first_seen=now, log_index=10_000_000 + i,
                                  graphic=i % 17 == 0))
                derivatives.append((blob.sha256, len(data)))
        Item.objects.bulk_create(items, batch_size=2000)
        items = list(Item.objects.order_by("log_index"))
        Derivative.objects.bulk_create([Derivative(item=item, role="redacted", sha256=sha, mime="image/jpeg", size=size,
                                                   created=now, log_index=20_000_000 + i, decision="approved",
                                                   decided_at=now)
                                        for i, (item, (sha, size)) in enumerate(zip(items, derivatives))],
                                       batch_size=2000)
        for i, item in enumerate(items):
            captures.append(Capture(item=item, source_kind="telegram" if i % 3 else "web", sighting_key=f"bench-{i}",
                                    original_path=f"bench/{i}.jpg", original_name=f"{i}.jpg", ingested_at=now,
                                    ingested_by="actor:bench", log_index=30_000_000 + i, project=project))
        Capture.objects.bulk_create(captures, batch_size=2000)
        first = date(2019, 1, 1)
        Incident.objects.bulk_create([Incident(
            code=f"SYR{n + 1:06d}", project=project, title=f"Bench incident {n + 1}",
            event_date=first + timedelta(days=rng.randrange(730)), sub_event_type="Air/drone strike",
            event_type="Explosions/Remote violence", fatalities_best=rng.randrange(20), grade="fair",
            grade_reason="bench", notes=f"Public summary {n + 1}.", status="verified", created=now,
            created_by="actor:bench") for n in range(incidents)], batch_size=2000)
        rows = list(Incident.objects.order_by("code"))
        IncidentItem.objects.bulk_create([IncidentItem(
            incident=rows[i % incidents], item=item, role="primary" if i < incidents else "corroborating",
            added_at=now, added_by="actor:bench") for i, item in enumerate(items)], batch_size=2000)
    return {"project": project, "fill_s": time.perf_counter() - started}


PARTS = {}  # part of a run -> seconds, filled by the wrappers below
STAND_IN = []  # non-empty while briefs are drawn by a stand-in


def instrument(pdfs: bool, draw_all: bool = False) -> None:
    """Time the parts of a run by wrapping them where builder.py calls them; without `pdfs`,
    the PDF briefs (WeasyPrint, cached per incident) are left out of the run."""
    from marsad.core.publish import manifest
    from marsad.publish import builder, collect, hooks, site

    def wrap(owner, name, part):
        inner = getattr(owner, name)

        def timed_call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                PARTS[part] = PARTS.get(part, 0.0) + time.perf_counter() - started
        setattr(owner, name, timed_call)

    wrap(collect, "collect", "collect (database to values)")
    wrap(collect, "withdrawals", "collect (database to values)")
    wrap(site, "_pages", "render pages")
    wrap(site, "_more_pages", "render pages")
    wrap(site, "_data", "downloads (CSV, GeoJSON, XLSX, events.json)")
    try:
        from marsad.publish import pdf
    except ImportError:
        pdf = None
    if pdf is not None:
        if pdfs:
            if hasattr(pdf, "start_briefs"):  # drawn by other processes while the pages are rendered
                wrap(pdf, "start_briefs", "PDF briefs: kept ones found, drawing started")
                wrap(pdf.Briefs, "result", "PDF briefs: waiting for the drawing")
            else:  # a tree from before that change (--baseline-src)
                wrap(pdf, "briefs", "PDF briefs")
            if not draw_all:
                real = pdf.render

                def render(page, served):
                    if STAND_IN:  # the full run: a second per brief is not what is measured here
                        return b"%PDF-stand-in " + hashlib.sha256(page.encode()).hexdigest().encode(), []
                    return real(page, served)
                pdf.render = render
        else:
            pdf.briefs = lambda *args, **kwargs: {}
            if hasattr(pdf, "start_briefs"):
                pdf.start_briefs = lambda *args, **kwargs: type("NoBriefs", (), {"result": lambda self: {},
                                                                                 "cancel": lambda self: None})()
    wrap(site.Site, "write", "write files")
    wrap(manifest, "build", "manifest (hash every file)")
    wrap(hooks, "published", "public log and proofs")
    wrap(hooks, "open_log", "public log: read back and check")
    del builder


def _cpu() -> tuple[float, float]:
    """CPU seconds (user and system) used by this process and by its finished children (the brief
    drawers): on a shared machine, what a run costs whatever else runs there."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


PROFILE = []  # --profile FILE: where the incremental run's cProfile statistics go


def timed(label: str, out: Path, project, profile: str | None = None) -> dict:
    from marsad.publish.builder import publish

    PARTS.clear()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu_before = _cpu()
    started = time.perf_counter()
    result = publish(out, project, "fair")
    took = time.perf_counter() - started
    own, drawers = (after - before for after, before in zip(_cpu(), cpu_before))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    return {"stage": label, "seconds": round(took, 2), "cpu_seconds": round(own + drawers, 2),
            "cpu_seconds_of_drawers": round(drawers, 2),
            "load_1min": round(os.getloadavg()[0], 2), "incidents": result.incidents, "media": result.media,
            "files": result.files, "public_log_added": result.public_log_added,
            "parts": {k: round(v, 2) for k, v in PARTS.items()}}


def run(incidents: int, media: int, pdfs: bool, draw_all: bool) -> dict:
    home = setup()
    instrument(pdfs, draw_all)
    made = fill(incidents, media)
    project = made["project"]
    out = home / "site"
    from marsad.incidents import service

    STAND_IN.append(True)
    rows = [timed("full publish (empty folder)", out, project)]
    STAND_IN.clear()
    rows.append(timed("publish again, nothing changed", out, project))
    service.update(service.get("SYR000001"), {"notes": "A corrected public summary."}, "actor:bench")
    rows.append(timed("incremental: one incident's summary changed", out, project, PROFILE[0] if PROFILE else None))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"incidents": incidents, "media": media, "site_bytes": size, "fill_seconds": round(made["fill_s"], 2),
            "pdf_briefs": pdfs, "briefs_of_full_run": "drawn" if draw_all or not pdfs else "stand-in", "runs": rows}


def table(result: dict, baseline: dict | None = None) -> None:
    rows = result["runs"]
    print(f"{result['incidents']} incidents, {result['media']} media; rows and media made in "
          f"{result['fill_seconds']:.1f} s; site {result['site_bytes'] / 1e6:.1f} MB; PDF briefs "
          f"{'on (full run: ' + result['briefs_of_full_run'] + ')' if result['pdf_briefs'] else 'off'}")
    print("cpu s: CPU seconds of the run, this process and the processes it forked (drawers: theirs alone)")
    head = f"{'stage':48} {'seconds':>8} {'cpu s':>7} {'drawers':>7} {'load':>5} {'files':>7} {'leaves':>7}"
    print(head + (f" {'before':>8} {'cpu s':>7} {'load':>5} {'ratio':>6} {'cpu r.':>6}" if baseline else ""))
    for i, r in enumerate(rows):
        line = (f"{r['stage']:48} {r['seconds']:>8.2f} {r.get('cpu_seconds', 0):>7.2f} "
                f"{r.get('cpu_seconds_of_drawers', 0):>7.2f} {r['load_1min']:>5.1f} "
                f"{r['files']:>7} {r['public_log_added']:>7}")
        if baseline:
            b = baseline["runs"][i]
            line += (f" {b['seconds']:>8.2f} {b.get('cpu_seconds', 0):>7.2f} {b['load_1min']:>5.1f} "
                     f"{r['seconds'] / b['seconds']:>6.2f} "
                     f"{r['cpu_seconds'] / max(b.get('cpu_seconds', 0), 1e-9):>6.2f}")
        print(line)
    parts = sorted({k for r in rows for k in r["parts"]} | ({k for r in baseline["runs"] for k in r["parts"]}
                                                             if baseline else set()))
    cols = ("full", "again", "incr.") + (("b.full", "b.again", "b.incr.") if baseline else ())
    print(f"\n{'part of the run (seconds)':48} " + " ".join(f"{n:>8}" for n in cols))
    for part in parts:
        runs = rows + (baseline["runs"] if baseline else [])
        print(f"{part:48} " + " ".join(f"{r['parts'].get(part, 0):>8.2f}" for r in runs))
    incremental = rows[-1]["seconds"]
    print(f"incremental vs target 5 s: {incremental / 5:.2f}x; incremental / full: {incremental / rows[0]['seconds']:.2f}")


def main(argv: list[str]) -> int:
    pdfs, draw_all = "--no-pdf" not in argv, "--draw-all" in argv
    baseline_src = json_to = None
    if "--baseline-src" in argv:
        i = argv.index("--baseline-src")
        baseline_src = argv[i + 1]
        del argv[i:i + 2]
    if "--profile" in argv:  # cProfile the incremental run into this file
        i = argv.index("--profile")
        PROFILE.append(argv[i + 1])
        del argv[i:i + 2]
    if "--json-to" in argv:  # used by --baseline-src: where the child writes its figures
        i = argv.index("--json-to")
        json_to = argv[i + 1]
        del argv[i:i + 2]
    argv = [a for a in argv if a not in ("--no-pdf", "--draw-all")]
    incidents = int(argv[1]) if len(argv) > 1 else 3000
    media = int(argv[2]) if len(argv) > 2 else 10000
    baseline = None
    if baseline_src:
        import subprocess

        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "baseline.json"
            env = os.environ | {"PYTHONPATH": str(Path(baseline_src).resolve())}
            subprocess.run([sys.executable, __file__, str(incidents), str(media), "--json-to", str(target)]
                           + ["--no-pdf"] * (not pdfs) + ["--draw-all"] * draw_all, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            baseline = json.loads(target.read_text())
    result = run(incidents, media, pdfs, draw_all)
    result |= {"database": os.environ.get("DATABASE_URL", "sqlite").split("@")[-1], "machine": platform.platform(),
               "cpus": os.cpu_count(), "incremental_target_seconds": 5}
    if json_to:
        Path(json_to).write_text(json.dumps(result))
        return 0
    table(result, baseline)
    if baseline:
        result["baseline"] = baseline | {"src": baseline_src}
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "publish.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

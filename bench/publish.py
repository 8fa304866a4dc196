"""`marsad publish` at scale: a full publish of INCIDENTS incidents with MEDIA published
(redacted, approved) photos, then publishing again with nothing changed, then after one
incident's public summary changed (the incremental case; target under 5 s).

    nice -n 10 .venv/bin/python bench/publish.py [INCIDENTS [MEDIA]] [--no-pdf]    # default 3000 10000

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


def instrument(pdfs: bool) -> None:
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
            wrap(pdf, "briefs", "PDF briefs")
        else:
            pdf.briefs = lambda *args, **kwargs: {}
    wrap(site.Site, "write", "write files")
    wrap(manifest, "build", "manifest (hash every file)")
    wrap(hooks, "published", "public log and proofs")
    del builder


def timed(label: str, out: Path, project) -> dict:
    from marsad.publish.builder import publish

    PARTS.clear()
    started = time.perf_counter()
    result = publish(out, project, "fair")
    took = time.perf_counter() - started
    return {"stage": label, "seconds": round(took, 2), "incidents": result.incidents, "media": result.media,
            "files": result.files, "public_log_added": result.public_log_added,
            "parts": {k: round(v, 2) for k, v in PARTS.items()}}


def main(argv: list[str]) -> int:
    pdfs = "--no-pdf" not in argv
    argv = [a for a in argv if a != "--no-pdf"]
    incidents = int(argv[1]) if len(argv) > 1 else 3000
    media = int(argv[2]) if len(argv) > 2 else 10000
    home = setup()
    instrument(pdfs)
    made = fill(incidents, media)
    project = made["project"]
    out = home / "site"
    from marsad.incidents import service

    rows = [timed("full publish (empty folder)", out, project)]
    rows.append(timed("publish again, nothing changed", out, project))
    service.update(service.get("SYR000001"), {"notes": "A corrected public summary."}, "actor:bench")
    rows.append(timed("incremental: one incident's summary changed", out, project))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{incidents} incidents, {media} media; rows and media made in {made['fill_s']:.1f} s; "
          f"site {size / 1e6:.1f} MB")
    print(f"{'stage':48} {'seconds':>8} {'files':>7} {'log leaves':>10}")
    for r in rows:
        print(f"{r['stage']:48} {r['seconds']:>8.2f} {r['files']:>7} {r['public_log_added']:>10}")
    parts = sorted({k for r in rows for k in r["parts"]})
    print(f"\n{'part of the run (seconds)':48} " + " ".join(f"{n:>8}" for n in ("full", "again", "incr.")))
    for part in parts:
        print(f"{part:48} " + " ".join(f"{r['parts'].get(part, 0):>8.2f}" for r in rows))
    if not pdfs:
        print("(PDF briefs left out: --no-pdf)")
    incremental = rows[-1]["seconds"]
    print(f"incremental vs target 5 s: {incremental / 5:.2f}x; incremental / full: {incremental / rows[0]['seconds']:.2f}")
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "publish.json").write_text(json.dumps({
        "incidents": incidents, "media": media, "site_bytes": size, "database": os.environ.get("DATABASE_URL", "sqlite")
        .split("@")[-1], "machine": platform.platform(), "cpus": os.cpu_count(), "fill_seconds": round(made["fill_s"], 2),
        "pdf_briefs": pdfs, "runs": rows, "incremental_target_seconds": 5}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

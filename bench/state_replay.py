#!/usr/bin/env python3
"""Cost of replaying current state in `log verify` (custody/replay.py, issue 14).

Builds a workspace whose log holds about N events of the kinds the replay reads,
written as the services write them (leaves and rows agree, so verify passes):
incidents (a create, five field changes, two links and a role change each: 9 events),
items (an ingest and a metadata analysis each, one item per two incidents) and one
gazetteer event stating 1,000 places. Then times `verify_log()` in one run, alternately
with the replay and with it switched off (the check of the log and of each event row
alone: the baseline), best of two each. Both must report OK.

    python bench/state_replay.py [--events 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup(database_url: str | None) -> Path:
    home = Path(tempfile.mkdtemp(prefix="marsad-bench-replay-"))
    os.environ["MARSAD_HOME"] = str(home)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    from marsad.cli.init import init_workspace

    init_workspace()
    return home


def build(events: int) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from marsad.access.service import default_project
    from marsad.core.custody.leaves import digest
    from marsad.core.places.gazetteer import PLACE
    from marsad.core.places.readers import Read
    from marsad.core.places.gazetteer import Place as CorePlace
    from marsad.custody import log
    from marsad.evidence.analysis import _apply_facts
    from marsad.evidence.models import AnalysisResult, Item
    from marsad.incidents import places
    from marsad.incidents.models import Incident, IncidentChange, IncidentItem

    places.save(Read(places=[CorePlace(f"bench:{n}", f"Place {n}", lat=35 + n / 1000, lon=36 + n / 1000,
                                       level=PLACE, source="bench") for n in range(1000)], format="bench"),
                "bench gazetteer", "bench", file_sha256="")
    project = default_project()
    incidents_n = max(1, events // 10)
    items_n = max(2, incidents_n // 2)
    actor = log.actor_id("bench")
    start = timezone.now() - timedelta(minutes=5)

    def tick(n: int):
        return start + timedelta(microseconds=n)

    clock = 0
    with transaction.atomic():
        items = []
        for n in range(items_n):
            sha = hashlib.sha256(b"bench item %d" % n).hexdigest()
            clock += 1
            item = Item(sha256=sha, blake2b="b" * 128, size=1000 + n, mime="image/jpeg", kind="image",
                        first_seen=tick(clock), analysis=Item.Analysis.DONE)
            item.log_index = log.record("ingest", item=sha, actor=actor, time=item.first_seen, outputs=[
                {"sha256": sha, "blake2b": item.blake2b, "size": item.size, "mime": item.mime}]).index
            result = {"facts": {"captured_at": "2019-05-05T10:%02d:00+03:00" % (n % 60), "tz_known": True,
                                "captured_at_source": "EXIF:DateTimeOriginal", "gps_lat": 35.5, "gps_lon": 36.5,
                                "make": "bench", "model": "one", "width": 640, "height": 480}}
            _apply_facts(item, result["facts"])
            items.append((item, result))
        Item.objects.bulk_create([i for i, _ in items], batch_size=1000)
        analyses = []
        for item, result in items:
            index = log.record("analysis", item=item.sha256, actor=actor, time=item.first_seen,
                               inputs=[{"sha256": item.sha256}],
                               outputs=[{"step": "metadata", "result": digest(result), "ok": True}]).index
            analyses.append(AnalysisResult(item=item, step="metadata", ok=True, result=result, tool={},
                                           created=item.first_seen, log_index=index))
        AnalysisResult.objects.bulk_create(analyses, batch_size=1000)

        rows = []
        for n in range(incidents_n):
            place = places.Place.objects.get(key=f"bench:{n % 1000}") if n < 1000 else rows[n % 1000].place
            rows.append(Incident(code=f"SYR{n + 1:06d}", project=project, created=tick(clock), created_by=actor,
                                 title=f"Incident {n} (edited)", event_date="2019-05-05",
                                 sub_event_type="Air/drone strike", event_type="Explosions/Remote violence",
                                 disorder_type="Political violence", place=place, latitude=place.lat,
                                 longitude=place.lon, location_text=place.name, fatalities_best=n % 40,
                                 grade="fair", status="in_review", notes="two videos"))
        Incident.objects.bulk_create(rows, batch_size=1000)
        changes, links = [], []
        for n, incident in enumerate(rows):
            a, b = items[(2 * n) % items_n][0], items[(2 * n + 1) % items_n][0]
            steps = [("create", "", None, {"title": f"Incident {n}", "event_date": "2019-05-05",
                                          "sub_event_type": "Air/drone strike", "place": incident.place.key}, []),
                     ("set", "fatalities_best", None, n % 40, [a.sha256]), ("set", "grade", "unassessed", "fair", []),
                     ("set", "status", "new", "in_review", []), ("set", "notes", "", "two videos", []),
                     ("set", "title", f"Incident {n}", f"Incident {n} (edited)", []),
                     ("link", "item", None, {"sha256": a.sha256, "role": "corroborating"}, [a.sha256]),
                     ("link", "item", None, {"sha256": b.sha256, "role": "context"}, [b.sha256]),
                     ("link", "role", "corroborating", "primary", [a.sha256])]
            for action, name, old, new, evidence in steps:
                clock += 1
                change = IncidentChange(incident=incident, action=action, field=name, old=old, new=new,
                                        evidence=evidence, reason="bench", actor=actor, at=tick(clock))
                change.log_index = log.record("incident", item=(evidence or [""])[0], actor=actor, time=change.at,
                                              inputs=[{"sha256": s} for s in evidence],
                                              outputs=[change.custody_outputs()],
                                              details=change.custody_details()).index
                changes.append(change)
            links += [IncidentItem(incident=incident, item=a, role="primary", added_at=tick(clock), added_by=actor),
                      IncidentItem(incident=incident, item=b, role="context", added_at=tick(clock), added_by=actor)]
        IncidentChange.objects.bulk_create(changes, batch_size=1000)
        IncidentItem.objects.bulk_create(links, batch_size=1000)
    log.sign_checkpoint()
    return {"incidents": incidents_n, "items": items_n, "links": len(links), "places": 1000}


def timed_verify() -> tuple[float, object]:
    from marsad.custody.verify import verify_log

    t0 = time.perf_counter()
    report = verify_log()
    return time.perf_counter() - t0, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    home = setup(args.database_url)
    from django.db import connection

    from marsad.custody import log, replay

    t0 = time.perf_counter()
    built = build(args.events)
    build_s = time.perf_counter() - t0
    see, check = replay.Replay.see, replay.Replay.check

    def off() -> None:  # the baseline: the same verify without the replay
        replay.Replay.see = lambda self, *a: None
        replay.Replay.check = lambda self: replay.Outcome()

    def on() -> None:
        replay.Replay.see, replay.Replay.check = see, check

    times: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(2):  # alternated, best of two: the first run also warms caches and imports
        off()
        seconds, base = timed_verify()
        assert base.ok, base.problems[:5]
        times["without"].append(seconds)
        on()
        seconds, report = timed_verify()
        assert report.ok, report.problems[:5]
        times["with"].append(seconds)
    with_replay, without = min(times["with"]), min(times["without"])
    result = {"database": connection.vendor, "events": log.size(), **built, "build_s": round(build_s, 1),
              "verify_s": round(with_replay, 2), "verify_without_replay_s": round(without, 2),
              "replay_s": round(with_replay - without, 2), "ratio": round(with_replay / without, 2),
              "state_checked": report.state_checked}

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"log verify with the state replay, {connection.vendor}, {log.size():,} events")
    for col in ("measure", "value"):
        table.add_column(col)
    table.add_row("log verify without replay (baseline)", f"{without:.2f} s")
    table.add_row("log verify with replay", f"{with_replay:.2f} s ({with_replay / without:.2f}x baseline)")
    table.add_row("cost of the replay", f"{with_replay - without:.2f} s")
    table.add_row("rows compared", ", ".join(f"{v:,} {k}" for k, v in report.state_checked.items()))
    Console().print(table)
    out = ROOT / "bench" / "results" / f"state_replay-{connection.vendor}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

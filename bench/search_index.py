"""Search alone, without the web server: index rows written directly, queries timed in-process
(bench/web.py measures the search page under load).

    python bench/search_index.py [ENTRIES]            # SQLite
    DATABASE_URL=postgres://… python bench/search_index.py [ENTRIES]

Makes a throw-away workspace (and PostgreSQL database), writes ENTRIES index rows
(default 200,000: incidents, comments, items and captures over three projects, words
drawn from a Zipf-like vocabulary in Arabic and English) and times searches as a viewer
of one project and a restricted member: p50 and p95 of 20 runs each."""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path


def setup() -> callable:
    home = Path(tempfile.mkdtemp(prefix="marsad-search-perf-"))
    os.environ["MARSAD_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marsad.web.settings")
    drop = lambda: None  # noqa: E731
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"marsad_perf_{uuid.uuid4().hex[:8]}"
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name

        def drop():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    from marsad.core.workspace import Workspace

    Workspace(home).create()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return drop


AR = ("قصف مشفى مدرسة سوق طائرة صاروخ برميل مدينة قرية شهداء جرحى دفاع مدني إسعاف مسجد "
      "حلب إدلب حماة دمشق درعا الرقة دير الزور معرة النعمان كفرنبل سراقب أريحا جسر الشغور "
      "انفجار غارة روسية النظام الطيران الحربي استهداف المشفى الميداني المدنيين الأطفال").split()
EN = ("strike hospital school market aircraft missile barrel city village killed injured civil defence "
      "ambulance mosque aleppo idlib hama damascus daraa raqqa explosion airstrike regime shelling "
      "video photo footage witness report crater smoke rubble convoy checkpoint bakery").split()
VOCAB = AR + EN


def words(rng: random.Random, n: int) -> str:
    # Zipf-like: a few words are everywhere, most are rare; plus a unique-ish token now and then.
    out = [VOCAB[min(int(rng.paretovariate(0.9)) - 1, len(VOCAB) - 1)] if rng.random() < 0.7 else rng.choice(VOCAB)
           for _ in range(n)]
    if rng.random() < 0.05:
        out.append(f"ref{rng.randrange(100000)}")
    return " ".join(out)


def fill(total: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from marsad.access.models import Membership, Project, ProjectItem
    from marsad.evidence.models import Item
    from marsad.incidents.models import Incident
    from marsad.search.models import SearchEntry
    from marsad.search.normalise import document

    rng = random.Random(7)
    now = timezone.now()
    projects = [Project.objects.create(slug=f"p{i}", name=f"P{i}", created=now) for i in range(3)]
    User = get_user_model()
    viewer = User.objects.create(username="viewer")
    restricted = User.objects.create(username="restricted")
    Membership.objects.create(user=viewer, project=projects[0], role="viewer")
    Membership.objects.create(user=restricted, project=projects[0], role="restricted")
    n_incidents = max(100, total // 20)
    n_items = max(100, total // 4)
    with transaction.atomic():
        Incident.objects.bulk_create(
            [Incident(code=f"SYR{i:07d}", project=projects[i % 3], title=words(rng, 5), created=now,
                      created_by="perf", status="new" if i % 2 else "in_review") for i in range(n_incidents)],
            batch_size=5000)
        Item.objects.bulk_create(
            [Item(sha256=f"{i:064x}", blake2b="0", size=1, mime="video/mp4", kind="video", first_seen=now,
                  log_index=i + 1) for i in range(n_items)], batch_size=5000)
        incident_ids = list(Incident.objects.values_list("pk", "project_id"))
        item_ids = list(Item.objects.values_list("pk", flat=True))
        ProjectItem.objects.bulk_create([ProjectItem(project=projects[n % 3], item_id=pk, added_at=now)
                                         for n, pk in enumerate(item_ids)], batch_size=5000)
    started = time.monotonic()
    batch = []
    for n in range(total):
        roll = n % 10
        if roll < 4:  # incident fields, a third of them restricted
            pk, project = incident_ids[n % len(incident_ids)]
            text = words(rng, rng.randint(3, 40))
            row = SearchEntry(kind="incident", object_id=pk, incident_id=pk, project_id=project, field="notes",
                              restricted=n % 3 == 0, weight=3, text=text, norm=document(text))
        elif roll < 5:
            pk, project = incident_ids[n % len(incident_ids)]
            text = words(rng, rng.randint(3, 20))
            row = SearchEntry(kind="comment", object_id=n, incident_id=pk, project_id=project, field="body",
                              weight=3, text=text, norm=document(text))
        elif roll < 8:
            pk = item_ids[n % len(item_ids)]
            text = words(rng, rng.randint(5, 60))
            row = SearchEntry(kind="capture", object_id=n, item_id=pk, project_id=projects[(n // 10) % 3].pk,
                              field="text", restricted=True, weight=3, text=text, norm=document(text))
        else:
            pk = item_ids[n % len(item_ids)]
            text = "video · video/mp4 · h264"
            row = SearchEntry(kind="item", object_id=pk, item_id=pk, field="media", weight=1, text=text,
                              norm=document(text))
        batch.append(row)
        if len(batch) == 5000:
            with transaction.atomic():
                SearchEntry.objects.bulk_create(batch)
            batch = []
    with transaction.atomic():
        SearchEntry.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{connection.vendor}: wrote {total} entries in {time.monotonic() - started:.1f} s "
          f"({n_incidents} incidents, {n_items} items)")
    return {"viewer": viewer, "restricted": restricted}


QUERIES = ["قصف", "مشفي", "المشفى الميداني", "hospital strike", "video", "ref123", "kafranbel", "دير الزور",
           "strike hosp", "nothingmatches"]


def timed(fn, runs: int = 20) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    drop = setup()
    try:
        users = fill(total)
        from marsad.incidents.filters import Filters
        from marsad.incidents.models import Incident
        from marsad.search.query import incidents_matching, search

        for who, user in users.items():
            for text in QUERIES:
                page = search(user, text)
                p50, p95 = timed(lambda: search(user, text))
                print(f"  {who:10} search {text!r:22} total {page.total_text:>6}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
        user = users["viewer"]
        for text in ("قصف", "hospital strike"):
            p50, p95 = timed(lambda: search(user, text, filters=Filters(status="new")))
            print(f"  viewer     search {text!r:22} + status=new        p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
            p50, p95 = timed(lambda: list(Filters(q=text).apply(Incident.objects.all(), user)
                                          .order_by("-event_date", "-id")[:50]))
            print(f"  viewer     table  q={text!r:20} (incidents_matching) p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
        assert incidents_matching  # imported for the reader: the table path above goes through it
    finally:
        drop()


if __name__ == "__main__":
    main()

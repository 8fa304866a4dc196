"""Fill a workspace with synthetic evidence and incidents by bulk SQL.

Not through the ingest pipeline: rows are generated here (seeded, so two runs
hold the same data) and written with COPY on PostgreSQL, executemany inside one
transaction per table on SQLite. What the pages read is there in realistic
shape: items with one capture and one thumbnail or poster each, held by a
project; incidents with a few linked items and a short change history.

Log indexes are unique integers far above the real log: the custody log itself
stays small (only the genesis and the access events), so pages that look up
custody events find none for these items. Copies: 30% of items are in a cluster
of three. exiftool metadata exists only for the items the load requests.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

START = datetime(2018, 1, 1, tzinfo=timezone.utc)
SPAN_S = 2 * 365 * 86400  # first_seen spread over 2018-2019
# Each table's log_index in its own range, far above the real log's leaves.
ITEM_LOG, CAPTURE_LOG, DERIVATIVE_LOG, CHANGE_LOG, COPY_LOG, ANALYSIS_LOG = (n * 10**10 for n in range(1, 7))
CLUSTER_EVERY = 10  # items 10k+1, 10k+2, 10k+3 are copies of each other (30% of items in a cluster of 3)
OTHER_EVERY = 20  # every 20th item and incident belongs to a project the bench user is not in

KINDS = [  # kind, share, mimes, size range (bytes)
    ("image", 0.55, ["image/jpeg", "image/png", "image/webp"], (40_000, 6_000_000)),
    ("video", 0.35, ["video/mp4", "video/quicktime", "video/webm"], (500_000, 900_000_000)),
    ("audio", 0.04, ["audio/ogg", "audio/mpeg"], (20_000, 30_000_000)),
    ("document", 0.05, ["application/pdf"], (20_000, 20_000_000)),
    ("other", 0.01, ["application/octet-stream"], (100, 5_000_000)),
]
SOURCES = [("file", 0.6), ("telegram", 0.3), ("web", 0.1)]
TOWNS = ["Kafranbel", "كفرنبل", "Douma", "دوما", "Saraqib", "سراقب", "Idlib", "إدلب", "Aleppo", "حلب",
         "Maarat al-Numan", "معرة النعمان", "Khan Shaykhun", "خان شيخون", "Ariha", "أريحا"]
TAGS = ["hospital", "market", "school", "cluster-munition", "chlorine", "barrel-bomb", "night", "مستشفى", "سوق"]
STATUSES = [("new", 0.4), ("in_review", 0.25), ("needs_second_review", 0.1), ("verified", 0.2), ("discounted", 0.05)]
GRADES = [("unassessed", 0.5), ("fair", 0.2), ("weak", 0.1), ("contested", 0.05), ("confirmed", 0.1),
          ("discounted", 0.05)]


# Post texts as channels write them: a few dozen phrasings, with towns, numbers and diacritics, so a search
# for a common word matches hundreds of thousands of rows and one for a rare word a handful.
PHRASES = ["قَصْفٌ على السوق في {town}", "غارة جوية على مشفى {town} وخروجه عن الخدمة",
           "استهداف مدرسة في {town} بالبراميل المتفجرة", "{n} شهداء بينهم أطفال جراء القصف على {town}",
           "قصف مدفعي على الأحياء السكنية في {town}", "لحظة سقوط الصواريخ على {town} #عاجل",
           "Airstrike on the market in {town}, {n} killed", "Shelling hits a school in {town}",
           "Civil Defence pull survivors from rubble in {town}", "مظاهرة في {town} ضد القصف",
           "الدفاع المدني يخمد الحرائق بعد الغارات على {town}", "Barrel bombs on {town} this morning"]


def post_text(rng: random.Random, i: int) -> str:
    return rng.choice(PHRASES).format(town=rng.choice(TOWNS), n=rng.randrange(2, 40)) + f" ({i})"


def pick(rng: random.Random, weighted: list) -> tuple:
    x, acc = rng.random(), 0.0
    for entry in weighted:
        acc += entry[1]
        if x < acc:
            return entry
    return weighted[-1]


@dataclass
class Filled:
    """What the load needs to know about the data: visible items and incidents to request."""

    item_shas: list[str] = field(default_factory=list)
    incident_codes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


class Writer:
    """Bulk rows into one model's table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"

    def write(self, model, fields: list[str], rows: Iterable[tuple]) -> int:
        from django.db import transaction

        opts = model._meta
        q = self.connection.ops.quote_name
        # Columns a later migration adds get their model default, so the bench keeps up with the models.
        named = {opts.get_field(f).name for f in fields}
        extra = [f for f in opts.concrete_fields if f.name not in named and not f.null and not f.primary_key]
        missing = [f.name for f in extra if not f.has_default() and not f.empty_strings_allowed]
        if missing:
            raise RuntimeError(f"{opts.label}: no synthetic value for {', '.join(missing)}")
        tail = tuple(f.get_db_prep_save(f.get_default(), self.connection) for f in extra)
        rows = (row + tail for row in rows) if tail else rows
        columns = ", ".join(q(f.column) for f in [opts.get_field(f) for f in fields] + extra)
        fields = fields + [f.name for f in extra]
        table = q(opts.db_table)
        self.connection.ensure_connection()
        raw = self.connection.connection
        n = 0
        if self.pg:
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            return n
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(fields))})"
        batch: list[tuple] = []
        with transaction.atomic():
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) == 50_000:
                    raw.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
            raw.executemany(sql, batch)
        return n + len(batch)


def _sqlite_value(v):
    # Django keeps SQLite datetimes as naive UTC text and booleans as 0/1.
    if isinstance(v, datetime):
        return str(v.astimezone(timezone.utc).replace(tzinfo=None))
    if isinstance(v, date):
        return v.isoformat()
    return v


def fill(items: int, incidents: int, *, project_id: int, other_project_id: int, actor: str,
         assignee_id: int, picks: int = 1000, seed: int = 13) -> Filled:
    from django.core.management.color import no_style
    from django.db import connection

    from marsad.access.models import ProjectItem
    from marsad.evidence.models import Capture, Derivative, Item
    from marsad.incidents.models import Incident, IncidentChange, IncidentItem

    out = Filled()
    w = Writer()
    rng = random.Random(seed)
    visible_items = [i for i in range(1, items + 1) if i % OTHER_EVERY]
    pick_items = set(rng.sample(visible_items, min(picks, len(visible_items))))
    kinds: dict[int, str] = {}

    def owner(i: int) -> int:
        return other_project_id if i % OTHER_EVERY == 0 else project_id

    first_seen: dict[int, datetime] = {}

    def item_rows() -> Iterator[tuple]:
        for i in range(1, items + 1):
            kind, _, mimes, (lo, hi) = pick(rng, KINDS)
            seen = START + timedelta(seconds=rng.randrange(SPAN_S))
            kinds[i], first_seen[i] = kind, seen
            sha = rng.randbytes(32).hex()
            if i in pick_items:
                out.item_shas.append(sha)
            visual = kind in ("image", "video")
            captured = seen - timedelta(seconds=rng.randrange(30 * 86400)) if visual and rng.random() < 0.7 else None
            width, height = rng.choice([(1920, 1080), (1280, 720), (4032, 3024)]) if visual else (None, None)
            yield (i, sha, rng.randbytes(64).hex(), int(lo * (hi / lo) ** rng.random()), rng.choice(mimes), kind,
                   seen, ITEM_LOG + i, "done", "", "[]", captured,
                   captured.strftime("%Y:%m:%d %H:%M:%S") if captured else "", "exif" if captured else "",
                   width, height,
                   round(rng.uniform(3, 600), 2) if kind in ("video", "audio") else None,
                   "h264" if kind == "video" else "", "", "", rng.random() < 0.05)

    item_fields = ["id", "sha256", "blake2b", "size", "mime", "kind", "first_seen", "log_index", "analysis",
                   "analysis_task", "analysis_errors", "captured_at", "captured_at_text", "captured_at_source",
                   "width", "height", "duration_s", "codec", "make", "model", "graphic"]

    def capture_rows() -> Iterator[tuple]:
        for i in range(1, items + 1):
            source = pick(rng, SOURCES)[0]
            name = f"IMG_{i:07d}.jpg" if kinds[i] == "image" else f"VID_{i:07d}.mp4"
            seen = first_seen[i]
            telegram, web = source == "telegram", source == "web"
            yield (i, i, owner(i), source, rng.randbytes(32).hex(), f"/media/import-{i % 97}/{name}", "", name,
                   seen - timedelta(hours=2), seen, actor,
                   f"https://t.me/channel{i % 300}/{i}" if telegram else (f"https://example.org/v/{i}" if web else ""),
                   f"channel{i % 300}" if telegram else "", str(i) if telegram else "",
                   seen - timedelta(hours=1) if telegram else None,
                   post_text(rng, i) if telegram else "", "{}", CAPTURE_LOG + i)

    capture_fields = ["id", "item", "project", "source_kind", "sighting_key", "original_path", "original_path_b64",
                      "original_name", "file_mtime", "ingested_at", "ingested_by", "url", "channel", "post_id",
                      "posted_at", "text", "source_details", "log_index"]

    def derivative_rows() -> Iterator[tuple]:
        for i in range(1, items + 1):
            if kinds[i] in ("image", "video"):
                role = "thumbnail" if kinds[i] == "image" else "poster"
                yield (i, role, rng.randbytes(32).hex(), "image/jpeg", rng.randrange(8_000, 60_000),
                       first_seen[i], DERIVATIVE_LOG + i)

    def project_item_rows() -> Iterator[tuple]:
        for i in range(1, items + 1):
            yield (owner(i), i, first_seen[i])

    t0 = time.perf_counter()
    out.rows["items"] = w.write(Item, item_fields, item_rows())
    out.seconds["items"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out.rows["captures"] = w.write(Capture, capture_fields, capture_rows())
    out.seconds["captures"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out.rows["derivatives"] = w.write(Derivative, ["item", "role", "sha256", "mime", "size", "created", "log_index"],
                                      derivative_rows())
    out.seconds["derivatives"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out.rows["project_items"] = w.write(ProjectItem, ["project", "item", "added_at"], project_item_rows())
    out.seconds["project_items"] = time.perf_counter() - t0

    def copy_rows() -> Iterator[tuple]:
        n = 0
        for base in range(0, items - 2, CLUSTER_EVERY):
            for a, b in ((1, 2), (1, 3), (2, 3)):
                n += 1
                yield (base + a, base + b, rng.randrange(0, 31), 1.0, round(rng.uniform(0.5, 1.0), 2),
                       "photo: PDQ distance within 31 (whole picture)", first_seen[base + b], COPY_LOG + n)

    def metadata_rows() -> Iterator[tuple]:
        # Only for the items the load requests: a full table of exiftool output would be gigabytes.
        ids = [i for i in range(1, items + 1) if i in pick_items]
        for n, i in enumerate(ids):
            tags = {"File:FileType": "JPEG", "File:MIMEType": "image/jpeg", "EXIF:Make": "Samsung",
                    "EXIF:Model": "SM-A515F", "EXIF:SerialNumber": f"R58N{i:08d}", "GPS:GPSLatitude": 35.5,
                    "GPS:GPSLongitude": 36.6, "Composite:ImageSize": "1920x1080"}
            tags |= {f"EXIF:Tag{t:02d}": f"value {t}" for t in range(30)}
            yield (i, "metadata", True, json.dumps({"exiftool": tags}), "", '{"exiftool": "12.57"}',
                   first_seen[i], ANALYSIS_LOG + n)

    t0 = time.perf_counter()
    from marsad.evidence.models import AnalysisResult
    from marsad.matching.models import CopyLink

    out.rows["copy_links"] = w.write(CopyLink, ["a", "b", "distance", "share_a", "share_b", "reason", "created",
                                                "log_index"], copy_rows())
    out.rows["analysis_results"] = w.write(AnalysisResult, ["item", "step", "ok", "result", "error", "tool",
                                                            "created", "log_index"], metadata_rows())
    out.seconds["copies_and_metadata"] = time.perf_counter() - t0

    from marsad.incidents.service import EVENT_TYPES

    from marsad.incidents.models import Place
    from marsad.incidents.places import ensure_default

    ensure_default(actor)  # the embedded gazetteer: 14 governorates, about 300 towns with coordinates
    towns = list(Place.objects.filter(level=4, lat__isnull=False).values_list("pk", "name", "name_ar", "lat", "lon",
                                                                               "parent__key"))
    # Most documentation of 2018-2019 is from Idlib: half the incidents there, the rest anywhere.
    idlib = [t for t in towns if t[5] == "geonames:gov:idleb"] or towns
    events = [(etype, disorder, sub) for etype, (disorder, subs) in EVENT_TYPES.items() for sub in subs]
    visible_incidents = [i for i in range(1, incidents + 1) if i % OTHER_EVERY]
    pick_incidents = set(rng.sample(visible_incidents, min(picks, len(visible_incidents))))
    other_items = list(range(OTHER_EVERY, items + 1, OTHER_EVERY)) or [1]
    history: list[tuple] = []
    links: list[tuple] = []

    def incident_rows() -> Iterator[tuple]:
        for i in range(1, incidents + 1):
            code = f"SYR{i:06d}"
            if i in pick_incidents:
                out.incident_codes.append(code)
            other = owner(i) == other_project_id
            etype, disorder, sub = rng.choice(events)
            place_id, name, name_ar, lat, lon, _gov = rng.choice(idlib if rng.random() < 0.5 else towns)
            town = name_ar if rng.random() < 0.5 else name
            day = (START + timedelta(seconds=rng.randrange(SPAN_S))).date()
            created = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(days=rng.randrange(1, 30))
            status, grade = pick(rng, STATUSES)[0], pick(rng, GRADES)[0]
            best = rng.randrange(0, 40) if rng.random() < 0.6 else None
            yield (i, code, owner(i), f"{sub} — {town}", day, 1, disorder, etype,
                   sub, "", "", "", "", rng.random() < 0.5, town, place_id, lat + rng.uniform(-0.01, 0.01),
                   lon + rng.uniform(-0.01, 0.01), 1, best, best, grade,
                   "" if grade == "unassessed" else "footage and two witnesses", status,
                   assignee_id if rng.random() < 0.05 else None,
                   "[" + ", ".join(f'"{t}"' for t in rng.sample(TAGS, rng.randrange(0, 4))) + "]",
                   post_text(rng, i) if rng.random() < 0.5 else "",
                   # Restricted: a witness for one incident in ten (a search bench must not find these as viewer).
                   f"شاهد {i}" if i % 10 == 0 else "", "", "", created, actor)
            pool = other_items if other else visible_items
            for item_id in {rng.choice(pool) for _ in range(rng.randrange(1, 6))}:
                links.append((i, item_id, rng.choice(["primary", "corroborating", "context"]), created, actor))
            history.append((i, "create", "", None, '{"title": "%s"}' % sub, "[]", "", actor, created))
            for n in range(rng.randrange(0, 4)):
                history.append((i, "set", "status", '"new"', f'"{status}"', "[]", "reviewed the footage", actor,
                                created + timedelta(days=n + 1)))

    incident_fields = ["id", "code", "project", "title", "event_date", "time_precision", "disorder_type",
                       "event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2", "assoc_actor_2",
                       "civilian_targeting", "location_text", "place", "latitude", "longitude", "geo_precision",
                       "fatalities_best", "civilian_deaths_best", "grade", "grade_reason", "status", "assignee",
                       "tags", "notes", "witness_names", "witness_contacts", "source_notes", "created", "created_by"]
    t0 = time.perf_counter()
    out.rows["incidents"] = w.write(Incident, incident_fields, incident_rows())
    out.rows["incident_items"] = w.write(IncidentItem, ["incident", "item", "role", "added_at", "added_by"], links)
    out.rows["incident_changes"] = w.write(
        IncidentChange, ["incident", "action", "field", "old", "new", "evidence", "reason", "actor", "at", "log_index"],
        (row + (CHANGE_LOG + n,) for n, row in enumerate(history)))
    out.seconds["incidents"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        # Explicit ids were written: move the id sequences past them (PostgreSQL; SQLite needs nothing).
        for sql in connection.ops.sequence_reset_sql(no_style(), [Item, Capture, Derivative, ProjectItem, Incident,
                                                                   IncidentItem, IncidentChange]):
            cur.execute(sql)
        # The app keeps each project's count as it holds items; rows written here in bulk skip that.
        cur.execute("UPDATE access_project SET item_count = (SELECT COUNT(*) FROM access_projectitem "
                    "WHERE access_projectitem.project_id = access_project.id)")
    out.seconds["sequences"] = time.perf_counter() - t0
    return out


def analyze() -> float:
    """Planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would have them by now."""
    from django.db import connection

    t0 = time.perf_counter()
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - t0


def fill_search(chunk: int = 50_000) -> dict[str, float]:
    """The search index for what fill() wrote, built by marsad.search's own builders (the same
    rows `marsad search reindex` writes) and written in bulk: reindex reads object by object.
    Read a chunk, then write it: a COPY holds the connection, so no query may run inside it."""
    from types import SimpleNamespace

    from marsad.evidence.models import Capture, Item
    from marsad.incidents.models import Incident
    from marsad.search import index
    from marsad.search.models import SearchEntry

    columns = ["kind", "object_id", "field", "incident_id", "item_id", "project_id", "restricted", "weight", "text",
               "norm"]
    # Places are indexed already: the gazetteer was loaded through the ORM, whose signals index it.
    sources = [
        (Item, ("id", "kind", "mime", "codec", "make", "model"),
         lambda row: index.item_entries(SimpleNamespace(pk=row["id"], **row), {})),
        (Capture, ("id", "item_id", "project_id", "text", "source_details", "channel", "original_name", "url"),
         lambda row: index.capture_entries(SimpleNamespace(pk=row["id"], **row))),
    ]
    w, n = Writer(), 0
    t0 = time.perf_counter()
    for model, fields, build in sources:
        last = 0
        while True:
            rows = list(model.objects.filter(id__gt=last).order_by("id").values(*fields)[:chunk])
            if not rows:
                break
            last = rows[-1]["id"]
            entries = [e for row in rows for e in build(row)]
            n += w.write(SearchEntry, columns, [tuple(getattr(e, c) for c in columns) for e in entries])
    incidents = list(Incident.objects.select_related("place").order_by("pk"))
    entries = [e for incident in incidents for e in index.incident_entries(incident)]
    n += w.write(SearchEntry, columns, [tuple(getattr(e, c) for c in columns) for e in entries])
    return {"search_entries": n, "seconds": time.perf_counter() - t0}

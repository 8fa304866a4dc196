"""What is indexed, and keeping it in step.

Each object becomes a few SearchEntry rows, one per field, carrying who may read
it: the incident's (or comment's, or capture's) project, and a restricted flag for
the fields roles.RESTRICTED_* name. `refresh(obj)` rewrites an object's rows;
signals.py calls it when an object is saved; `reindex()` rebuilds everything."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS, SAFE_METADATA_TAGS

from .models import SearchEntry
from .normalise import MAX_TEXT, document

Kind = SearchEntry.Kind

# field: weight. A word in the code or title says more about an incident than one in its notes.
INCIDENT_FIELDS = {"code": 10, "title": 8, "place": 6, "location_text": 5, "tags": 5, "actor1": 3, "actor2": 3,
                   "notes": 3, "grade_reason": 2, "witness_names": 4, "witness_contacts": 4, "source_notes": 3}
CAPTURE_DETAILS = ("title", "description", "caption")  # page titles and the like, in source_details
SEP = " · "


def _entry(kind: str, obj_id: int, field: str, text: str, weight: int, **where) -> SearchEntry | None:
    text = (text or "").strip()[:MAX_TEXT]
    norm = _short_document(text) if len(text) <= 200 else document(text)
    if not norm:
        return None
    return SearchEntry(kind=kind, object_id=obj_id, field=field, text=text, norm=norm, weight=weight, **where)


@functools.lru_cache(maxsize=4096)
def _short_document(text: str) -> str:
    # Short fields recur across rows (a channel's name on each of its posts, an item's
    # "photo · image/jpeg"): each is normalised once.
    return document(text)


def place_text(place) -> str:
    names = [place.name, place.name_ar, *[n for n in (place.names or []) if isinstance(n, str)]]
    return SEP.join(dict.fromkeys(n for n in names if n))


def incident_entries(incident) -> Iterator[SearchEntry]:
    where = {"incident_id": incident.pk, "project_id": incident.project_id}
    for field, weight in INCIDENT_FIELDS.items():
        if field == "place":
            text = place_text(incident.place) if incident.place_id else ""
        elif field == "tags":
            text = SEP.join(t for t in (incident.tags or []) if isinstance(t, str))
        else:
            text = getattr(incident, field)
        entry = _entry(Kind.INCIDENT, incident.pk, field, text, weight,
                       restricted=field in RESTRICTED_INCIDENT_FIELDS, **where)
        if entry:
            yield entry


def comment_entries(comment) -> Iterator[SearchEntry]:
    # Comments are shown to everyone who may open the incident page (web/incidents/detail.py).
    project_id = comment.incident.project_id
    entry = _entry(Kind.COMMENT, comment.pk, "body", comment.body, 3, incident_id=comment.incident_id,
                   project_id=project_id)
    if entry:
        yield entry


def capture_entries(capture) -> Iterator[SearchEntry]:
    # Every capture field may lead to a source (roles.RESTRICTED_CAPTURE_FIELDS).
    details = capture.source_details if isinstance(capture.source_details, dict) else {}
    texts = {"text": (capture.text, 3),
             "title": (SEP.join(str(details[k]) for k in CAPTURE_DETAILS if isinstance(details.get(k), str)), 3),
             "channel": (capture.channel, 2), "original_name": (capture.original_name, 2), "url": (capture.url, 1)}
    for field, (text, weight) in texts.items():
        entry = _entry(Kind.CAPTURE, capture.pk, field, text, weight, item_id=capture.item_id,
                       project_id=capture.project_id, restricted=True)
        if entry:
            yield entry


def item_entries(item, tags: dict | None = None) -> Iterator[SearchEntry]:
    if tags is None:
        from marsad.evidence.metadata import exiftool_tags

        tags = exiftool_tags(item.pk)
    safe = [str(tags[name]) for name in SAFE_METADATA_TAGS if isinstance(tags.get(name), str)]
    texts = {"media": (SEP.join(dict.fromkeys(v for v in (item.kind, item.mime, item.codec, *safe) if v)), 1, False),
             "camera": (SEP.join(v for v in (item.make, item.model) if v), 2, True)}
    for field, (text, weight, restricted) in texts.items():
        entry = _entry(Kind.ITEM, item.pk, field, text, weight, item_id=item.pk, restricted=restricted)
        if entry:
            yield entry


def place_entries(place) -> Iterator[SearchEntry]:
    entry = _entry(Kind.PLACE, place.pk, "name", place_text(place), 6)
    if entry:
        yield entry


BUILDERS = {"Incident": (Kind.INCIDENT, incident_entries), "Comment": (Kind.COMMENT, comment_entries),
            "Capture": (Kind.CAPTURE, capture_entries), "Item": (Kind.ITEM, item_entries),
            "Place": (Kind.PLACE, place_entries)}


def refresh(obj, created: bool = False) -> None:
    """Rewrite the index rows of one object (an Incident, Comment, Capture, Item or Place);
    `created`: it is new, so it has no rows yet (and an item no analysis)."""
    kind, build = BUILDERS[type(obj).__name__]
    new = list(build(obj, {}) if created and kind == Kind.ITEM else build(obj))
    if created:
        SearchEntry.objects.bulk_create(new)
        return
    with transaction.atomic():
        old = {(e.field, e.text): e.pk for e in SearchEntry.objects.filter(kind=kind, object_id=obj.pk)}
        # Rows whose text did not change stay: a save that touched one field rewrites one row.
        keep = {(e.field, e.text) for e in new} & set(old)
        stale = [pk for key, pk in old.items() if key not in keep]
        if stale:
            SearchEntry.objects.filter(pk__in=stale).delete()
        SearchEntry.objects.bulk_create([e for e in new if (e.field, e.text) not in keep])
        if keep:
            # The project or restriction may have moved (an item's capture reassigned): keep rows true.
            for e in new:
                if (e.field, e.text) in keep:
                    SearchEntry.objects.filter(pk=old[(e.field, e.text)]).exclude(
                        project_id=e.project_id, restricted=e.restricted, incident_id=e.incident_id,
                        item_id=e.item_id).update(project_id=e.project_id, restricted=e.restricted,
                                                  incident_id=e.incident_id, item_id=e.item_id)


def add_created(objs: list) -> None:
    """The rows of objects just made with `bulk_create` (which sends no signals): many
    new captures or items at once, as `refresh(obj, created=True)` would make them."""
    if not objs:
        return
    kind, build = BUILDERS[type(objs[0]).__name__]
    rows = (e for obj in objs for e in (build(obj, {}) if kind == Kind.ITEM else build(obj)))
    for batch in _batches(rows):
        _insert(batch)


def _insert(entries: list[SearchEntry]) -> None:
    """What `bulk_create` writes, as plain multi-row INSERTs: every column is a string, number
    or flag, and Django's compiling of each value was most of the cost of indexing a bulk
    import. Many rows a statement, not executemany's one: SQLite's FTS5 triggers then write
    a fifth of the pages."""
    fields = [f for f in SearchEntry._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per = (connection.features.max_query_params or 60_000) // len(fields)
    with connection.cursor() as cursor:
        for start in range(0, len(entries), per):
            chunk = entries[start:start + per]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))}",
                           [getattr(e, f.attname) for e in chunk for f in fields])


def forget(obj) -> None:
    kind, _ = BUILDERS[type(obj).__name__]
    SearchEntry.objects.filter(kind=kind, object_id=obj.pk).delete()


def refresh_place_incidents(place) -> None:
    """A place's names changed: the incidents there carry them in their "place" row."""
    from marsad.incidents.models import Incident

    for incident in Incident.objects.filter(place=place).select_related("place"):
        refresh(incident)


def refresh_places(places: list) -> None:
    """Rebuild the rows of many places at once (a gazetteer import), and of the incidents
    at them, whose "place" row carries the place's names."""
    from marsad.incidents.models import Incident

    ids = [p.pk for p in places]
    for batch in _batches(ids, 500):
        SearchEntry.objects.filter(kind=Kind.PLACE, object_id__in=batch).delete()
    for batch in _batches((e for p in places for e in place_entries(p)), 2000):
        SearchEntry.objects.bulk_create(batch)
    for batch in _batches(ids, 500):
        for incident in Incident.objects.filter(place_id__in=batch).select_related("place"):
            refresh(incident)


def _batches(rows: Iterable, size: int = 2000) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _all_entries() -> Iterator[SearchEntry]:
    from marsad.evidence.models import Capture, Item
    from marsad.incidents.models import Comment, Incident, Place

    for place in Place.objects.order_by("pk").iterator(2000):
        yield from place_entries(place)
    for item in Item.objects.order_by("pk").iterator(2000):
        # One query for the tags of a batch would be faster; a reindex is rare and this reads well.
        yield from item_entries(item)
    for capture in Capture.objects.order_by("pk").iterator(2000):
        yield from capture_entries(capture)
    for incident in Incident.objects.select_related("place").order_by("pk").iterator(2000):
        yield from incident_entries(incident)
    for comment in Comment.objects.select_related("incident").order_by("pk").iterator(2000):
        yield from comment_entries(comment)


def reindex() -> int:
    """Rebuild the whole index; returns the number of rows written."""
    count = 0
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        for batch in _batches(_all_entries()):
            SearchEntry.objects.bulk_create(batch)
            count += len(batch)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    return count

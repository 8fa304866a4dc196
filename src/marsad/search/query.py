"""Searching the index: what the search page, the API, the CLI and the shared filter
(marsad.incidents.filters) call.

Who may read a row is decided in SQL from access.rules (projects_where "view" and
"view_restricted"), before anything is ranked or counted. A search reads at most
CAP matching rows, newest first, straight from the full-text index; ranking,
grouping per object and highlighting happen in Python on those rows only, so both
databases rank and highlight the same rows the same way."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet

from marsad.core import cursor as cursors

from .models import SearchEntry
from .normalise import Query, highlight, query

Kind = SearchEntry.Kind
CAP = 1000  # matching rows read per search; more shows as "1000+"
INCIDENT_KINDS = (Kind.INCIDENT, Kind.COMMENT)
ITEM_KINDS = (Kind.ITEM, Kind.CAPTURE)


class Matches(Func):
    """The row's normalised text holds every query word: FTS5 on SQLite, the GIN-indexed
    tsvector column on PostgreSQL."""

    output_field = BooleanField()

    def __init__(self, q: Query, tested: bool = False):
        super().__init__(F("id"), F("norm"))
        self.q = q
        self.tested = tested

    def as_sql(self, compiler, connection, **extra):
        id_sql, id_params = compiler.compile(self.source_expressions[0])
        norm_sql, norm_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "sqlite":
            # `tested`: rows come from another index (incident_id, item_id) and are tested against
            # the matches, read once into a list; "+" keeps SQLite from reading rows by the matches'
            # rowids instead (300,000 lookups for a common word: 480 -> 140 ms at 1 M items).
            return (f"{'+' if self.tested else ''}{id_sql} IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
                    [*id_params, self.q.fts5()])
        # tsv: the generated column to_tsvector('simple', norm) (migration 0002), beside norm.
        tsv_sql = norm_sql[: -len('"norm"')] + '"tsv"'
        return f"{tsv_sql} @@ to_tsquery('simple', %s)", [*norm_params, self.q.tsquery()]


@dataclass(frozen=True)
class Scope:
    """Projects whose rows one may read; None: every project (the workspace owner at the CLI)."""

    view: tuple[int, ...] | None
    restricted: tuple[int, ...] | None

    @classmethod
    def of(cls, user) -> Scope:
        from marsad.access.rules import projects_where

        return cls(tuple(projects_where(user, "view")), tuple(projects_where(user, "view_restricted")))

    @classmethod
    def everything(cls, project_id: int | None = None) -> Scope:
        return cls(None, None) if project_id is None else cls((project_id,), (project_id,))

    def q(self) -> Q:
        from marsad.access.models import ProjectItem

        def held(projects):
            return Exists(ProjectItem.objects.filter(item_id=OuterRef("item_id"), project_id__in=projects))

        if self.view is None:
            return Q()
        if not self.view:
            return Q(kind=Kind.PLACE)
        return (Q(kind=Kind.PLACE)
                | Q(kind__in=[Kind.INCIDENT, Kind.COMMENT, Kind.CAPTURE], restricted=False, project_id__in=self.view)
                | Q(kind__in=[Kind.INCIDENT, Kind.COMMENT, Kind.CAPTURE], restricted=True,
                    project_id__in=self.restricted)
                | Q(held(self.view), kind=Kind.ITEM, restricted=False)
                | Q(held(self.restricted), kind=Kind.ITEM, restricted=True))


def entries(scope: Scope, text: str | Query, tested: bool = False) -> QuerySet[SearchEntry]:
    """Index rows matching `text` that `scope` may read (`tested`: see Matches)."""
    q = text if isinstance(text, Query) else query(text)
    if not q:
        return SearchEntry.objects.none()
    return SearchEntry.objects.filter(Matches(q, tested)).filter(scope.q())


def incidents_matching(user, text: str):
    """Incident ids whose searchable text (as the user may read it) matches `text`."""
    return entries(Scope.of(user), text).filter(kind__in=INCIDENT_KINDS).values("incident_id")


def items_matching(user, text: str):
    """Item ids whose searchable text (as the user may read it) matches `text`."""
    return entries(Scope.of(user), text).filter(kind__in=ITEM_KINDS).values("item_id")


# -- the search proper -----------------------------------------------------------------------

@dataclass
class Hit:
    kind: str  # incident | comment | item | capture | place
    key: str  # incident code, item sha256 or place key
    title: str
    snippet_html: str  # escaped, the matching words in <mark>
    rank: float
    project: str | None  # project slug; None for places and items (held by projects, not of one)
    url_name: str
    url_args: tuple = ()
    url_query: str = ""  # "place=…" for a place: the incidents there
    url_fragment: str = ""
    field: str = ""  # which field matched best (title, notes, text, …)
    title_ar: str = ""  # a place's Arabic name

    def url(self) -> str:
        """The path, with the active language's prefix."""
        from django.urls import reverse

        return (reverse(self.url_name, args=self.url_args) + (f"?{self.url_query}" if self.url_query else "")
                + (f"#{self.url_fragment}" if self.url_fragment else ""))


@dataclass
class SearchPage:
    hits: list[Hit] = field(default_factory=list)
    next: str | None = None
    total: int = 0
    capped: bool = False  # more rows matched than were read: total is at least this

    @property
    def total_text(self) -> str:
        return f"{self.total}+" if self.capped else str(self.total)


@dataclass
class _Group:
    kind: str
    object_id: int
    best: SearchEntry
    score: float
    fields: int
    newest: int


def _score(entry: SearchEntry, q: Query) -> float:
    tokens = set(entry.norm.split())
    exact = all(t in tokens for t in q.tokens)
    return entry.weight * (1.0 if exact else 0.8)


def _groups(rows: list[SearchEntry], q: Query) -> list[_Group]:
    groups: dict[tuple[str, int], _Group] = {}
    for row in rows:
        score = _score(row, q)
        group = groups.get((row.kind, row.object_id))
        if group is None:
            groups[(row.kind, row.object_id)] = _Group(row.kind, row.object_id, row, score, 1, row.pk)
            continue
        group.fields += 1
        group.newest = max(group.newest, row.pk)
        if (score, row.pk) > (group.score, group.best.pk):
            group.best, group.score = row, score
    for group in groups.values():
        group.score = round(group.score + 0.5 * (group.fields - 1), 3)  # matched in several fields
    return sorted(groups.values(), key=lambda g: (-g.score, -g.newest))


def _cursor(offset: int) -> str:
    return cursors.encode(f"o{offset}")


def _offset(after: str | None) -> int:
    try:
        raw = cursors.decode(after)
        return max(0, int(raw[1:])) if raw.startswith("o") else 0
    except ValueError:  # a cursor no page gave (BadCursor is one) starts at the top
        return 0


def _keep_captures(rows: QuerySet, filters) -> QuerySet:
    """Capture rows only where the filter keeps them. A capture is one project's sighting:
    its text shows under that project and its own source only (the item may be held by
    another project too, or have come from another source)."""
    keep = Q()
    if filters.project:
        from marsad.access.models import Project

        keep &= Q(project_id__in=Project.objects.filter(slug=filters.project).values("pk"))
    if filters.source:
        from marsad.evidence.models import Capture

        keep &= Q(Exists(Capture.objects.filter(pk=OuterRef("object_id"), source_kind=filters.source)))
    return rows.exclude(Q(kind=Kind.CAPTURE) & ~keep) if keep else rows


def _narrowed(rows: QuerySet, user, filters) -> QuerySet:
    """Incident and item rows whose incident or item the shared filter chooses, asked of
    each row's own incident or item (EXISTS): for a wide filter, where walking the newest
    rows finds CAP soon. (IN here would sit under an OR, where PostgreSQL cannot join it
    and, once the chosen ids outgrow work_mem, reruns the subquery for every row.) Places
    belong to no project, date or status, so a filter leaves them out."""
    from marsad.evidence.models import Item
    from marsad.incidents.models import Incident

    incident = filters.apply(Incident.objects.filter(pk=OuterRef("incident_id")), user)
    item = filters.apply_items(Item.objects.filter(pk=OuterRef("item_id")), user)
    rows = rows.filter(Q(Exists(incident), kind__in=INCIDENT_KINDS) | Q(Exists(item), kind__in=ITEM_KINDS))
    return _keep_captures(rows, filters)


class AmongIds(Func):
    """`column` is one of `ids`, passed as one parameter however many there are (an array
    on PostgreSQL, whose planner then knows how many; a JSON list on SQLite)."""

    output_field = BooleanField()

    def __init__(self, column: str, ids: list[int]):
        super().__init__(F(column))
        self.ids = ids

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, self.ids]
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.ids)]


FEW = 50_000  # chosen incidents, and chosen items, at most for the filter to be read as lists


@dataclass
class Chosen:
    """What a narrow filter chooses: incident ids, item ids and, where the items are the
    links of the chosen incidents, the rest of the evidence filter (dates, kind, source)
    still to be asked of each matching row's item rather than of every linked item."""

    incident_ids: list[int]
    item_ids: list[int]
    pending: object | None = None  # a Filters, or None


def _chosen_ids(user, filters) -> Chosen | None:
    """The ids of the incidents and of the items the filter chooses, where both are FEW at
    most; None for a wide filter. Items are reached from what narrows them cheaply: the
    links of the incidents the incident choices select, or the capture-date index. A
    filter on kind, source or project alone is wide by nature."""
    from marsad.access.rules import visible_incidents
    from marsad.evidence.models import Item
    from marsad.incidents.filters import Filters
    from marsad.incidents.models import Incident, IncidentItem

    def few(ids_qs) -> list[int] | None:
        ids = list(ids_qs.order_by()[:FEW + 1])  # any order: no sort of what may be 50,000 rows
        return ids if len(ids) <= FEW else None

    choices = {name: getattr(filters, name) for name in Filters.INCIDENT_CHOICES}
    if not (any(choices.values()) or filters.date_from or filters.date_to):
        return None
    incident_ids = few(filters.apply(Incident.objects.all(), user).values_list("pk", flat=True))
    if incident_ids is None:
        return None
    evidence = dataclasses.replace(filters, **dict.fromkeys(choices, ""))
    if any(choices.values()):
        # the same evidence as apply_items: linked to an incident these choices select
        links = IncidentItem.objects.filter(incident__in=Filters(**choices).apply(visible_incidents(user), user))
        linked = few(links.values_list("item_id", flat=True))
        if linked is not None:
            # The dates (and kind, source) are asked of the matching rows' items only: a few
            # thousand reads where asking them of 28,000 linked items took 270 ms (1 M items).
            return Chosen(incident_ids, linked, evidence if evidence.active else None)
        if filters.date_from or filters.date_to:  # many links, but the dates may still narrow them
            items = Item.objects.filter(pk__in=links.values("item_id"))
        else:
            return None
    else:
        items = Item.objects.all()
    item_ids = few(evidence.apply_items(items, user).values_list("pk", flat=True))
    return None if item_ids is None else Chosen(incident_ids, item_ids)


def _driven(rows: QuerySet, user, filters, chosen: Chosen) -> list[int]:
    """The ids of every readable row that matches and belongs to the chosen incidents and
    items, each kind of row read through its own index (incident_id, item_id), in one
    query (PostgreSQL reads the words' index once): one day's evidence is 300 of a million
    items, and testing the filter on each of the 300,000 rows holding a common word,
    newest first, took seconds."""
    from marsad.evidence.models import Item

    # Only incident and comment rows have an incident_id, only item and capture rows an item_id:
    # no test of the kind, which PostgreSQL would read from its index (3 M rows) to intersect.
    of_items = Q(AmongIds("item_id", chosen.item_ids))
    if chosen.pending is not None:
        of_items &= Q(Exists(chosen.pending.apply_items(Item.objects.filter(pk=OuterRef("item_id")), user)))
    found = rows.filter(Q(AmongIds("incident_id", chosen.incident_ids)) | of_items)
    return list(_keep_captures(found, filters).values_list("id", flat=True))


def _rows(scope: Scope, q: Query, user, filters, kinds) -> list[SearchEntry]:
    def matching(tested: bool = False) -> QuerySet[SearchEntry]:
        found = entries(scope, q, tested)
        return found.filter(kind__in=list(kinds)) if kinds else found

    rows = matching()
    fields_ = ("id", "kind", "object_id", "field", "incident_id", "item_id", "project_id", "weight", "norm")
    chosen = dataclasses.replace(filters, q="") if filters is not None else None
    if chosen is not None and chosen.active:
        with _planned():
            ids = _chosen_ids(user, chosen)
            if ids is not None:
                newest = sorted(_driven(matching(tested=True), user, chosen, ids), reverse=True)[:CAP + 1]
                return list(SearchEntry.objects.filter(pk__in=newest).only(*fields_).order_by("-id"))
            # A wide filter: walk the newest matching rows, testing the filter on each (no
            # probe for a common word: with the filter's tests it reads every matching row).
            return list(_narrowed(rows, user, chosen).only(*fields_).order_by("-id")[:CAP + 1])
    newest = rows.only(*fields_).order_by("-id")[:CAP + 1]
    if connection.vendor != "postgresql":
        return list(newest)  # FTS5 hands rows over newest first and stops at the limit
    with _planned() as cursor:
        if _common(rows, cursor):
            # A word most readable rows hold: walking the newest rows (primary key, backwards)
            # and testing each stops after CAP matches, where the GIN bitmap would visit every
            # matching row first. The planner cannot tell (prefix matches are estimated blindly).
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
        return list(newest)


@contextlib.contextmanager
def _planned():
    """A cursor whose planner settings (SET LOCAL) last only for the block, with PostgreSQL's
    JIT off: compiling costs more (~150 ms) than these queries take."""
    if connection.vendor != "postgresql":
        yield None
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        try:
            yield cursor
        finally:
            # Inside a caller's transaction SET LOCAL would last until it ends: put them back now.
            for setting in ("jit", "enable_bitmapscan", "enable_seqscan"):
                cursor.execute(f"SET LOCAL {setting} TO DEFAULT")


PROBE = 5000


def _common(rows: QuerySet, cursor) -> bool:
    """Whether at least PROBE readable rows match, read through the GIN index (stopping at PROBE)."""
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute("SET LOCAL enable_indexscan = off")
    sql, params = rows.values("id").order_by()[:PROBE].query.sql_with_params()
    cursor.execute(f"SELECT count(*) FROM ({sql}) AS found", params)
    common = cursor.fetchone()[0] >= PROBE
    cursor.execute("SET LOCAL enable_seqscan = on")
    cursor.execute("SET LOCAL enable_indexscan = on")
    return common


def search(user, text: str, *, filters=None, kinds=None, limit: int = 50, after: str | None = None,
           scope: Scope | None = None) -> SearchPage:
    """Ranked hits for `text` that `user` may read, combined with the shared filter
    (`filters`: a marsad.incidents.filters.Filters) and limited to `kinds`. `after` is
    the `next` of the page before. `scope` replaces the user's projects (the CLI)."""
    q = query(text)
    if not q:
        return SearchPage()
    scope = scope or Scope.of(user)
    rows = _rows(scope, q, user, filters, kinds)
    capped = len(rows) > CAP
    groups = _groups(rows[:CAP], q)
    start = _offset(after)
    chosen = groups[start:start + limit]
    nxt = _cursor(start + limit) if start + limit < len(groups) else None
    return SearchPage(_hits(chosen, q), nxt, len(groups), capped)


def _hits(groups: list[_Group], q: Query) -> list[Hit]:
    from marsad.access.models import Project
    from marsad.evidence.models import Item
    from marsad.incidents.models import Incident, Place

    texts = dict(SearchEntry.objects.filter(pk__in=[g.best.pk for g in groups]).values_list("pk", "text"))
    incident_ids = {g.best.incident_id for g in groups if g.kind in INCIDENT_KINDS}
    incidents = {i.pk: i for i in Incident.objects.filter(pk__in=incident_ids).only("code", "title", "project_id")}
    item_ids = {g.best.item_id for g in groups if g.kind in ITEM_KINDS}
    items = dict(Item.objects.filter(pk__in=item_ids).values_list("pk", "sha256"))
    kinds = dict(Item.objects.filter(pk__in=item_ids).values_list("pk", "kind"))
    places = {p.pk: p for p in Place.objects.filter(pk__in=[g.object_id for g in groups if g.kind == Kind.PLACE])}
    slugs = dict(Project.objects.values_list("pk", "slug"))
    out = []
    for g in groups:
        e = g.best
        snippet = highlight(texts.get(e.pk, ""), q)
        common = {"kind": g.kind, "snippet_html": snippet, "rank": g.score, "field": e.field,
                  "project": slugs.get(e.project_id)}
        if g.kind in INCIDENT_KINDS:
            incident = incidents.get(e.incident_id)
            if incident is None:
                continue
            out.append(Hit(key=incident.code, title=incident.title or incident.code, url_name="incidents:detail",
                           url_args=(incident.code,), url_fragment="comments" if g.kind == Kind.COMMENT else "",
                           **common))
        elif g.kind in ITEM_KINDS:
            sha = items.get(e.item_id)
            if sha is None:
                continue
            out.append(Hit(key=sha, title=f"{kinds[e.item_id]} {sha[:12]}", url_name="items:detail", url_args=(sha,),
                           **common))
        else:
            place = places.get(g.object_id)
            if place is None:
                continue
            out.append(Hit(key=place.key, title=place.name, title_ar=place.name_ar, url_name="incidents:list",
                           url_query=urlencode({"place": place.key}), **common))
    return out

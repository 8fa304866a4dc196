"""Current state against history (issue 14): the rows that exports and pages read are
rebuilt from the custody log and compared with the database.

`verify.py` checks that each *event row* matches its leaf; this checks what those
events add up to. Someone who can write the database can change an incident's
fatalities, delete an evidence link, move a capture time or a place without touching
any event row; here that is named, field by field:

- incidents: every `incident` event (create, set, link, merge, split) is applied in
  log order, with what `incidents.service._apply` derives (a place gives coordinates
  and a location; a sub-event type gives its event and disorder type), and each
  Incident row and its IncidentItem links must be what that gives;
- places: each `gazetteer` event states the places it wrote (name, coordinates and a
  digest of every column, in its restricted details); each Place row must match the
  last event that wrote it;
- items: the facts an item shows (capture time, GPS, camera, size) must be what
  `evidence.analysis` derives from its metadata analysis result, whose digest the
  `analysis` event holds (compared with the row by `verify.py`).

What the log cannot decide is counted, not guessed at: an imported incident's state at
import rests on the project ZIP (only the changes made here are replayed), and places
written by gazetteer events older than the recorded place states are not replayed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any, NamedTuple

from marsad.core.custody.leaves import canonical

CHUNK = 2000
MAX_LISTED = 20  # mismatches of one kind listed one by one; the rest are counted
PLACES = "places"  # where a gazetteer event's details hold the places it wrote

# --- places -------------------------------------------------------------------------------------


def place_state(row: Any, keys: dict[int, str]) -> list:
    """What a gazetteer event records of a Place row: [name, lat, lon, digest of every column].
    `keys`: place id -> key, for the parent and the place it was folded into."""
    lat = None if row.lat is None else float(row.lat)
    lon = None if row.lon is None else float(row.lon)
    columns = [row.name, row.name_ar, list(row.names or []), lat, lon, int(row.level), keys.get(row.parent_id),
               row.pcode, row.source, row.kind, keys.get(row.merged_into_id)]
    return [row.name, lat, lon, hashlib.sha256(canonical(columns)).hexdigest()[:32]]


def place_states(rows: Iterable[Any]) -> dict[str, list]:
    """The states of Place rows as written (call after parents and folds are set)."""
    from marsad.incidents.models import Place

    rows = list(rows)
    keys = {r.pk: r.key for r in rows if r.pk is not None}
    wanted = {i for r in rows for i in (r.parent_id, r.merged_into_id) if i is not None} - set(keys)
    if wanted:
        keys |= dict(Place.objects.filter(pk__in=wanted).values_list("pk", "key"))
    return {r.key: place_state(r, keys) for r in rows}


# --- incidents ----------------------------------------------------------------------------------


class FromRow(NamedTuple):
    """A value an event derived from a place that no event recorded: read from its row."""

    key: str
    attr: str  # name | lat | lon


UNKNOWN = object()  # a derived value the log cannot give: not compared

# Fields whose value depends on the order they are applied in (`service._apply`); a
# create's values are a JSON object, whose key order PostgreSQL's jsonb does not keep.
ORDERED = (("place", "location_text", "latitude", "longitude"), ("event_type", "sub_event_type"))
DERIVED = ("place", "location_text", "latitude", "longitude", "event_type", "sub_event_type", "disorder_type")


def _event_types() -> tuple[dict[str, str], dict[str, str]]:
    from marsad.incidents.service import EVENT_TYPES

    disorder = {kind: d for kind, (d, _) in EVENT_TYPES.items()}
    kind_of = {sub: kind for kind, (_, subs) in EVENT_TYPES.items() for sub in subs}
    return disorder, kind_of


@dataclass
class IncidentState:
    first: int  # the event that began its history here
    alts: list[dict[str, Any]] = field(default_factory=lambda: [{}])  # usually one; see ORDERED
    links: dict[str, str | None] = field(default_factory=dict)  # sha256 -> role (None: not known here)
    unlinked: set[str] = field(default_factory=set)
    imported: bool = False
    known: set[str] = field(default_factory=set)  # for an imported incident: fields this log decides


class Replay:
    """Fed every event in log order (`see`), then compared with the database (`check`)."""

    def __init__(self) -> None:
        self.incidents: dict[str, IncidentState] = {}
        self.places: dict[str, tuple[int, list]] = {}  # key -> (event index, state)
        self.row_places: set[str] = set()  # keys whose values are read from the row
        self.disorder, self.kind_of = _event_types()

    # -- reading the log

    def see(self, index: int, leaf: dict[str, Any], details: Any) -> None:
        kind = leaf.get("type")
        if kind == "incident":
            self._incident(index, leaf, details if isinstance(details, dict) else {})
        elif kind == "gazetteer":
            found = details.get(PLACES) if isinstance(details, dict) else None
            for key, state in (found if isinstance(found, dict) else {}).items():
                self.places[key] = (index, state)

    def _incident(self, index: int, leaf: dict[str, Any], details: dict[str, Any]) -> None:
        out = (leaf.get("outputs") or [{}])[0]
        if not isinstance(out, dict) or not out.get("incident"):
            return
        code, action, name = str(out["incident"]), out.get("action"), out.get("field") or ""
        new = details.get("new")
        evidence = [i.get("sha256") for i in leaf.get("inputs") or [] if isinstance(i, dict)]
        tool = leaf.get("tool")
        imported = isinstance(tool, dict) and "imported" in tool
        state = self.incidents.get(code)
        if state is None:
            # An imported incident came with its fields and links (the project ZIP); a
            # history that does not begin with a create is not replayed either.
            state = self.incidents[code] = IncidentState(index, imported=imported or action != "create")
        if imported:
            return  # the record as it was elsewhere: values may be withheld, codes renamed
        if action == "create" and isinstance(new, dict) and index == state.first:
            state.alts = self._created(new, index)
        elif action == "set" and name:
            self._set(state, name, new, index)
        elif action == "link" and name == "item" and isinstance(new, dict) and new.get("sha256"):
            state.links[new["sha256"]] = new.get("role")
            state.unlinked.discard(new["sha256"])
        elif action == "link" and name == "role" and evidence:
            state.links[evidence[0]] = new
        elif action == "unlink":
            for sha in evidence:
                state.links.pop(sha, None)
                state.unlinked.add(sha)
        elif action == "merge" and name == "merged_into":
            self._set(state, "merged_into", new, index)
        elif action == "merge" and name == "merged_from":
            other = self.incidents.get(str(new))
            for sha in evidence:
                if sha not in state.links:
                    state.links[sha] = other.links.get(sha) if other else None  # None: not known here
                    state.unlinked.discard(sha)
        elif action == "split" and name == "split_to":
            other = self.incidents.setdefault(str(new), IncidentState(index, imported=True))
            for sha in evidence:
                other.links[sha] = state.links.pop(sha, None)
                other.unlinked.discard(sha)
                state.unlinked.add(sha)
            self._set(other, "split_from", code, index)

    def _created(self, new: dict[str, Any], index: int) -> list[dict[str, Any]]:
        """The values a create gave: each order its fields could have been applied in, where
        that matters (ORDERED); the two groups there touch different fields, so each is
        permuted on its own and the outcomes combined."""
        base: dict[str, Any] = {}
        for name, value in new.items():
            if not any(name in group for group in ORDERED):
                self._apply(base, name, value, index)
        alts = [base]
        for group in ORDERED:
            present = [name for name in new if name in group]
            outcomes = []
            for order in permutations(present):
                one: dict[str, Any] = {}
                for name in order:
                    self._apply(one, name, new[name], index)
                outcomes.append(one)
            alts = _distinct([alt | one for alt in alts for one in outcomes or [{}]])
        return alts

    def _set(self, state: IncidentState, name: str, value: Any, index: int) -> None:
        for alt in state.alts:
            self._apply(alt, name, value, index)
        state.known.add(name)
        if name == "place" and value is not None:
            state.known |= {"latitude", "longitude", "location_text"}
        if name in ("event_type", "sub_event_type"):
            state.known |= {"event_type", "disorder_type"}
        if len(state.alts) > 1:
            state.alts = _distinct(state.alts)

    def _apply(self, alt: dict[str, Any], name: str, value: Any, index: int) -> None:
        """`incidents.service._apply`, on recorded (JSON) values."""
        alt[name] = value
        if name == "place" and value is not None:
            place_name, lat, lon = self._place(str(value))
            alt["latitude"], alt["longitude"] = lat, lon
            alt["location_text"] = alt.get("location_text") or place_name
        if name == "sub_event_type" and value and value in self.kind_of:
            alt["event_type"] = self.kind_of[value]
        if name in ("event_type", "sub_event_type") and alt.get("event_type") in self.disorder:
            alt["disorder_type"] = self.disorder[alt["event_type"]]

    def _place(self, key: str) -> tuple[Any, Any, Any]:
        """A place's name and coordinates as the log last stated them (else as its row holds them)."""
        found = self.places.get(key)
        if found is not None and isinstance(found[1], list) and len(found[1]) >= 3:
            return found[1][0], found[1][1], found[1][2]
        self.row_places.add(key)
        return FromRow(key, "name"), FromRow(key, "lat"), FromRow(key, "lon")

    # -- comparing with the database

    def check(self) -> Outcome:
        outcome = Outcome()
        _check_incidents(self, outcome)
        _check_links(self, outcome)
        _check_places(self, outcome)
        _check_items(outcome)
        return outcome


def _distinct(alts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for alt in alts:
        key = tuple(repr(alt.get(name)) for name in DERIVED)
        if key not in seen:
            seen.add(key)
            out.append(alt)
    return out


@dataclass
class Outcome:
    checked: dict[str, int] = field(default_factory=lambda: {"incidents": 0, "links": 0, "places": 0, "items": 0})
    problems: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the log cannot decide, counted

    def problem(self, kind: str, text: str) -> None:
        self.problems.setdefault(kind, []).append(text)

    def listed(self) -> list[str]:
        out = []
        for kind, found in self.problems.items():
            out += found[:MAX_LISTED]
            if len(found) > MAX_LISTED:
                out.append(f"... and {len(found) - MAX_LISTED} more {kind} that differ from their history")
        return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _jsonable(value: Any) -> Any:
    import datetime as dt

    return value.isoformat() if isinstance(value, (dt.date, dt.time)) else value


def _pk_chunks(query, fields: tuple[str, ...]) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = list(query.filter(pk__gt=last).order_by("pk").values("pk", *fields)[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1]["pk"]


def _incident_fields() -> tuple[list[str], dict[str, Any], set[str]]:
    """The compared fields, their defaults, and those whose values a problem must not show."""
    from marsad.incidents.models import Incident
    from marsad.incidents.service import EDITABLE, RESTRICTED

    names = sorted(EDITABLE | {"event_type", "disorder_type", "latitude", "longitude", "location_text", "tags",
                               "assignee", "merged_into", "split_from"})
    defaults = {}
    for name in names:
        model_field = Incident._meta.get_field(name)
        defaults[name] = None if model_field.is_relation else _jsonable(model_field.get_default())
    return names, defaults, set(RESTRICTED) | {"assignee"}


_RELATED = {"place": "place__key", "assignee": "assignee__username", "merged_into": "merged_into__code",
            "split_from": "split_from__code"}


def _check_incidents(replay: Replay, outcome: Outcome) -> None:
    from marsad.incidents.models import Incident, Place

    names, defaults, hidden = _incident_fields()
    from_rows = {}
    keys = sorted(replay.row_places)
    for n in range(0, len(keys), CHUNK):
        for key, name, lat, lon in Place.objects.filter(key__in=keys[n:n + CHUNK]).values_list(
                "key", "name", "lat", "lon"):
            from_rows[key] = {"name": name, "lat": lat, "lon": lon}

    def value(v: Any) -> Any:
        if not isinstance(v, FromRow):
            return v
        if v.key in replay.places:  # stated only by a later event: what it was then is not known
            return UNKNOWN
        return (from_rows.get(v.key) or {}).get(v.attr)

    seen: set[str] = set()
    imported = 0
    columns = tuple(_RELATED.get(n, n) for n in names)
    for rows in _pk_chunks(Incident.objects.all(), ("code", *columns)):
        for row in rows:
            code = row["code"]
            outcome.checked["incidents"] += 1
            state = replay.incidents.get(code)
            if state is None:
                outcome.problem("incidents", f"incident {code}: no event in the log created it "
                                             "(row added outside custody)")
                continue
            seen.add(code)
            imported += state.imported
            compared = state.known if state.imported else names
            found = [_mismatches(row, alt, compared, defaults, value) for alt in state.alts]
            if all(found):
                for name, db, history in found[0]:
                    if name in hidden:
                        outcome.problem("incidents", f"incident {code}: {name} in the database differs from "
                                                     "its history (values withheld: restricted)")
                    else:
                        outcome.problem("incidents", f"incident {code}: {name} is {_shown(db)} in the database, "
                                                     f"{_shown(history)} by its history")
    for code in sorted(set(replay.incidents) - seen)[:MAX_LISTED]:
        outcome.problem("incidents", f"incident {code}: has history in the log (from event "
                                     f"#{replay.incidents[code].first}) but no row (row deleted)")
    if imported:
        outcome.notes.append(f"{imported} imported incident(s): their state at import rests on the project ZIP "
                             "(its manifest hash is in the log); only changes made here were replayed")


def _mismatches(row: dict[str, Any], alt: dict[str, Any], names: Iterable[str], defaults: dict[str, Any],
                value: Callable[[Any], Any]) -> list[tuple[str, Any, Any]]:
    out = []
    for name in sorted(names):
        if name not in defaults:
            continue
        db = _jsonable(row[_RELATED.get(name, name)])
        history = value(alt.get(name, defaults[name]))
        if history is not UNKNOWN and db != history:
            out.append((name, db, history))
    return out


def _check_links(replay: Replay, outcome: Outcome) -> None:
    from marsad.incidents.models import IncidentItem

    linked: dict[str, dict[str, str]] = {}
    for rows in _pk_chunks(IncidentItem.objects.all(), ("incident__code", "item__sha256", "role")):
        for row in rows:
            outcome.checked["links"] += 1
            linked.setdefault(row["incident__code"], {})[row["item__sha256"]] = row["role"]
    for code in sorted(set(linked) | set(replay.incidents)):
        state = replay.incidents.get(code)
        if state is None:
            continue  # the incident row itself is reported
        db = linked.get(code, {})
        for sha, role in sorted(state.links.items()):
            if sha not in db:
                outcome.problem("links", f"incident {code}: evidence {sha[:16]} is linked by its history but "
                                         "has no link row (link deleted)")
            elif role is not None and db[sha] != role:
                outcome.problem("links", f"incident {code}: evidence {sha[:16]} is linked as {db[sha]} in the "
                                         f"database, as {role} by its history")
        for sha in sorted(set(db) - set(state.links)):
            if not state.imported or sha in state.unlinked:
                outcome.problem("links", f"incident {code}: evidence {sha[:16]} is linked in the database "
                                         "but not by its history (link added outside custody)")


def _check_places(replay: Replay, outcome: Outcome) -> None:
    from marsad.incidents.models import Place

    keys = dict(Place.objects.values_list("pk", "key"))
    seen: set[str] = set()
    unrecorded = 0
    fields = ("key", "name", "name_ar", "names", "lat", "lon", "level", "parent_id", "pcode", "source", "kind",
              "merged_into_id")
    for rows in _pk_chunks(Place.objects.all(), fields):
        for row in rows:
            key = row["key"]
            found = replay.places.get(key)
            if found is None:
                unrecorded += 1
                continue
            outcome.checked["places"] += 1
            seen.add(key)
            index, recorded = found
            now = place_state(_Row(row), keys)
            if now == recorded:
                continue
            if not isinstance(recorded, list) or len(recorded) < 4:
                outcome.problem("places", f"place {key}: gazetteer event #{index} records it unreadably")
            elif now[1:3] != recorded[1:3]:
                outcome.problem("places", f"place {key} ({recorded[0]}): its coordinates are "
                                          f"{_shown(tuple(now[1:3]))} in the database, "
                                          f"{_shown(tuple(recorded[1:3]))} by gazetteer event #{index}")
            elif now[0] != recorded[0]:
                outcome.problem("places", f"place {key}: its name is {_shown(now[0])} in the database, "
                                          f"{_shown(recorded[0])} by gazetteer event #{index}")
            else:
                outcome.problem("places", f"place {key} ({recorded[0]}): its other names, level, parent, P-code, "
                                          f"source, kind or fold differ from gazetteer event #{index}")
    for key in sorted(set(replay.places) - seen)[:MAX_LISTED]:
        outcome.problem("places", f"place {key}: written by gazetteer event #{replay.places[key][0]} "
                                  "but has no row (row deleted)")
    if unrecorded:
        outcome.notes.append(f"{unrecorded} place(s) written by no event that records their values (gazetteer "
                             "events older than place states, or rows added outside custody): not replayed")


class _Row:
    """A `.values()` row read as a Place for `place_state`."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)


ITEM_FACTS = ("captured_at", "captured_at_text", "captured_at_source", "tz_known", "gps_lat", "gps_lon", "make",
              "model", "width", "height", "duration_s", "codec")
HIDDEN_FACTS = {"gps_lat", "gps_lon"}  # may be a witness's position


def _check_items(outcome: Outcome) -> None:
    from marsad.evidence.analysis import _apply_facts
    from marsad.evidence.models import AnalysisResult, Item

    for rows in _pk_chunks(Item.objects.all(), ("sha256", *ITEM_FACTS)):
        facts: dict[int, tuple[int, Any]] = {}
        for item_id, index, found in (AnalysisResult.objects.filter(item_id__in=[r["pk"] for r in rows],
                                                                    step="metadata")
                                      .order_by("log_index").values_list("item_id", "log_index", "result__facts")):
            facts[item_id] = (index, found)
        for row in rows:
            outcome.checked["items"] += 1
            index, found = facts.get(row["pk"], (None, None))
            expected = Item()
            _apply_facts(expected, found if isinstance(found, dict) else {})
            source = f"its metadata analysis (event #{index})" if index is not None else "its analysis (none recorded)"
            for name in ITEM_FACTS:
                db, history = row[name], getattr(expected, name)
                if db == history:
                    continue
                if name in HIDDEN_FACTS:
                    outcome.problem("items", f"item {row['sha256'][:16]}: {name} in the database differs from "
                                             f"{source} (values withheld: restricted)")
                else:
                    outcome.problem("items", f"item {row['sha256'][:16]}: {name} is {_shown(_jsonable(db))} in the "
                                             f"database, {_shown(_jsonable(history))} by {source}")

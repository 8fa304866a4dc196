"""Location strings as documenters write them, taken apart: which words name a
place, which name a larger area that narrows it (context), which say where
around it (relation: near, outskirts, countryside, north of) and which only say
what kind of place it is (descriptor: village, town, camp, hospital).

    «أطراف بلدة كفرنبل بريف ادلب الجنوبي» → place كفرنبل (town, outskirts), context ادلب (countryside, south)
    "Rastan town and Ghajar village of Homs" → places Rastan (town), Ghajar (village), context Homs
    "ALEPPO : Sheikh Maqsoud" → place Sheikh Maqsoud, context ALEPPO
    "35.61, 36.56" → a point at exact precision

Pure: no gazetteer is needed. Given `known` (does a gazetteer hold this name?)
and `is_area` (is it an admin area or region, and how wide: 1 governorate ..
3 sub-district, 0 not an area), the parser also keeps a whole
name that happens to contain a descriptor word ("Salma", «مخيم اليرموك» when the
camp is held), and takes a glued or unmarked trailing area as context
(«حي جوبر بدمشق», «حرستا الغوطة الشرقية»). Every part says why it got its role.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from . import arabic

MAX_CHARS = 300  # longer than any location field; a report's whole text goes to extract.find_places

PLACE, CONTEXT, RELATION, DESCRIPTOR, COORDINATES = "place", "context", "relation", "descriptor", "coordinates"


@dataclass(frozen=True)
class Part:
    text: str
    role: str  # place, context, relation, descriptor, coordinates
    reason: str


@dataclass(frozen=True)
class Context:
    """A larger area that narrows the place: "Idlib countryside", «بحلب», "ALEPPO :"."""
    name: str
    relation: str = ""  # "countryside" when written so
    direction: str = ""
    kind: str = ""  # "governorate" for "Hama province"
    written: str = ""  # as written, descriptors and all ("Damascus countryside" is Rural Damascus's name)
    filed: bool = False  # "ALEPPO : X": the area a record is filed under (a governorate, not its city)


@dataclass
class Named:
    """One place the string names."""
    name: str
    kind: str = ""  # village, town, city, neighbourhood, camp, street, area, subdistrict, governorate, facility:...
    relation: str = ""  # near, outskirts, surroundings, countryside, direction
    direction: str = ""  # north, south-east...
    contexts: list[Context] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)


@dataclass
class Parsed:
    text: str
    places: list[Named] = field(default_factory=list)
    coordinates: list[tuple[float, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def parts(self) -> list[Part]:
        out = [Part(f"{lat}, {lon}", COORDINATES, "a latitude and longitude written in the text")
               for lat, lon in self.coordinates]
        for named in self.places:
            out.extend(named.parts)
        return out


# --- vocabulary -------------------------------------------------------------------------------------------

# Descriptor words and the kind they give. Arabic ones are matched normalised (arabic.normalise_arabic).
_KIND_AR = {
    "قريه": "village", "قريتي": "village", "قريتا": "village", "قري": "village", "بلده": "town", "بلدات": "town",
    "بلدتي": "town", "بلدتا": "town", "مدينه": "city", "مدينتي": "city", "مدينتا": "city", "مدن": "city",
    "مخيم": "camp", "مخيمات": "camp", "مخيمي": "camp", "حي": "neighbourhood", "حيي": "neighbourhood",
    "احياء": "neighbourhood", "حاره": "neighbourhood",
    "منطقه": "area", "ناحيه": "subdistrict", "محافظه": "governorate", "شارع": "street", "طريق": "street",
    "مشفي": "facility:hospital", "مستشفي": "facility:hospital", "مدرسه": "facility:school", "سوق": "facility:market",
    "فرن": "facility:bakery", "مخبز": "facility:bakery", "جامع": "facility:mosque", "مسجد": "facility:mosque",
    "مطار": "facility:airport", "معبر": "facility:crossing", "ساحه": "facility:square", "دوار": "facility:roundabout",
    "مركز": "facility:centre",
}
_KIND_EN = {
    "village": "village", "villages": "village", "town": "town", "towns": "town", "city": "city", "suburb": "town",
    "neighbourhood": "neighbourhood", "neighborhood": "neighbourhood", "neighbourhoods": "neighbourhood",
    "neighborhoods": "neighbourhood", "quarter": "neighbourhood", "camp": "camp", "camps": "camp", "area": "area",
    "region": "area", "street": "street", "st": "street", "road": "street", "nahiyah": "subdistrict",
    "nahiya": "subdistrict", "nahia": "subdistrict", "subdistrict": "subdistrict", "sub-district": "subdistrict",
    "district": "district", "province": "governorate", "governorate": "governorate", "hospital": "facility:hospital",
    "clinic": "facility:hospital", "school": "facility:school", "market": "facility:market",
    "bakery": "facility:bakery", "mosque": "facility:mosque", "airbase": "facility:airport",
    "airport": "facility:airport", "crossing": "facility:crossing", "square": "facility:square",
    "roundabout": "facility:roundabout",
}
_DIRECTIONS_EN = {"north": "north", "south": "south", "east": "east", "west": "west", "northern": "north",
                  "southern": "south", "eastern": "east", "western": "west", "northeast": "north-east",
                  "northwest": "north-west", "southeast": "south-east", "southwest": "south-west",
                  "north-east": "north-east", "north-west": "north-west", "south-east": "south-east",
                  "south-west": "south-west", "northeastern": "north-east", "northwestern": "north-west",
                  "southeastern": "south-east", "southwestern": "south-west"}
_DIRECTIONS_AR = {"شمال": "north", "جنوب": "south", "شرق": "east", "غرب": "west"}  # + ي / ال...ي forms
_RELATIONS_AR = {"اطراف": "outskirts", "محيط": "surroundings", "قرب": "near", "جوار": "near", "ريف": "countryside",
                 "ضواحي": "outskirts", "اطرف": "outskirts"}
_AR_CLITICS = ("وب", "و", "ب", "ل", "ف")
_IN_AR = {"في", "فى", "ب"}
_LIST_AR = {"و"}
_SURROUNDINGS_AR = {"ومحيطها", "ومحيطه", "واطرافها", "وريفها", "ومحيطهما"}


def _ar(word: str) -> str:
    return arabic.normalise_arabic(word)


def _ar_base(word: str) -> tuple[str, str]:
    """A word's normalised form without a leading و / ب / ل / ف, and the clitic taken."""
    w = _ar(word)
    for clitic in _AR_CLITICS:
        rest = w[len(clitic):]
        if w.startswith(clitic) and (rest in _KIND_AR or rest in _RELATIONS_AR or _ar_direction(rest)
                                     or rest.startswith("ال") and rest[2:] in _KIND_AR):
            return rest, clitic
    return w, ""


def _ar_direction(word: str) -> str:
    """شمال / شمالي / الشمالي / الشمالية → north."""
    w = _ar(word)
    w = w.removeprefix("ال")
    for stem, direction in _DIRECTIONS_AR.items():
        if w in (stem, stem + "ي", stem + "يه"):
            return direction
    return ""


# --- coordinates and guards --------------------------------------------------------------------------------

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")
_COORD = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{2,})\s*°?\s*([NS])?\s*[,،;/\s]\s*(-?\d{1,3}\.\d{2,})\s*°?\s*([EW])?"
                    r"(?![\d.])", re.IGNORECASE)


def coordinates_in(text: str) -> tuple[list[tuple[float, float]], str]:
    """Latitude/longitude pairs written in the text (Arabic-Indic digits and ٫ read), and the text without them."""
    plain = text.translate(_DIGITS)
    found = []
    for m in _COORD.finditer(plain):
        lat, lon = float(m.group(1)), float(m.group(3))
        if (m.group(2) or "").upper() == "S":
            lat = -lat
        if (m.group(4) or "").upper() == "W":
            lon = -lon
        if abs(lat) <= 90 and abs(lon) <= 180:
            found.append((lat, lon))
    rest = _COORD.sub(" ", plain) if found else text
    return found, rest


# --- splitting ---------------------------------------------------------------------------------------------

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_EDGES = " \t\n.,;:!?-–—_|/\\'\"«»“”[]،؛"


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", _BIDI.sub("", text))
    if text.count("(") != text.count(")"):  # a stray bracket is punctuation
        text = text.replace("(", " ").replace(")", " ")
    return " ".join(text.split()).strip(_EDGES)


_COLON = re.compile(r"\s*:\s*")
_DASH = re.compile(r"\s[-–—]+\s*|\s*[–—]+\s")
_COMMA = re.compile(r"\s*[,،؛;]\s*")
_AND_EN = re.compile(r"\s+(?:and|&)\s+(?!its\b)", re.IGNORECASE)
_LEADING_AND_EN = re.compile(r"^(?:and|&)\s+(?!its\b)", re.IGNORECASE)  # "A, B, and C": the serial comma
_PARENS = re.compile(r"\(([^()]*)\)")


@dataclass
class _Ctx:
    known: Callable[[str], bool]
    is_area: Callable[[str], int]
    informed: bool  # a gazetteer answers `known`: without one, rules alone decide


def parse(text: str, known: Callable[[str], bool] | None = None,
          is_area: Callable[[str], int] | None = None) -> Parsed:
    """Take a location string apart (see the module docstring)."""
    ctx = _Ctx(known or (lambda _name: False), is_area or (lambda _name: 0), known is not None)
    out = Parsed(text=text)
    if not text or not text.strip():
        out.problems.append("empty: no place named")
        return out
    if len(text) > MAX_CHARS:
        out.problems.append(f"{len(text)} characters: too long for a location string (at most {MAX_CHARS}); "
                            "give the place's own words, or extract places from a report's text instead")
        return out
    out.coordinates, rest = coordinates_in(text)
    rest = _clean(rest)
    if not rest:
        if not out.coordinates:
            out.problems.append("no letters: not a place name")
        return out
    letters = re.sub(r"[\W\d_]", "", rest)
    if len(letters) < 3:
        out.problems.append(f"{rest!r} is too short to name a place (one or two letters)" if letters
                            else f"{rest!r} has no letters: not a place name")
        return out
    out.places = _parse_string(rest, ctx)
    if not out.places:
        out.problems.append(f"{rest!r} only says what kind of place, not which (a descriptor without a name)")
    return out


def _parse_string(text: str, ctx: _Ctx) -> list[Named]:
    heads: list[Context] = []
    head_parts: list[Part] = []
    # "GOVERNORATE : place" (Syrian Archive's filing) and "Various locations in Y: (A and B)".
    pieces = _COLON.split(text, maxsplit=1)
    if len(pieces) == 2 and pieces[0] and pieces[1]:
        left, text = pieces
        in_left = re.split(r"\s+in\s+|\s+(?:في|فى)\s+", left, maxsplit=1, flags=re.IGNORECASE)
        area = in_left[-1]
        c = _as_context(area, ctx)
        heads.append(Context(c.name, c.relation, c.direction, c.kind, c.written, filed=True))
        head_parts.append(Part(area, CONTEXT, "written before a colon: the area the place is filed under"))
    text = _clean(text)
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    # Parenthesised words inside are context: "Kafr Nabl (Idlib)".
    for m in _PARENS.finditer(text):
        inner = _clean(m.group(1))
        if inner and not _AND_EN.search(inner):
            heads.append(_as_context(inner, ctx))
            head_parts.append(Part(inner, CONTEXT, "written in brackets after the name"))
    text = _clean(_PARENS.sub(lambda m: " " if not _AND_EN.search(m.group(1)) else " " + m.group(1) + " ", text))
    # "حلب – الأتارب", "Idlib –Ihsem", "Saraqib - Idlib": the wider area on either side of a spaced dash is
    # context, when it is a governorate or the other side a held name.
    dashed = [p for p in (_clean(p) for p in _DASH.split(text)) if p]
    area_side = None
    if len(dashed) == 2 and not ctx.known(text):
        levels = [ctx.is_area(p) for p in dashed]
        if levels[0] or levels[1]:
            area_side = 0 if levels[0] and (not levels[1] or levels[0] <= levels[1]) else 1
            if not (min(lv for lv in levels if lv) == 1 or ctx.known(dashed[1 - area_side])):
                area_side = None
    if area_side is not None:
        heads.append(_as_context(dashed[area_side], ctx))
        head_parts.append(Part(dashed[area_side], CONTEXT, "an area written beside a dash"))
        text = dashed[1 - area_side]
    elif len(dashed) >= 2 and not _only_descriptor(dashed[0]):
        text = ", ".join(dashed)
    else:
        text = " ".join(dashed)

    items = _split_list(text, ctx)
    # "Daraa, Ghariyah Sharkiyah", «حماة، كفرزيتا»: a governorate first, then a place that is not an area: the
    # governorate is where the place is filed, as before a colon.
    if len(items) >= 2 and items[1][1] == "," and ctx.is_area(_clean(items[0][0])) == 1 \
            and ctx.is_area(_clean(items[1][0])) != 1:
        area = _clean(items[0][0])
        heads.append(Context(area, written=area))
        head_parts.append(Part(area, CONTEXT, "a governorate written first, before a comma: where the place is"))
        items = [(items[1][0], ""), *items[2:]]
    named: list[Named] = []
    trailing: list[Context] = []
    for item, separator in items:
        n = _parse_item(item, ctx)
        if n is None:
            continue
        # "Harasta, Damascus", "X, Y countryside": an area after a comma narrows the places before it.
        if separator == "," and named and (n.relation in ("countryside", "direction")
                                           or n.kind in ("governorate", "district")
                                           or (0 < ctx.is_area(n.name) <= 2 and not n.kind)):
            c = Context(n.name, n.relation if n.relation == "countryside" else "", n.direction)
            for earlier in named:
                earlier.contexts.append(c)
                earlier.parts.append(Part(item, CONTEXT, "an area written after a comma"))
            trailing = [c]
            continue
        named.append(n)
    # "A and B in Hama province": the last place's context is the others' too.
    last = named[-1].contexts if named else trailing
    for n in named:
        if not n.contexts and last:
            n.contexts = list(last)
            n.parts.append(Part(", ".join(c.name for c in last), CONTEXT, "the area the list ends with"))
        n.contexts = heads + n.contexts
        n.parts = head_parts + n.parts
    # "Homs countryside", «ريف حلب الشمالي»: only an area is named, so the area is the place.
    if not named and heads:
        c = heads[-1]
        named.append(Named(c.name, relation=c.relation, direction=c.direction, contexts=heads[:-1],
                           parts=[Part(c.name, PLACE, "the only area named")]))
    return named


def _as_context(text: str, ctx: _Ctx) -> Context:
    n = _parse_item(text, ctx)
    if n is None:
        return Context(_clean(text), written=_clean(text))
    return Context(n.name, "countryside" if n.relation == "countryside" else "", n.direction, n.kind, _clean(text))


def _only_descriptor(text: str) -> bool:
    words = text.split()
    return bool(words) and all(_ar_base(w)[0] in _KIND_AR or w.lower() in _KIND_EN or w.lower() in ("the", "of")
                               for w in words)


def _split_list(text: str, ctx: _Ctx) -> list[tuple[str, str]]:
    """The items of a list with the separator before each ("" first, "," or "and")."""
    out: list[tuple[str, str]] = []
    for i, chunk in enumerate(_COMMA.split(text)):
        chunk = chunk.strip()
        if not chunk:
            continue
        sep = "," if i else ""
        if arabic.is_arabic(chunk):
            for j, sub in enumerate(_split_arabic_and(chunk, ctx)):
                out.append((sub, "and" if j else sep))
        else:
            if sep:
                chunk = _LEADING_AND_EN.sub("", chunk)
            if ctx.known(chunk):  # a name with "and" in it
                out.append((chunk, sep))
                continue
            for j, sub in enumerate(p for p in _AND_EN.split(chunk) if p.strip()):
                out.append((sub.strip(), "and" if j else sep))
    return out


def _split_arabic_and(text: str, ctx: _Ctx) -> list[str]:
    """«مدينة تلبيسة وبلدة الغجر», «A و B», «كفرنبل وحاس», «سكيك والتمانعة», «بشاوي وعين الذهب»: و standing
    alone, or joined to a descriptor, to an article (وال: "and the"), or to a held name of one to three words
    starts a new place, unless the words with it are themselves a held name (وادي الضيف, a name with و in it)."""
    words = text.split()
    items: list[list[str]] = [[]]
    for i, w in enumerate(words):
        n = _ar(w)
        if n in _LIST_AR and items[-1]:
            items.append([])
            continue
        if n in _SURROUNDINGS_AR:
            items[-1].append(w)
            continue
        if items[-1] and n.startswith("و") and len(n) >= 3 and not _after_in(items[-1]) and (
                n[1:] in _KIND_AR or _and_place(words, i, items[-1], ctx)):
            items.append([w[1:]])
            continue
        items[-1].append(w)
    return [" ".join(i) for i in items if i]


def _and_place(words: list[str], i: int, current: list[str], ctx: _Ctx) -> bool:
    """Does و on words[i] join a new place to the list (see `_split_arabic_and`)?"""
    ahead = [" ".join(words[i:i + k]) for k in (1, 2, 3) if i + k <= len(words)]
    if any(ctx.known(" ".join([*current, a])) or ctx.known(a) and not ctx.known(a[1:]) for a in ahead):
        return False  # the و is the name's own letter (وادي الصنوع), or the words before it and it are one name
    if _ar(words[i]).startswith("وال") and len(_ar(words[i])) >= 5:
        return True  # "and the ...": no place name starts with وال
    return any(ctx.known(a[1:]) for a in ahead)


def _after_in(words: list[str]) -> bool:
    return bool(words) and (_ar(words[-1]) in _IN_AR or _ar(words[-1]).startswith("بريف"))


# --- one item ----------------------------------------------------------------------------------------------

_DIR = r"(?:north|south|east|west)(?:ern)?|(?:north|south)-?(?:east|west)(?:ern)?"
_REL_PREFIX_EN = [  # longest first
    (re.compile(rf"^(?:the\s+)?(?:({_DIR})\s+)?countryside\s+of\s+", re.IGNORECASE), "countryside"),
    (re.compile(rf"^(?:the\s+)?(?:({_DIR})\s+)?outskirts\s+of\s+", re.IGNORECASE), "outskirts"),
    (re.compile(r"^(?:the\s+)?(?:vicinity|surroundings|environs)\s+of\s+", re.IGNORECASE), "surroundings"),
    (re.compile(r"^(?:near(?:\s+to)?|nearby|close\s+to|next\s+to|around|outside)\s+", re.IGNORECASE), "near"),
    (re.compile(r"^rural\s+", re.IGNORECASE), "countryside"),
    (re.compile(r"^(?:\d+(?:\.\d+)?\s*km\s+)?((?:north|south)?-?\s?(?:east|west)|north|south)\s+of\s+", re.IGNORECASE),
     "direction"),
]
_REL_SUFFIX_EN = [
    (re.compile(r"\s+(?:and|&)\s+(?:its|the)\s+(?:surroundings|outskirts|vicinity|countryside)$", re.IGNORECASE),
     "surroundings"),
    (re.compile(rf"\s+(?:({_DIR})\s+)?countryside$", re.IGNORECASE), "countryside"),
    (re.compile(rf"\s+(?:({_DIR})\s+)?outskirts$", re.IGNORECASE), "outskirts"),
    (re.compile(r"\s+(?:surroundings|vicinity|environs)$", re.IGNORECASE), "surroundings"),
]
_KINDS_EN_RE = "|".join(sorted(map(re.escape, _KIND_EN), key=len, reverse=True))
_DESC_PREFIX_EN = re.compile(r"^(?:the\s+)?(?:(?:north|south|east|west)(?:ern)?\s+)?(" + _KINDS_EN_RE
                             + r")\s+(?:of\s+)(?:the\s+)?", re.IGNORECASE)
_DESC_SUFFIX_EN = re.compile(r"\s+(" + "|".join(sorted(map(re.escape, _KIND_EN), key=len, reverse=True))
                             + r")$", re.IGNORECASE)
_COUNTRYSIDE_OF = re.compile(rf"\s+(?:in\s+)?(?:the\s+)?(?:({_DIR})\s+)?countryside\s+of\s+(?:the\s+)?", re.IGNORECASE)
_PROVINCE = re.compile(r"\s+(?:province|governorate)$", re.IGNORECASE)
_IN_EN = re.compile(r"\s+(?:in|inside|within|at)\s+(?:the\s+)?", re.IGNORECASE)
_OF_EN = re.compile(r"\s+of\s+(?:the\s+)?", re.IGNORECASE)


def _parse_item(text: str, ctx: _Ctx) -> Named | None:
    text = _clean(text)
    if not text:
        return None
    if arabic.is_arabic(text):
        return _parse_arabic(text, ctx)
    return _parse_english(text, ctx)


def _direction_en(word: str | None) -> str:
    return _DIRECTIONS_EN.get((word or "").lower().replace(" ", ""), "")


def _parse_english(text: str, ctx: _Ctx) -> Named | None:
    parts: list[Part] = []
    contexts: list[Context] = []
    if ctx.known(text) and not _only_descriptor(text):
        return Named(text, parts=[Part(text, PLACE, "the whole string is a name the gazetteer holds")])
    # "X in Y": Y narrows X.
    m = _IN_EN.search(text)
    if m and m.start() > 0:
        head, tail = text[:m.start()], text[m.end():]
        if tail and not ctx.known(text):
            contexts.append(_as_context(tail, ctx))
            parts.append(Part(tail, CONTEXT, f"after {m.group(0).strip()!r}: the larger area"))
            text = head
    # "Huraytan countryside of Aleppo", "X northern countryside of Idlib": the countryside is the area's.
    m = _COUNTRYSIDE_OF.search(text)
    if m and m.start() > 0 and not ctx.known(text) and not _REL_PREFIX_EN[0][0].match(text):
        tail = text[m.end():]
        contexts.append(Context(_clean(_PROVINCE.sub("", tail)) or tail, "countryside", _direction_en(m.group(1))))
        parts.append(Part(text[m.start():].strip(), CONTEXT, "the countryside the place lies in"))
        text = text[:m.start()]
    named = Named("", contexts=contexts)
    _english_relations(text, named, parts, ctx)
    if not named.name:
        return None
    named.parts = [*named.parts, *parts]
    return named


def _english_relations(text: str, named: Named, parts: list[Part], ctx: _Ctx) -> None:
    changed = True
    while changed and text:
        changed = False
        if ctx.known(text) and not _only_descriptor(text):
            break
        for pattern, relation in _REL_PREFIX_EN:
            m = pattern.match(text)
            if m and m.end() < len(text):
                direction = _direction_en(m.group(1)) if m.groups() else ""
                if relation == "direction":
                    named.relation, named.direction = "direction", direction
                else:
                    named.relation = relation
                    named.direction = named.direction or direction
                parts.append(Part(m.group(0).strip(), RELATION, f"says where around the place: {relation}"))
                text, changed = text[m.end():], True
                break
        for pattern, relation in _REL_SUFFIX_EN:
            m = pattern.search(text)
            if m and m.start() > 0:
                split = _split_area(text[:m.start()], ctx)
                if split and relation == "countryside":  # "Maryan Idlib countryside"
                    head, area, _lead = split
                    named.contexts.append(Context(area, "countryside", _direction_en(m.group(1))))
                    parts.append(Part(text[len(head):].strip(), CONTEXT, "the countryside the place lies in"))
                    text, changed = head, True
                    break
                named.relation = relation
                if m.groups() and m.group(1):
                    named.direction = _direction_en(m.group(1))
                parts.append(Part(m.group(0).strip(), RELATION, f"says where around the place: {relation}"))
                text, changed = text[:m.start()], True
                break
        m = _DESC_PREFIX_EN.match(text)
        if m and m.end() < len(text):
            named.kind = named.kind or _KIND_EN[m.group(1).lower()]
            parts.append(Part(m.group(0).strip(), DESCRIPTOR, f"says what kind of place: {named.kind}"))
            text, changed = text[m.end():], True
        # "Ghajar village of Homs", "Qadi Askar neighborhoods of Aleppo": of + area after a descriptor.
        m = re.search(r"\s+(" + "|".join(map(re.escape, _KIND_EN)) + r")\s+of\s+(?:the\s+)?(.+)$", text, re.IGNORECASE)
        if m and m.start() > 0:
            named.kind = named.kind or _KIND_EN[m.group(1).lower()]
            named.contexts.append(_as_context(m.group(2), ctx))
            parts.append(Part(m.group(1), DESCRIPTOR, f"says what kind of place: {named.kind}"))
            parts.append(Part(m.group(2), CONTEXT, "after 'of': the larger area"))
            text, changed = text[:m.start()], True
        m = _DESC_SUFFIX_EN.search(text)
        if m and m.start() > 0 and not (ctx.known(text) and not ctx.known(text[:m.start()])):
            named.kind = named.kind or _KIND_EN[m.group(1).lower()]
            parts.append(Part(m.group(1), DESCRIPTOR, f"says what kind of place: {named.kind}"))
            text, changed = text[:m.start()], True
        if text.lower().startswith("the ") and len(text) > 4:
            text, changed = text[4:], True
        # "Eastern Aleppo": a direction before a name that is held without it.
        words = text.split()
        if len(words) >= 2 and _direction_en(words[0]) and not ctx.known(text) and (
                ctx.known(" ".join(words[1:])) or not ctx.informed):
            named.direction = named.direction or _direction_en(words[0])
            named.relation = named.relation or "direction"
            parts.append(Part(words[0], RELATION, "a direction before the name: a part of the place"))
            text, changed = " ".join(words[1:]), True
    split = _split_area(text, ctx)
    if split:  # "Aleppo Al jazmaty", "Hama-South Hirbnafsah": an area written before or after the name
        head, area, lead = split
        named.contexts.append(Context(area))
        parts.append(Part(area, CONTEXT, f"an area written {'before' if lead else 'after'} the name"))
        text = head
    text = _clean(text)
    if text and not _only_descriptor(text):
        named.name = text
        parts.insert(0, Part(text, PLACE, "the name once descriptors, relations and context are taken off"))
        named.parts = parts


def _plain_area(text: str, ctx: _Ctx) -> bool:
    """An area that may follow a name with no word between: a governorate ("Maryan Idlib"), or an area of two
    words or more ("Eastern Ghouta"); a one-word district is too often a name's own second word (Kafr Nabk)."""
    level = ctx.is_area(text)
    words = text.split() if arabic.is_arabic(text) else [w for w in re.split(r"[\s-]+", text) if w.lower() not in (
        "al", "el", "the")]  # "Jisr el Hamra": an article is not a second word
    return level == 1 or (level > 0 and len(words) >= 2)


def _split_area(text: str, ctx: _Ctx) -> tuple[str, str, bool] | None:
    """A held name with an area written before or after it and no word between: (name, area, area first)."""
    if not ctx.informed or ctx.known(text):
        return None
    words = re.sub(r"(?<=\w)-(?=(?:north|south|east|west)\w*\b)", " ", text, flags=re.IGNORECASE).split()
    for i in range(1, len(words)):
        head, tail = " ".join(words[:i]), " ".join(words[i:])
        if _plain_area(tail, ctx) and ctx.known(head) and not _only_descriptor(head):
            return head, tail, False
        if ctx.is_area(head) == 1 and ctx.known(tail) and not _only_descriptor(tail):  # a governorate first
            return tail, head, True
    return None


def _parse_arabic(text: str, ctx: _Ctx) -> Named | None:
    words = text.split()
    named = Named("")
    parts: list[Part] = []
    if ctx.known(text) and not _only_descriptor(text):
        named.name = text
        named.parts = [Part(text, PLACE, "the whole string is a name the gazetteer holds")]
        return named
    # Context after في / بريف / ب-joined area, read from the end: «X بريف حماة الشمالي», «X في حلب», «X بحلب».
    for i in range(1, len(words)):
        w = _ar(words[i])
        tail = words[i:]
        if w in _IN_AR and i + 1 < len(words):
            phrase = " ".join(words[i + 1:])
            named.contexts.append(_as_context(phrase, ctx))
            parts.append(Part(phrase, CONTEXT, f"after {words[i]!r}: the larger area"))
            words = words[:i]
            break
        if w in ("بريف", "لريف", "وريف", "فريف", "ريف"):
            phrase = " ".join([words[i][1:] if w != "ريف" else words[i], *tail[1:]])
            named.contexts.append(_as_context(phrase, ctx))
            parts.append(Part(" ".join(tail), CONTEXT, "the countryside the place lies in"))
            words = words[:i]
            break
        joined = " ".join([words[i][1:], *tail[1:]])  # «بحلب», «بالغوطة الشرقية»
        if w.startswith("ب") and len(w) > 3 and not ctx.known(" ".join(tail)) and not ctx.known(" ".join(words)) and (
                ctx.is_area(joined) or (i == len(words) - 1 and ctx.known(joined))):
            named.contexts.append(Context(joined, written=joined))
            parts.append(Part(joined, CONTEXT, "an area joined to ب ('in') after the place"))
            words = words[:i]
            break
        if _plain_area(" ".join(tail), ctx) and not ctx.known(" ".join(words)) and ctx.known(" ".join(words[:i])) \
                and not _only_descriptor(" ".join(words[:i])):
            named.contexts.append(Context(" ".join(tail)))
            parts.append(Part(" ".join(tail), CONTEXT, "an area written after the place"))
            words = words[:i]
            break
    # Relations and descriptors before the name: «أطراف بلدة», «بالقرب من قرية», «شمال مدينة», «ريف».
    while words:
        rest = " ".join(words)
        if ctx.known(rest) and not _only_descriptor(rest):
            break
        base, _clitic = _ar_base(words[0])
        if base in ("بالقرب", "القرب", "بقرب") and len(words) > 1:
            named.relation = "near"
            skip = 2 if len(words) > 2 and _ar(words[1]) == "من" else 1
            parts.append(Part(" ".join(words[:skip]), RELATION, "says where around the place: near"))
            words = words[skip:]
            continue
        if base in _RELATIONS_AR and len(words) > 1:
            named.relation = _RELATIONS_AR[base]
            parts.append(Part(words[0], RELATION, f"says where around the place: {named.relation}"))
            words = words[1:]
            continue
        if _ar_direction(base) and len(words) > 1 and not _ar(words[0]).startswith("ال"):
            named.relation, named.direction = named.relation or "direction", _ar_direction(base)
            parts.append(Part(words[0], RELATION, f"says where around the place: {named.direction}"))
            words = words[1:]
            continue
        if base in _KIND_AR and len(words) > 1:
            named.kind = named.kind or _KIND_AR[base]
            parts.append(Part(words[0], DESCRIPTOR, f"says what kind of place: {named.kind}"))
            words = words[1:]
            continue
        break
    # After the name: «ومحيطها», a direction for ريف X («ريف حلب الشمالي»).
    while len(words) > 1:
        last = _ar(words[-1])
        if len(words) > 2 and _ar(" ".join(words[-2:])) in ("وما حولها", "وما حوله", "وما حولهما"):
            named.relation = named.relation or "surroundings"
            parts.append(Part(" ".join(words[-2:]), RELATION, "and its surroundings"))
            words = words[:-2]
            continue
        if last in _SURROUNDINGS_AR:
            named.relation = named.relation or "surroundings"
            parts.append(Part(words[-1], RELATION, "and its surroundings"))
            words = words[:-1]
            continue
        if _ar_direction(last) and last.startswith("ال") and (named.relation == "countryside" or (
                not ctx.known(" ".join(words)) and ctx.known(" ".join(words[:-1])))):
            named.direction = _ar_direction(last)
            parts.append(Part(words[-1], RELATION, f"which side: {named.direction}"))
            words = words[:-1]
            continue
        break
    name = _clean(" ".join(words))
    if not name or _only_descriptor(name):
        return None
    named.name = name
    named.parts = [Part(name, PLACE, "the name once descriptors, relations and context are taken off"), *parts]
    return named

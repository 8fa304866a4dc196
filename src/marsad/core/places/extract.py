"""Places and times named in a report's text (Arabic or English), each with its
span, confidence and where it came from.

Places: runs of one to four words whose name key is in the gazetteer (Arabic
prepositions joined to a word — بكفرنبل, وسراقب — are taken off; in English
only capitalised runs are tried). An admin area named as context ("ريف إدلب
الجنوبي", "Idlib countryside", "Hama province") narrows ambiguous names to
places within it. Times: dates and clock times written out, and words relative
to the post time ("this morning", "أمس"). A date after the post time is kept
but flagged."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import arabic
from .gazetteer import DISTRICT, GOVERNORATE, PLACE, SUBDISTRICT, Gazetteer, Place, distance_km

_WORD = re.compile(r"[\w'’ʿʾ`-]+", re.UNICODE)
_AR_PROCLITICS = ("وب", "وال", "بال", "لل", "و", "ب", "ل", "ف")
_STOP_AR = {arabic.arabic_key(w) for w in (
    "في", "على", "من", "الى", "إلى", "عن", "مع", "بعد", "قبل", "غارة", "غارات", "قصف", "مشفى", "مستشفى", "الجراحي",
    "جوية", "الطيران", "الحربي", "الروسي", "مدينة", "بلدة", "قرية", "ريف", "شهداء", "شهيد", "جرحى", "اليوم", "أمس",
    "الآن", "صباح", "مساء", "ليلة", "الساعة", "منذ", "حي", "سوق", "الشعبي", "عدد", "المدنيين", "الأطفال", "مدني",
    "مدرسة", "منازل", "منزل", "صاروخ", "صواريخ", "يضرب", "يستهدف", "استهداف", "براميل", "برميل", "متفجرة", "مدفعي",
    "الروسي", "النظام", "بتاريخ", "عاجل", "فيديو", "صور", "لحظة", "سقوط", "مجزرة", "ضحايا", "الدفاع", "المدني")}
_STOP_EN = {"The", "A", "An", "In", "On", "At", "Of", "And", "From", "To", "This", "Today", "Yesterday", "Breaking",
            "Urgent", "Video", "Photo", "Photos", "Footage", "Civil", "Defence", "Defense", "White", "Helmets", "Russian",
            "Syrian", "Regime", "Hospital", "Market", "School", "Strike", "Airstrike", "Airstrikes", "May", "June",
            "April", "March", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Al",
            "Missile", "Missiles", "Shelling", "Barrel", "Bombs", "Jets", "Rocket", "Rockets", "Massacre", "Killed",
            "Dead", "Injured", "Children", "Women", "Mosque", "Bakery", "Update", "Clinic", "Ambulance", "Residents",
            # words that open archivists' and channels' English titles
            "Step", "See", "Watch", "Witness", "Saw", "Agency", "News", "Network", "Press", "Eyewitnesses", "Local",
            "Council", "Chemical", "Chlorine", "Gas", "Attack", "Attacks", "Protest", "Protests", "Demonstration",
            "Arrest", "Arrests", "Detention", "Field", "Medical", "Center", "Centre", "Team", "Teams", "Moment",
            "Moments", "First", "Aftermath", "Destruction", "Damage", "Victims", "Wounded", "Martyrs", "Cluster",
            "Napalm", "Phosphorus", "Incendiary", "Ceasefire", "Truce", "Raid", "Raids", "Warplanes", "Warplane",
            "Aircraft", "Planes", "Helicopter", "Helicopters", "Mortar", "Mortars", "Artillery", "Tank", "Scud",
            "Grad", "Toxic", "Suffocation", "Cases", "Dozens", "Several", "After", "Before", "During", "Near",
            "Countryside", "City", "Town", "Village", "Province", "Syria", "Assad", "Forces", "Army", "Free", "Rebels", "Opposition"}
_CONNECTORS = {"al", "el", "an", "ar", "as", "ash", "ad", "at", "az", "ez", "es", "bin", "ibn", "abu", "abo", "um"}
_CONTEXT_AR = ("ريف", "محافظة", "منطقة", "ناحية")
_CONTEXT_EN_AFTER = ("countryside", "province", "governorate", "district", "region", "outskirts", "nahiyah", "nahiya",
                     "nahia", "subdistrict", "sub-district")
_CONTEXT_EN_BEFORE = ("rural",)
_CONTEXT_LEVEL = {"ناحيه": SUBDISTRICT, "nahiyah": SUBDISTRICT, "nahiya": SUBDISTRICT, "nahia": SUBDISTRICT,
                  "subdistrict": SUBDISTRICT, "sub-district": SUBDISTRICT, "district": DISTRICT,
                  "محافظه": GOVERNORATE, "province": GOVERNORATE, "governorate": GOVERNORATE}
# Ordinary words of reports that are also the names of villages somewhere («حالات» cases: Halat; «حول» about:
# al-Hol; «شهداء» martyrs: Shahda). One counts as a place only with evidence: a settlement word before it,
# quotes around it, or a place or area named beside it that it lies near or in.
_COMMON_AR = {arabic.arabic_key(w) for w in (
    "حالات", "حالة", "حول", "عشرات", "شهداء", "شهيد", "الشهيد", "مدرسة", "مسجد", "جسر", "تل", "ظهر", "صور", "خلفه",
    "وقف", "غرب", "شرق", "شمال", "جنوب", "الشمالي", "شمالي", "الجنوبي", "جنوبي", "الشرقي", "شرقي", "الغربي",
    "غربي", "طفلة", "طفل", "مزرعة", "مزارع", "حارة", "الحرية", "الثورة", "الوحدة", "السلام", "الجديدة", "جديدة",
    "اختناق", "جراء", "قصف", "غارة", "الغارة", "دمار", "مظاهرة", "اعتقال", "حاجز", "حريق", "انفجار", "نصر", "النصر",
    "عين", "بئر", "نهر", "جبل", "سهل", "وادي", "المحطة", "محطة", "معمل", "السوق", "الساحة", "المركز", "الحي",
    "الضيعة", "البلد", "المدينة", "القرية", "البلدة", "الريف", "الدوار", "الجامع", "الفرن", "المشفى", "المشفي",
    "عنقودية", "كيماوي", "الكيماوي", "سام", "غاز", "كلور", "الكلور", "هاون", "صاروخ", "برميل", "طيران", "الطيران",
    "حربي", "الحربي", "روسي", "الروسي", "جوية", "جوي", "مدفعي", "قذائف", "اصابات", "مصابين", "جرحى", "ضحايا",
    "قتلى", "مجزرة", "المجزرة", "اطفال", "نساء", "اهالي", "الاهالي", "المدنيين", "مدنيين", "ليلا", "صباحا",
    "مساء", "اليوم", "امس", "لحظة", "اللحظات", "شاهد", "عاجل", "خاص", "هام", "جديد", "اثار", "منازل", "بيوت",
    "تشرين", "كانون", "كيلو",
)}
_SETTLEMENT_AR = {arabic.arabic_key(w) for w in ("قرية", "بلدة", "مدينة", "حي", "مخيم", "ناحية", "منطقة", "قريتي",
                                                  "بلدتي", "مدينتي")}
_SETTLEMENT_EN = {"village", "town", "city", "of", "neighbourhood", "neighborhood", "camp"}
_PREPOSITIONS_AR = {"في", "فى", "على", "الى", "إلى", "من"}
_QUOTES = "\"'«»“”‘’"
_NEAR_KM = 15.0  # a common-word village this close to another place the text names is taken as meant


@dataclass(frozen=True)
class PlaceMention:
    text: str
    start: int
    end: int
    place: Place
    confidence: float
    reason: str
    alternatives: tuple[str, ...] = ()
    is_context: bool = False  # an area named as context ("Idlib countryside")


@dataclass(frozen=True)
class TimeMention:
    text: str
    start: int
    end: int
    value: datetime | date
    precision: str  # "minute", "part of day", "day"
    confidence: float
    reason: str


@dataclass
class _Window:
    start: int
    end: int
    words: list[str] = field(default_factory=list)


_BREAK = re.compile(r"[,.;:!?،؛\n()\[\]\"«»|/]+")


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]


def _segments(text: str) -> list[list[tuple[str, int, int]]]:
    """Runs of words between punctuation: a place name never spans a comma."""
    out, start = [], 0
    for m in _BREAK.finditer(text + "."):
        words = [(w, a + start, b + start) for w, a, b in _words(text[start:m.start()])]
        if words:
            out.append(words)
        start = m.end()
    return out


def _variants(word: str) -> list[str]:
    if not arabic.is_arabic(word):
        return [word]
    out = [word]
    for clitic in _AR_PROCLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= 3:
            out.append(word[len(clitic):])
    return out


def _lookup(g: Gazetteer, phrase: str, shortest: int = 3) -> list[Place]:
    ids: list[str] = []
    for key in arabic.keys(phrase):
        if len(key) < 3 + shortest:  # after the "ar:" or "la:" prefix
            continue
        ids.extend(i for i in g.by_key.get(key, []) if i not in ids)
    return [g.get(i) for i in ids]


_CHAIN_DASHES = "-–—"
_MEDIA_AFTER_EN = {"news", "agency", "network", "press", "media", "today", "tv", "channel"}
_MEDIA_BEFORE_AR = {arabic.arabic_key(w) for w in ("وكالة", "شبكة", "تنسيقية", "قناة", "اذاعة", "مكتب", "اعلام",
                                                    "مركز")}
_JOINED_BEFORE = {arabic.arabic_key(w) for w in ("ريف", "محافظة", "مدينة", "بلدة", "قرية", "حي", "مخيم", "ناحية",
                                                  "منطقة", "جبل", "سهل", "وادي")}
# A channel's hashtag («#حلب_نيوز», #Aleppo_News) names the channel, not where the event was.
_MEDIA = re.compile(r"#\w*(?:نيوز|news|شبكة|وكالة|تنسيقية|اعلام|إعلام|مركز|media|agency|network)\w*", re.I)
_TATWEEL = "\u0640"


def chain_view(text: str) -> str:
    """The text with the separators of chained titles as breaks, one character for one (spans hold).

    «حماه-كفرزيتا-حالات اختناق», «ريف دمشق_عين ترما_عشرات», «حلب ـ الأتارب»: a dash beside Arabic letters,
    digits or a space, an underscore in a text that also has spaces (not inside a #hashtag, where it is a
    space), and tatweel standing alone or beside digits separate names. A dash between Latin letters is kept
    (Maarat al-Numan, Deir-ez-Zor); an underscore in a text without spaces is a space (kafr_nabl_airstrike)."""
    spaced = any(c.isspace() for c in text)
    out = list(text)
    for m in _MEDIA.finditer(text):
        out[m.start():m.end()] = "|" * (m.end() - m.start())
    hashtag = False
    for i, c in enumerate(text):
        if out[i] == "|":
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if c == "#":
            hashtag = True
        elif c.isspace():
            hashtag = False
        if c == "_":
            said = text[max(0, i - 30):i].split()[-1:] or [""]
            joined = arabic.arabic_key(said[0].lstrip("#")) in _JOINED_BEFORE  # ريف_دمشق: one name
            out[i] = "|" if spaced and not hashtag and not joined else " "
        elif c in _CHAIN_DASHES:
            if (before.isspace() or after.isspace() or arabic.is_arabic(before) or arabic.is_arabic(after)
                    or before.isdigit() or after.isdigit() or c != "-"):
                out[i] = "|"
    for m in re.finditer(_TATWEEL + "+", text):  # a run of tatweel is one mark
        left = text[m.start() - 1] if m.start() else " "
        right = text[m.end()] if m.end() < len(text) else " "
        if not (arabic.is_arabic(left) and arabic.is_arabic(right)) or left.isdigit() or right.isdigit():
            out[m.start():m.end()] = "|" * (m.end() - m.start())
    return "".join(out)


def _split_glued(view: str, g: Gazetteer) -> str:
    """Tatweel inside a word is an elongation (حمـــاة) unless the word is names glued by it («حلبـكسيبةـقصف»),
    and a dash inside a Latin word is part of a name unless it joins capitalised names ("Hama-Kafr Zita"):
    split them where the whole is no held name."""
    out = list(view)
    for m in _WORD.finditer(view):
        word = m.group(0)
        if _TATWEEL in word.strip(_TATWEEL) and not any(_lookup(g, v) for v in _variants(word)):
            for k, c in enumerate(word):
                if c == _TATWEEL:
                    out[m.start() + k] = "|"
        parts = word.split("-")
        if len(parts) > 1 and not arabic.is_arabic(word) and not _lookup(g, word, shortest=2):
            # "Hama-Kafr Zita": capitalised names joined by a dash, unlike "Maarat al-Numan" or "Deir-ez-Zor"
            at = m.start()
            for left, right in zip(parts, parts[1:]):
                at += len(left)
                if left[:1].isupper() and right[:1].isupper() and left.lower() not in _CONNECTORS \
                        and right.lower() not in _CONNECTORS:
                    out[at] = "|"
                at += 1
    return "".join(out)


def find_places(text: str, g: Gazetteer, max_words: int = 4) -> list[PlaceMention]:
    raw: list[tuple[int, int, str, list[Place], bool, int]] = []
    view = _split_glued(chain_view(text), g)
    for words in _segments(view):
        raw.extend(_segment_places(text, words, g, max_words))
    raw.sort()
    areas = [_area_of(found, level) for _, _, _, found, ctx, level in raw if ctx]
    areas = [a for a in areas if a is not None]
    # The first name of a chained title that names a governorate files the report under it
    # («حلب – حيان:», "Idlib – Ihsem:", «حماه-كفرزيتا»): context, not the city.
    if len(raw) > 1 and not raw[0][4]:
        start, end, span, found, _, _ = raw[0]
        rest = view[end:end + 3].lstrip(" ")
        governorate = next((p for p in found if p.level == GOVERNORATE), None)
        if governorate is not None and rest[:1] in ("|", ":", "،", ","):
            raw[0] = (start, end, span, found, True, GOVERNORATE)
            areas.append(governorate)
    plain = [(start, found) for start, _, span, found, ctx, _ in raw
             if not ctx and _key(span) not in _COMMON_AR]
    out = []
    for start, end, span, found, context, level in raw:
        if context:
            area = _area_of(found, level) or found[0]
            why = "a governorate heading a chained title" if level == GOVERNORATE and raw[0][0] == start \
                and not _said_area(text, start) else "an area named as context"
            out.append(PlaceMention(span, start, end, area, 0.8, f"{why}: {area.name}", is_context=True))
            continue
        if _key(span) in _COMMON_AR:
            evidence = _evidence(g, text, start, end, found, areas, [f for s, f in plain if s != start])
            if evidence is None:
                continue  # an ordinary word («حالات اختناق»: cases of suffocation), not the village
            found, confidence_cap, because = evidence
        else:
            confidence_cap, because = 1.0, ""
        chosen, confidence, reason = _choose(g, found, areas, span)
        others = tuple(p.id for p in found if p.id != chosen.id)
        if len(arabic.latin_plain(span) or arabic.arabic_key(span)) <= 4:
            confidence -= 0.2  # short names collide with ordinary words
        confidence = min(confidence, confidence_cap)
        mention = PlaceMention(span, start, end, chosen, round(confidence, 2), reason + because, others)
        out.append(_read_as_phrase(g, view, mention, found) if others else mention)
    return out


_DESCRIBE_EN = _SETTLEMENT_EN | {"the", "near", "outskirts", "vicinity", "neighbourhood", "district"}
_DESCRIBE_AR = _SETTLEMENT_AR | {arabic.arabic_key(w) for w in ("قرب", "أطراف", "محيط", "بالقرب")}


def _describes(word: str) -> bool:
    """A word that describes the place named after it: a descriptor or a relation, not the report's words."""
    if arabic.is_arabic(word):
        return any(v == word and arabic.arabic_key(v) in _DESCRIBE_AR or arabic.arabic_key(v) in _DESCRIBE_AR
                   for v in _variants(word))
    return word.lower() in _DESCRIBE_EN


_PHRASE_BREAK = re.compile(r"[.;!?؛\n()\[\]|«»\"]+")
_SURE = 0.75  # a shared name the location phrase around it narrows to one place


def _read_as_phrase(g: Gazetteer, view: str, mention: PlaceMention, found: list[Place]) -> PlaceMention:
    """A shared name in a location phrase of the text ("Khalidiyeh neighbourhood in Homs", «الخالدية بحمص», "X
    town in Idlib countryside"): the location-string parser reads the phrase around it (its descriptors,
    relations and context, `core.places.resolve`), and the one place it resolves to is taken, the others
    dropped. Left as it was when the phrase does not narrow it."""
    from .resolve import parse_for, resolve_named

    left = max((m.end() for m in _PHRASE_BREAK.finditer(view, 0, mention.start)), default=0)
    right = next((m.start() for m in _PHRASE_BREAK.finditer(view, mention.end)), len(view))
    start = mention.start
    for word in reversed(list(_WORD.finditer(view, left, mention.start))):  # «حي الخالدية», "the village of X"
        if word.end() + 2 < start or not _describes(word.group(0)):
            break
        start = word.start()
    phrase = view[start:right][:300].strip(" ,:-–—،")
    if not phrase or phrase == mention.text.strip():
        return mention
    wanted = arabic.keys(mention.text) | {k for v in _variants(mention.text) for k in arabic.keys(v)}
    named = next((n for n in parse_for(phrase, g).places if arabic.keys(n.name) & wanted), None)
    if named is None or not (named.contexts or named.kind):
        return mention
    r = resolve_named(named, g, [], None)
    ids = {p.id for p in found}
    if r.status != "resolved" or not r.candidates or r.candidates[0].place.id not in ids:
        return mention
    place = r.candidates[0].place
    return replace(mention, place=place, confidence=max(mention.confidence, _SURE), alternatives=(),
                   reason=f"the location phrase {phrase[:80]!r}: {r.reason}")


def _key(span: str) -> str:
    """A one-word span's Arabic key without a joined preposition (وحول → حول); "" for longer spans."""
    if " " in span.strip() or not arabic.is_arabic(span):
        return ""
    key = arabic.arabic_key(span)
    if key in _COMMON_AR:
        return key
    for clitic in _AR_PROCLITICS:
        if span.startswith(clitic) and arabic.arabic_key(span[len(clitic):]) in _COMMON_AR:
            return arabic.arabic_key(span[len(clitic):])
    return key


def _said_area(text: str, start: int) -> bool:
    before = text[max(0, start - 8):start].split()
    return bool(before) and _ar_context_word(before[-1])


def _ar_context_word(word: str) -> bool:
    keys = {arabic.arabic_key(c) for c in _CONTEXT_AR}
    return arabic.arabic_key(word) in keys or any(
        word.startswith(c) and arabic.arabic_key(word[len(c):]) in keys for c in _AR_PROCLITICS)


def _area_of(found: list[Place], level: int) -> Place | None:
    admin = [p for p in found if p.level in (GOVERNORATE, DISTRICT, SUBDISTRICT)]
    wanted = [p for p in admin if p.level == level] if level else []
    return (wanted or admin or [None])[0]


def _evidence(g: Gazetteer, text: str, start: int, end: int, found: list[Place], areas: list[Place],
              others: list[list[Place]]) -> tuple[list[Place], float, str] | None:
    """Why an ordinary word that is also a village name is taken as the village here, or None."""
    before = text[:start].split()
    word_before = before[-1] if before else ""
    opening = text[max(0, start - 2):start].strip()[-1:]
    closing = text[end:end + 2].strip()[:1]
    if opening and closing and opening in _QUOTES and closing in _QUOTES:
        return found, 1.0, "; quoted"
    before_key = arabic.arabic_key(word_before)
    if before_key in _SETTLEMENT_AR or any(word_before.startswith(c) and arabic.arabic_key(word_before[len(c):])
                                           in _SETTLEMENT_AR for c in ("ب", "ل", "و", "وب", "ول")) \
            or word_before.lower() in _SETTLEMENT_EN:
        return found, 1.0, f"; {word_before!r} before it"
    inside = [p for p in found if any(g.within(p, a) for a in areas)]
    if inside:
        return inside, 1.0, "; within the area the text names"
    near = [p for p in found if p.lat is not None and any(
        o.lat is not None and o.level != GOVERNORATE and distance_km((p.lat, p.lon), (o.lat, o.lon)) <= _NEAR_KM
        for group in others for o in group)]
    if near:
        return near, 1.0, "; near another place the text names"
    if word_before in _PREPOSITIONS_AR:
        # «في حالات»: too weak to count against an incident elsewhere, enough to add a little.
        return found, 0.35, f"; an ordinary word too, only {word_before!r} before it: weak"
    return None


def _capitalised(word: str) -> bool:
    """A capitalised English word, or an article before one as archivists write it ("al-Hobait")."""
    head, _, rest = word.partition("-")
    return word[:1].isupper() or (head.lower() in _CONNECTORS and rest[:1].isupper())


def _segment_places(text: str, words: list[tuple[str, int, int]], g: Gazetteer,
                    max_words: int) -> list[tuple[int, int, str, list[Place], bool, int]]:
    raw = []
    taken = [False] * len(words)
    for size in range(max_words, 0, -1):
        for i in range(len(words) - size + 1):
            if any(taken[i:i + size]):
                continue
            run = words[i:i + size]
            first = run[0][0]
            if arabic.is_arabic(first):
                if size == 1 and arabic.arabic_key(first) in _STOP_AR:
                    continue
                heads = _variants(first)
            else:
                if not _capitalised(first) or first in _STOP_EN or not all(
                        w[:1].isupper() or w.lower().split("-")[0] in _CONNECTORS for w, _, _ in run[1:]):
                    continue  # English place names are capitalised: "Kafr Nabl", "Maarat al-Numan"
                heads = [first]
            before = words[i - 1][0] if i else ""
            after = words[i + size][0] if i + size < len(words) else ""
            if after.lower() in _MEDIA_AFTER_EN or arabic.arabic_key(before) in _MEDIA_BEFORE_AR:
                continue  # "Qasioun News", «وكالة قاسيون», «شبكة شام»: a channel's name, not a place
            two_before = words[i - 2][0].lower() if i > 1 else ""
            context = (_ar_context_word(before) if arabic.is_arabic(before) else False) \
                or after.lower() in _CONTEXT_EN_AFTER or before.lower() in _CONTEXT_EN_BEFORE \
                or (before.lower() == "of" and two_before in _CONTEXT_EN_AFTER)  # "the countryside of Idlib"
            if before.lower() == "of" and two_before in _CONTEXT_EN_AFTER:
                after = two_before
            level = _CONTEXT_LEVEL.get(after.lower()) or _CONTEXT_LEVEL.get(arabic.arabic_key(before).lstrip("بلوف")) \
                or _CONTEXT_LEVEL.get(arabic.arabic_key(before)) or 0
            found, used = [], ""
            for head in heads:
                phrase = " ".join([head, *[w for w, _, _ in run[1:]]])
                # Two consonants are enough for a capitalised name of four letters or more (Hama, Lahaya),
                # or for an area named as context ("Hama countryside").
                short = context or (not arabic.is_arabic(phrase) and len(arabic.latin_plain(phrase)) >= 4)
                found = _lookup(g, phrase, shortest=2 if short else 3)
                if found:
                    used = phrase
                    break
            if not found:
                continue
            start, end = run[0][1] + (len(first) - len(used.split(" ")[0]) if used else 0), run[-1][2]
            for k in range(i, i + size):
                taken[k] = True
            raw.append((start, end, text[start:end], found, context, level))
    return raw


def _choose(g: Gazetteer, found: list[Place], areas: list[Place], span: str) -> tuple[Place, float, str]:
    towns = [p for p in found if p.level == PLACE] or found
    # A place whose own name is spelled so before one with it as an alias; then the closest spelling.
    own = {p.id for p in towns if arabic.keys(span) & (arabic.keys(p.name) | arabic.keys(p.name_ar or ""))}
    towns.sort(key=lambda p: (p.id not in own, -g.closest_name(p, span)[0]))
    if len(towns) == 1:
        return towns[0], 0.9, f"the only place named so: {towns[0].name}"
    inside = [p for p in towns if any(g.within(p, a) for a in areas)]
    if len(inside) == 1:
        return inside[0], 0.75, f"{inside[0].name}, the one within {next(a.name for a in areas if g.within(inside[0], a))}"
    pool = inside or towns
    seats = [p for p in pool if g.seat_level(p) in (GOVERNORATE, DISTRICT)]
    if len(seats) == 1:  # «حماه», "Idlib": the city that names its governorate, not the villages so called
        level = "governorate" if g.seat_level(seats[0]) == GOVERNORATE else "district"
        return seats[0], 0.8, (f"{seats[0].name} gives its name to its {level}; {len(pool) - 1} smaller places "
                               "share the name")
    return pool[0], 0.4, f"{len(pool)} places share this name; {pool[0].name} taken for now, not certain"


# --- times -------------------------------------------------------------------

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11,
    "dec": 12,
}
_MONTHS_AR = {  # Levantine and Egyptian month names, alef forms folded (آذار = اذار)
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7, "اب": 8, "ايلول": 9,
    "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12, "تشرين اول": 10, "تشرين ثاني": 11,
    "كانون ثاني": 1, "كانون اول": 12, "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "ماي": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11,
    "ديسمبر": 12,
}
_AR_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS_AR), key=len, reverse=True))
_EN_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
# Between the numbers of a date activists write "-", "/", ".", "_", tatweel or a space (11-4-2014, 21 4 2014,
# 22_05_2014, 19ـ5ـ2014); the same separator both times, so "ج2 1 2 2016" is 1 February, not 2 January.
_SEP = r"(\s*[-/._\u0640]\s*|\s+)"
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS = [
    (re.compile(rf"(?<![\d.])(\d{{4}}){_SEP}(\d{{1,2}})\2(\d{{1,2}})(?![\d])"), ("y", "_", "m", "d"), 0.9),
    (re.compile(rf"(?<![\d.])(\d{{1,2}}){_SEP}(\d{{1,2}})\2(\d{{4}})(?!\d)"), ("d", "_", "m", "y"), 0.9),  # day first
    (re.compile(r"(?<!\d)(\d{8})(?!\d)"), ("8",), 0.8),  # 17072014, 20140717
    (re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_EN_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I), ("d", "M", "y"), 0.9),
    (re.compile(rf"\b({_EN_MONTH_RE})\.?\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})\b", re.I), ("M", "d", "y"), 0.9),
    (re.compile(rf"(?<!\d)(\d{{1,2}})\s*[-/_\u0640]?\s*(?:من\s+)?(?:شهر\s+)?({_AR_MONTH_RE})\s*[-/_\u0640]?\s*(?:عام|سنة|لعام)?\s*"
                rf"(\d{{4}})"), ("d", "A", "y"), 0.9),
    (re.compile(r"(?<![\d.:])(\d{1,2})([-/._\u0640])(\d{1,2})\2(\d{2})(?![\d.:])"), ("d", "_", "m", "yy"), 0.7),
    # No year: the post's year (the year before when that would be after the post).
    (re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_EN_MONTH_RE})\b(?!\.?,?\s+\d)", re.I), ("d", "M"), 0.7),
    (re.compile(rf"\b({_EN_MONTH_RE})\.?\s+(\d{{1,2}}){_ORD}\b(?!,?\s+\d)", re.I), ("M", "d"), 0.7),
    (re.compile(rf"(?<!\d)(\d{{1,2}})\s*(?:من\s+)?(?:شهر\s+)?({_AR_MONTH_RE})(?!\w)(?!\s*[-/_\u0640]?\s*(?:عام|سنة)?\s*\d)"),
     ("d", "A"), 0.7),
]
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2})[:.](\d{2})(?![\d:])\s*(am|pm|a\.m\.|p\.m\.|صباحا|صباحاً|ظهرا|ظهراً|مساء|مساءً|ليلا|ليلاً)?",
                    re.I)
# Words relative to the post time: (pattern, days back, part of day or None).
_RELATIVE = [
    (re.compile(r"\b(this morning)\b|صباح اليوم|فجر اليوم", re.I), 0, time(8, 0)),
    (re.compile(r"\b(this evening|tonight)\b|مساء اليوم|الليلة", re.I), 0, time(20, 0)),
    (re.compile(r"\b(last night)\b|ليلة أمس|ليلة البارحة|مساء أمس|مساء البارحة", re.I), 1, time(22, 0)),
    (re.compile(r"\b(yesterday morning)\b|صباح أمس|صباح البارحة|فجر أمس", re.I), 1, time(8, 0)),
    (re.compile(r"\b(yesterday)\b|(?<!\w)(أمس|البارحة)(?!\w)", re.I), 1, None),
    (re.compile(r"\b(today)\b|(?<!\w)اليوم(?!\w)", re.I), 0, None),
    (re.compile(r"\b(just now|moments ago|minutes ago)\b|قبل قليل|منذ قليل|(?<!\w)الآن(?!\w)", re.I), 0, "post"),
]
_RELATIVE = [(re.compile(p.pattern.translate(str.maketrans("أإآ", "ااا")), p.flags), back, part)
             for p, back, part in _RELATIVE]  # matched against the text with its alef forms folded
_WRITTEN = "a date written out"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ALEFS = str.maketrans("أإآ", "ااا")
_YEARS = range(1990, 2100)


def _date_of(parts: dict[str, str], posted_at: datetime | None) -> date | None:
    """The date the matched parts name, or None where they name none (31-2-2016, 17.5.20145)."""
    if "8" in parts:  # ddmmyyyy as Syrian titles write it, else yyyymmdd
        digits = parts["8"]
        tries = [(digits[4:], digits[2:4], digits[:2]), (digits[:4], digits[4:6], digits[6:])]
        for y, m, d in tries:
            if int(y) in _YEARS:
                try:
                    return date(int(y), int(m), int(d))
                except ValueError:
                    continue
        return None
    if "M" in parts:
        month = _MONTHS[parts["M"].lower()]
    elif "A" in parts:
        month = _MONTHS_AR[parts["A"]]
    else:
        month = int(parts["m"])
    day = int(parts["d"])
    if "m" in parts and month > 12 and day <= 12:  # 5/13/2014: an English month-first date
        month, day = day, month
    if "y" in parts:
        year = int(parts["y"])
    elif "yy" in parts:
        year = 2000 + int(parts["yy"])
        if posted_at is not None and year > posted_at.year:
            return None
    elif posted_at is not None:
        year = posted_at.year
        try:
            if date(year, month, day) > posted_at.date():
                year -= 1
        except ValueError:
            return None
    else:
        return None
    if year not in _YEARS and not (year > 2099 and "y" in parts):
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_times(text: str, posted_at: datetime | None = None, tz: str = "Asia/Damascus") -> list[TimeMention]:
    """Dates and times the text gives, absolute or relative to `posted_at`. Values are
    local times in `tz` (what a witness writes), without a zone attached."""
    original, text = text, text.translate(_DIGITS).translate(_ALEFS)  # one character for one: spans hold
    if posted_at is not None and posted_at.tzinfo is not None:
        posted_at = posted_at.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    out: list[TimeMention] = []
    used: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in used)

    for pattern, order, confidence in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            day = _date_of(dict(zip(order, m.groups())), posted_at)
            if day is None:
                continue
            used.append((m.start(), m.end()))
            reason = _WRITTEN if "y" in order or "8" in order else _WRITTEN + " (no year: the post's year)"
            if "yy" in order:
                reason = _WRITTEN + " (a two-digit year)"
            out.append(_dated(m, day, "day", confidence, reason, posted_at))
    for m in _CLOCK.finditer(text):
        if not free(m.start(), m.end()):
            continue
        hour, minute, suffix = int(m.group(1)), int(m.group(2)), (m.group(3) or "").lower()
        if suffix.startswith(("pm", "p.m", "مساء", "ليل")) and hour < 12:
            hour += 12
        if suffix.startswith(("ظهر",)) and hour < 6:
            hour += 12
        if hour > 23 or minute > 59:
            continue
        used.append((m.start(), m.end()))
        day = _day_near(out, m.start(), posted_at)
        if day is None:
            continue
        out.append(_dated(m, datetime.combine(day, time(hour, minute)), "minute", 0.8,
                          "a clock time, on " + ("the date beside it" if _has_date(out) else "the day of the post"),
                          posted_at))
    if posted_at is not None:
        for pattern, back, part in _RELATIVE:
            for m in pattern.finditer(text):
                if not free(m.start(), m.end()):
                    continue
                used.append((m.start(), m.end()))
                if part == "post":
                    out.append(TimeMention(m.group(0), m.start(), m.end(), posted_at, "minute", 0.7,
                                           "said to be now, at the post time"))
                    continue
                day = posted_at.date() - timedelta(days=back)
                value = datetime.combine(day, part) if isinstance(part, time) else day
                out.append(TimeMention(m.group(0), m.start(), m.end(), value, "part of day" if part else "day", 0.7,
                                       f"relative to the post time ({posted_at:%Y-%m-%d %H:%M})"))
    return sorted((replace(t, text=original[t.start:t.end]) for t in out), key=lambda t: t.start)


def _written_date(t: TimeMention) -> bool:
    """A date the text writes out (its reason may go on to say it is doubtful)."""
    return t.precision == "day" and t.reason.startswith(_WRITTEN)


def _has_date(found: list[TimeMention]) -> bool:
    return any(_written_date(t) for t in found)


def _day_near(found: list[TimeMention], at: int, posted_at: datetime | None) -> date | None:
    dates = [t for t in found if _written_date(t)]
    if dates:
        nearest = min(dates, key=lambda t: abs(t.start - at))
        return nearest.value if isinstance(nearest.value, date) and not isinstance(nearest.value, datetime) else None
    return posted_at.date() if posted_at else None


def _dated(m: re.Match, value: date | datetime, precision: str, confidence: float, reason: str,
           posted_at: datetime | None) -> TimeMention:
    limit = posted_at.date() if posted_at else datetime.now().date()
    day = value.date() if isinstance(value, datetime) else value
    if day > limit:
        confidence, reason = 0.2, reason + ("; after the post time" if posted_at else "; in the future") + \
            ": doubtful"
    return TimeMention(m.group(0), m.start(), m.end(), value, precision, confidence, reason)

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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import arabic
from .gazetteer import DISTRICT, GOVERNORATE, PLACE, SUBDISTRICT, Gazetteer, Place

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
            "Dead", "Injured", "Children", "Women", "Mosque", "Bakery", "Update", "Clinic", "Ambulance", "Residents"}
_CONNECTORS = {"al", "el", "an", "ar", "as", "ash", "ad", "at", "az", "ez", "es", "bin", "ibn", "abu", "abo", "um"}
_CONTEXT_AR = ("ريف", "محافظة", "منطقة")
_CONTEXT_EN_AFTER = ("countryside", "province", "governorate", "district", "region", "outskirts")
_CONTEXT_EN_BEFORE = ("rural",)


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


def find_places(text: str, g: Gazetteer, max_words: int = 4) -> list[PlaceMention]:
    raw: list[tuple[int, int, str, list[Place], bool]] = []
    segments = _segments(text)
    for words in segments:
        raw.extend(_segment_places(text, words, g, max_words))
    areas = [p for _, _, _, found, ctx in raw if ctx for p in found if p.level in (GOVERNORATE, DISTRICT, SUBDISTRICT)]
    out = []
    for start, end, span, found, context in sorted(raw):
        if context:
            area = next((p for p in found if p.level in (GOVERNORATE, DISTRICT, SUBDISTRICT)), found[0])
            out.append(PlaceMention(span, start, end, area, 0.8, f"an area named as context: {area.name}",
                                    is_context=True))
            continue
        chosen, confidence, reason = _choose(g, found, areas, span)
        others = tuple(p.id for p in found if p.id != chosen.id)
        if len(arabic.latin_plain(span) or arabic.arabic_key(span)) <= 4:
            confidence -= 0.2  # short names collide with ordinary words
        out.append(PlaceMention(span, start, end, chosen, round(confidence, 2), reason, others))
    return out


def _segment_places(text: str, words: list[tuple[str, int, int]], g: Gazetteer, max_words: int) -> list[tuple[int, int, str, list[Place], bool]]:
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
                if not first[:1].isupper() or first in _STOP_EN or not all(
                        w[:1].isupper() or w.lower().split("-")[0] in _CONNECTORS for w, _, _ in run[1:]):
                    continue  # English place names are capitalised: "Kafr Nabl", "Maarat al-Numan"
                heads = [first]
            before = words[i - 1][0] if i else ""
            after = words[i + size][0] if i + size < len(words) else ""
            context = (arabic.arabic_key(before) in {arabic.arabic_key(c) for c in _CONTEXT_AR}
                       or after.lower() in _CONTEXT_EN_AFTER or before.lower() in _CONTEXT_EN_BEFORE)
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
            raw.append((start, end, text[start:end], found, context))
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
    return pool[0], 0.4, f"{len(pool)} places share this name; {pool[0].name} taken for now, not certain"


# --- times -------------------------------------------------------------------

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11,
    "dec": 12,
}
_MONTHS_AR = {  # Levantine and Egyptian month names
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7, "آب": 8, "أيلول": 9,
    "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12, "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4,
    "ابريل": 4, "مايو": 5, "يونيو": 6, "يوليو": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10,
    "نوفمبر": 11, "ديسمبر": 12,
}
_AR_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS_AR), key=len, reverse=True))
_EN_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b"), ("d", "m", "y")),  # day first, as written in Syria
    (re.compile(rf"\b(\d{{1,2}})\s+({_EN_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I), ("d", "M", "y")),
    (re.compile(rf"\b({_EN_MONTH_RE})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I), ("M", "d", "y")),
    (re.compile(rf"(\d{{1,2}})\s*(?:من\s+)?({_AR_MONTH_RE})\s*(?:عام|سنة)?\s*(\d{{4}})"), ("d", "A", "y")),
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
_WRITTEN = "a date written out"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def find_times(text: str, posted_at: datetime | None = None, tz: str = "Asia/Damascus") -> list[TimeMention]:
    """Dates and times the text gives, absolute or relative to `posted_at`. Values are
    local times in `tz` (what a witness writes), without a zone attached."""
    text = text.translate(_DIGITS)
    if posted_at is not None and posted_at.tzinfo is not None:
        posted_at = posted_at.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    out: list[TimeMention] = []
    used: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in used)

    for pattern, order in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            parts = dict(zip(order, m.groups()))
            month = _MONTHS[parts["M"].lower()] if "M" in parts else (
                _MONTHS_AR[parts["A"]] if "A" in parts else int(parts["m"]))
            try:
                day = date(int(parts["y"]), month, int(parts["d"]))
            except ValueError:
                continue
            used.append((m.start(), m.end()))
            out.append(_dated(m, day, "day", 0.9, _WRITTEN, posted_at))
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
    return sorted(out, key=lambda t: t.start)


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

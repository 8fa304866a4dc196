"""Spelling-insensitive keys for Arabic place names, in Arabic script and in the
many Latin transliterations of them.

One town is written كفرنبل, كفر نبل, Kafranbel, Kafr Nabl and Kafr Nobol.
Arabic script varies in diacritics, tatweel, the forms of alef and hamza, ta
marbuta, alef maqsura, Persian and Urdu letters and the spaces inside compound
names; Latin spellings vary mostly in vowels, doubled letters, digraphs (kh, sh,
q/k) and how the article is written (al-, el-, an-, as-). So a name's keys are:
its normalised Arabic letters without spaces and articles, and its Latin
consonant skeleton. Two spellings with the same key are the same name.
"""

from __future__ import annotations

import re
import unicodedata

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, Quranic marks, tatweel
_ARABIC_LETTERS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ؤ": "و", "ئ": "ي", "ء": "",
    "ة": "ه", "ۃ": "ه", "ۀ": "ه", "ہ": "ه", "ھ": "ه",
    "ى": "ي", "ی": "ي", "ې": "ي", "ێ": "ي", "ے": "ي",
    "ک": "ك", "ڪ": "ك", "گ": "ك",
    "پ": "ب", "چ": "ج", "ژ": "ز", "ڤ": "ف", "ڨ": "ق",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    "\u200c": " ", "\u200d": "", "\u200e": "", "\u200f": "",
})
_ARABIC_RANGE = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_NON_WORD_AR = re.compile(r"[^\w\s]|_")

# Latin: the article in its spellings; before a "sun letter" Arabic assimilates it (an-Nu'man, as-Safira).
_ARTICLES = {"al", "el", "il", "ul", "l"}
_SUN = set("tdrzsnl")
_DIGRAPHS = (("kh", "k"), ("gh", "g"), ("sh", "s"), ("ch", "s"), ("th", "t"), ("dh", "d"), ("ph", "f"),
             ("ck", "k"), ("q", "k"), ("c", "k"), ("x", "ks"), ("j", "j"), ("v", "f"), ("p", "b"))
_VOWELS = set("aeiouy")


def is_arabic(text: str) -> bool:
    return bool(_ARABIC_RANGE.search(text))


def normalise_arabic(text: str) -> str:
    """Arabic letters as a reader would match them: no diacritics or tatweel, one
    alef, hamza carriers folded, ta marbuta as ha, alef maqsura as ya, Persian
    and Urdu letters as their Arabic ones, punctuation dropped, spaces single."""
    text = unicodedata.normalize("NFKC", text)
    text = _DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)
    text = _NON_WORD_AR.sub(" ", text)
    return " ".join(text.split())


def _strip_article_ar(word: str) -> str:
    for prefix in ("وال", "بال", "فال", "لل", "ال"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    return word


def arabic_key(text: str) -> str:
    """The Arabic matching key: normalised, articles dropped, no spaces (كفر نبل = كفرنبل)."""
    return "".join(_strip_article_ar(w) for w in normalise_arabic(text).split())


def latin_words(text: str) -> list[str]:
    """Lower-case ASCII words: accents, ayn and hamza marks and apostrophes removed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[’'`‘ʿʾʻʼ´]", "", text.lower())
    return re.findall(r"[a-z0-9]+", text)


def _drop_articles(words: list[str]) -> list[str]:
    out = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if following and (word in _ARTICLES or (len(word) == 2 and word[0] in "ae" and word[1] in _SUN
                                                 and following.startswith(word[1]))):
            continue
        out.append(word)
    return out


def _skeleton_word(word: str) -> str:
    if len(word) > 2 and word.endswith("h") and word[-2] in _VOWELS:
        word = word[:-1]  # ta marbuta written -ah / -eh / -ih
    for a, b in _DIGRAPHS:
        word = word.replace(a, b)
    word = re.sub(r"(.)\1+", r"\1", word)  # doubled letters (Maarrat, Tallabbeh), before vowels go: Danin stays dnn
    head, rest = word[:1], word[1:]
    if head in _VOWELS and head != "y":
        head = ""
    return head + "".join(c for c in rest if c not in _VOWELS)


def latin_key(text: str) -> str:
    """The Latin matching key: the consonant skeleton of the name without its
    articles (Kafranbel, Kafr Nabl, Kafr Nobol → kfrnbl)."""
    out = ""
    for word in _drop_articles(latin_words(text)):
        part = _skeleton_word(word)
        out += part[1:] if out and part and out[-1] == part[0] else part  # Tal Labbeh = Tallabbeh
    return out


def latin_plain(text: str) -> str:
    """Lower-case ASCII letters only, vowels kept (for fuzzy comparison)."""
    return "".join(_drop_articles(latin_words(text)))


_SOUNDS = (("ee", "i"), ("oo", "u"), ("ou", "u"), ("q", "k"), ("e", "i"), ("o", "u"), ("y", "i"), ("w", "u"))


def latin_sound(plain: str) -> str:
    """A `latin_plain` name as it sounds, for comparing transliterations: Arabic has three vowels, so e/i and
    o/u, ee/i, oo/ou/u are one; q and k one (Saqba, Sakba); a doubled letter or vowel one; a final -h after a
    vowel (ta marbuta) dropped (Khaldeeye, Khalidiyeh)."""
    word = plain[:-1] if len(plain) > 2 and plain.endswith("h") and plain[-2] in _VOWELS else plain
    for a, b in _SOUNDS:
        word = word.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", word)


def keys(name: str) -> set[str]:
    """Every matching key of a name (a name in mixed script gives both kinds)."""
    out = set()
    if is_arabic(name):
        key = arabic_key(name)
        if key:
            out.add("ar:" + key)
        joined = normalise_arabic(name).replace(" ", "")  # كهف الحبش written كهفالحبش
        if joined and joined != key:
            out.add("ar:" + _strip_article_ar(joined))
    if re.search(r"[A-Za-z]", unicodedata.normalize("NFKD", name)):
        key = latin_key(name)
        if len(key) >= 2:
            out.add("la:" + key)
    return out



_SHORT_VOWELS = (("ee", "i"), ("oo", "u"), ("ou", "u"), ("q", "k"), ("e", "i"), ("o", "u"), ("a", "i"))


def latin_vowel_shape(plain: str) -> str:
    """A `latin_plain` name as it sounds with a, e and i as one vowel (and o, u as one): Arabic short vowels are
    written by ear (Hazzah and Hezzeh are one name, حزة, and also the sound of الهزة). y and w stay letters
    (Darayya is not Daraa), so do the consonants (Salma is not Salamiyeh)."""
    word = plain[:-1] if len(plain) > 2 and plain.endswith("h") and plain[-2] in _VOWELS else plain
    for a, b in _SHORT_VOWELS:
        word = word.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", word)

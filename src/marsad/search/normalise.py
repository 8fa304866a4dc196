"""Words as search matches them, the same for the index and the query. Pure: no Django.

Text is cut into words (runs of letters, digits and combining marks), and each word
is normalised: the gazetteer's Arabic folding (diacritics, tatweel, alef and hamza
forms, ta marbuta, alef maqsura), Latin accents dropped, case folded, every kind of
digit written 0-9. A normalised word holds only letters and ASCII digits, so SQLite
FTS5's unicode61 tokenizer and PostgreSQL's 'simple' parser both see exactly the
tokens written here, and the two databases match the same rows.

An Arabic word with the article (ال, وال, بال, …) is indexed twice, with and
without it, so «المشفى» is found by «مشفى»; query words lose the article, so
«المشفى» also finds «مشفى». Highlighting normalises each original word alone and
marks those whose tokens match: the original text is shown, never the normalised one.
"""

from __future__ import annotations

import functools
import html
import unicodedata
from dataclasses import dataclass

from marsad.core.places.arabic import normalise_arabic

MAX_TOKEN = 64  # PostgreSQL refuses words over 2 kB; nobody searches for one this long
MAX_TEXT = 100_000  # characters of one field that are indexed (a tsvector holds at most 1 MB)
# Longest first: وال before ال. At least two letters must remain (ال alone is no article).
ARTICLES = ("وبال", "وال", "بال", "فال", "كال", "ولل", "لل", "ال")
# Letters that carry no sound in Latin transliteration (Ma'arrat, Maʿarrat, Ma`arrat).
_APOSTROPHES = dict.fromkeys(map(ord, "’'`‘ʿʾʻʼ´"), None)
# Vowel signs that were marks in Unicode 6.1, whose tables SQLite's unicode61 tokenizer
# keeps, and are letters (Lo) to Python now (New Tai Lue, Vedic): FTS5 would split a
# word at them, and a quoted query word that splits is a phrase, which detail='column'
# refuses with an error. Dropped, as the other marks are (found by tokenizing every
# letter with FTS5; PostgreSQL keeps them, so dropping them changes nothing there).
_OLD_MARKS = frozenset(map(chr, [*range(0x19B0, 0x19C1), 0x19C8, 0x19C9, 0x1CF2, 0x1CF3]))


def _is_word_char(c: str) -> bool:
    cat = unicodedata.category(c)
    return cat[0] in "LNM" or c in "’'`‘ʿʾʻʼ´"


def words(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word in the original text: runs of letters, digits, marks
    and transliteration apostrophes."""
    spans, start = [], None
    for i, c in enumerate(text):
        if _is_word_char(c):
            if start is None:
                start = i
        elif start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _fold(word: str) -> str:
    word = normalise_arabic(word.translate(_APOSTROPHES))
    word = unicodedata.normalize("NFKD", word)
    out = []
    for c in word.casefold():
        cat = unicodedata.category(c)
        if c in _OLD_MARKS:
            continue
        if cat == "Nd":
            out.append(str(unicodedata.digit(c)))
        elif cat[0] in "LN":
            out.append(c)
        elif cat[0] != "M":
            out.append(" ")  # NFKD may split a character into word and non-word (½ → 1⁄2)
    return unicodedata.normalize("NFC", "".join(out))


def strip_article(token: str) -> str:
    for prefix in ARTICLES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            return token[len(prefix):]
    return token


def word_tokens(word: str) -> list[str]:
    """The normalised tokens of one original word (usually one)."""
    return list(_word_tokens(word))


@functools.lru_cache(maxsize=1 << 16)
def _word_tokens(word: str) -> tuple[str, ...]:
    # Words recur (a channel's name, the same few hundred words in every report): folding
    # each once was a quarter of a text-heavy import's time.
    return tuple(t[:MAX_TOKEN] for t in _fold(word).split())


def document(text: str) -> str:
    """The text as the index stores it: tokens separated by spaces, article-less forms added."""
    out = []
    for start, end in words(text[:MAX_TEXT]):
        for token in word_tokens(text[start:end]):
            out.append(token)
            bare = strip_article(token)
            if bare != token:
                out.append(bare)
    return " ".join(out)


@dataclass(frozen=True)
class Query:
    """Query words, normalised; the last is also matched as a prefix when `prefix` is set."""

    tokens: tuple[str, ...]
    prefix: bool = False

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def matches(self, token: str) -> bool:
        """Whether one indexed token satisfies some query word (for highlighting)."""
        if token in self.tokens:
            return True
        return self.prefix and token.startswith(self.tokens[-1])

    def fts5(self) -> str:
        """An FTS5 MATCH expression: every word (implicit AND), quoted."""
        parts = [f'"{t}"' for t in self.tokens]
        if self.prefix:
            parts[-1] += "*"
        return " ".join(parts)

    def tsquery(self) -> str:
        """The same for PostgreSQL's to_tsquery('simple', …)."""
        parts = [f"'{t}'" for t in self.tokens]
        if self.prefix:
            parts[-1] += ":*"
        return " & ".join(parts)


MIN_PREFIX = 3  # a shorter prefix would match half the index


def query(text: str, prefix: bool = True) -> Query:
    """Normalise query text with the same rules as `document`. Words are ANDed; the last
    word (of at least MIN_PREFIX letters, not followed by a space) also matches as a prefix."""
    tokens: list[str] = []
    for start, end in words(text[:1000]):
        for token in word_tokens(text[start:end]):
            token = strip_article(token)
            if token not in tokens:
                tokens.append(token)
    tokens = tokens[:12]
    use_prefix = prefix and bool(tokens) and len(tokens[-1]) >= MIN_PREFIX and not text[-1:].isspace()
    return Query(tuple(tokens), use_prefix)


def highlight(text: str, q: Query, size: int = 240) -> str:
    """HTML of `text` (escaped) with the words matching `q` in <mark>, cut to about `size`
    characters around the first match."""
    spans = [(s, e) for s, e in words(text) if any(q.matches(t) or q.matches(strip_article(t))
                                                  for t in word_tokens(text[s:e]))]
    start, end = 0, len(text)
    if len(text) > size:
        first = spans[0][0] if spans else 0
        start = max(0, first - size // 3)
        end = min(len(text), start + size)
        # Cut at word boundaries, not inside a word.
        while start > 0 and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
            start -= 1
        while end < len(text) and _is_word_char(text[end - 1]) and _is_word_char(text[end]):
            end += 1
    out, at = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[at:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        at = e
    out.append(html.escape(text[at:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")

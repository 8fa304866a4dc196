"""A copy link's reason in the reader's language.

The matching core writes each link's reason in English (`core.matching.copies.decide`,
`core.matching.geometry.describe`, the variant and part names of `core.fingerprints`),
and the database and custody log keep it so: the record is in one language. This reads
a stored reason back, clause by clause, and says each clause again through the
catalogue, with its numbers and names. Whatever it does not recognise stays as written,
in English and left to right: a reader loses nothing. In English the words come out as
stored.

Every English phrase it knows is in the tables below (CLAUSES, NAMES, ...): when the core
says something new, it is added there, with its Arabic in the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext, pgettext_lazy


@dataclass(frozen=True)
class Ltr:
    """Text kept left to right inside the sentence: an item's id, an angle with its sign,
    or English this module does not know (`english`)."""

    text: str
    english: bool = False


Token = str | Ltr

# A list of names, as `decide` joins the variants or parts matches were found by.
LIST_SEPARATOR = " / "
# The names `decide` and the fingerprints give the query's search variants and the other
# item's indexed parts (IMAGE_VARIANTS, BOXED_VARIANTS, IMAGE_PARTS, VIDEO_VARIANTS,
# VIDEO_PARTS, matching.service.KEYPOINT_VARIANT), and the parts `geometry.part_name` names.
NAMES = {
    "its mirror image": pgettext_lazy("copy reason", "its mirror image"),
    "it rotated 90°": pgettext_lazy("copy reason", "it rotated 90°"),
    "it rotated 90° and mirrored": pgettext_lazy("copy reason", "it rotated 90° and mirrored"),
    "it rotated 180°": pgettext_lazy("copy reason", "it rotated 180°"),
    "it flipped upside down": pgettext_lazy("copy reason", "it flipped upside down"),
    "it rotated 270°": pgettext_lazy("copy reason", "it rotated 270°"),
    "it rotated 270° and mirrored": pgettext_lazy("copy reason", "it rotated 270° and mirrored"),
    "its middle band": pgettext_lazy("copy reason", "its middle band"),
    "a small copy of it": pgettext_lazy("copy reason", "a small copy of it"),
    "the picture inside its borders": pgettext_lazy("copy reason", "the picture inside its borders"),
    "the picture inside its borders, mirrored":
        pgettext_lazy("copy reason", "the picture inside its borders, mirrored"),
    "the whole frame, borders kept": pgettext_lazy("copy reason", "the whole frame, borders kept"),
    "the picture inside its wider border (a caption or logo laid over a border)":
        pgettext_lazy("copy reason", "the picture inside its wider border (a caption or logo laid over a border)"),
    "the picture inside its side borders only":
        pgettext_lazy("copy reason", "the picture inside its side borders only"),
    "the picture inside its top and bottom borders only":
        pgettext_lazy("copy reason", "the picture inside its top and bottom borders only"),
    "keypoints that line up (a crop or reframe)":
        pgettext_lazy("copy reason", "keypoints that line up (a crop or reframe)"),
    # the other item's indexed parts
    "middle band": pgettext_lazy("copy reason", "middle band"),
    "small copy": pgettext_lazy("copy reason", "small copy"),
    "whole frame, borders kept": pgettext_lazy("copy reason", "whole frame, borders kept"),
    # geometry.part_name
    "the whole": pgettext_lazy("copy reason", "the whole"),
}
# Names with numbers in them, and names made of other names (a group named `box` is a name).
NAME_PATTERNS = [
    (r"its centre at (?P<a>\d+):(?P<b>\d+)", pgettext_lazy("copy reason", "its centre at %(a)s:%(b)s")),
    (r"the middle band of (?P<box>.+)", pgettext_lazy("copy reason", "the middle band of %(box)s")),
    (r"the picture cut by (?P<pct>\d+)% across its borders",
     pgettext_lazy("copy reason", "the picture cut by %(pct)s%% across its borders")),
    (r"centre at (?P<pct>\d+)%", pgettext_lazy("copy reason", "centre at %(pct)s%%")),
    (r"the left (?P<pct>\d+)%", pgettext_lazy("copy reason", "the left %(pct)s%%")),
    (r"the right (?P<pct>\d+)%", pgettext_lazy("copy reason", "the right %(pct)s%%")),
    (r"the top (?P<pct>\d+)%", pgettext_lazy("copy reason", "the top %(pct)s%%")),
    (r"the bottom (?P<pct>\d+)%", pgettext_lazy("copy reason", "the bottom %(pct)s%%")),
    (r"a (?P<pct>\d+)% wide strip, full height \(centre\)",
     pgettext_lazy("copy reason", "a %(pct)s%% wide strip, full height (centre)")),
    (r"a (?P<pct>\d+)% wide strip, full height \(from (?P<a>\d+)% to (?P<b>\d+)% across\)",
     pgettext_lazy("copy reason", "a %(pct)s%% wide strip, full height (from %(a)s%% to %(b)s%% across)")),
    (r"a (?P<pct>\d+)% high band, full width \(centre\)",
     pgettext_lazy("copy reason", "a %(pct)s%% high band, full width (centre)")),
    (r"a (?P<pct>\d+)% high band, full width \(from (?P<a>\d+)% to (?P<b>\d+)% down\)",
     pgettext_lazy("copy reason", "a %(pct)s%% high band, full width (from %(a)s%% to %(b)s%% down)")),
    (r"the centre (?P<pct>\d+)%", pgettext_lazy("copy reason", "the centre %(pct)s%%")),
    (r"the top-left corner \((?P<w>\d+)% x (?P<h>\d+)%\)",
     pgettext_lazy("copy reason", "the top-left corner (%(w)s%% x %(h)s%%)")),
    (r"the top-right corner \((?P<w>\d+)% x (?P<h>\d+)%\)",
     pgettext_lazy("copy reason", "the top-right corner (%(w)s%% x %(h)s%%)")),
    (r"the bottom-left corner \((?P<w>\d+)% x (?P<h>\d+)%\)",
     pgettext_lazy("copy reason", "the bottom-left corner (%(w)s%% x %(h)s%%)")),
    (r"the bottom-right corner \((?P<w>\d+)% x (?P<h>\d+)%\)",
     pgettext_lazy("copy reason", "the bottom-right corner (%(w)s%% x %(h)s%%)")),
    (r"the part from (?P<l>\d+)% to (?P<r>\d+)% across and (?P<t>\d+)% to (?P<b>\d+)% down \((?P<pct>\d+)%\)",
     pgettext_lazy("copy reason", "the part from %(l)s%% to %(r)s%% across and %(t)s%% to %(b)s%% down (%(pct)s%%)")),
]
# How `describe` names the other item (matching.service: "item " and the start of its SHA-256).
ITEMS = [(r"item (?P<id>[^\s()]+)", pgettext_lazy("copy reason", "item %(id)s"))]
# The evidence `describe` gives in brackets.
EVIDENCE = [
    (r"(?P<n>\d+) matching keypoints, scale (?P<scale>\d+(?:\.\d+)?), turned (?P<turn>-?\d+°)",
     pgettext_lazy("copy reason", "%(n)s matching keypoints, scale %(scale)s, turned %(turn)s")),
    (r"(?P<n>\d+) matching keypoints, scale (?P<scale>\d+(?:\.\d+)?)",
     pgettext_lazy("copy reason", "%(n)s matching keypoints, scale %(scale)s")),
]
_OTHER = r"(?P<other>item [^\s()]+)"
_EACH = r" \(each shows part of the other: this one (?P<this>.+?) of it, it (?P<that>.+?) of this one\)"
_EVIDENCE = r" \((?P<evidence>[^()]+)\)"
_MOMENTS = r"(?P<n>\d+) of the (?P<m>\d+) frames taken at the same moments of both match, (?P<s>\d+(?:\.\d+)?) s"
# The clauses of a reason, between its "; " (see `clauses`).
CLAUSES = [
    (r"PDQ hashes (?P<d>\d+) bits apart \(match at <= (?P<limit>\d+)\)",
     pgettext_lazy("copy reason", "PDQ hashes %(d)s bits apart (match at <= %(limit)s)")),
    (r"PDQ hashes (?P<d>\d+) bits apart, too far to match alone",
     pgettext_lazy("copy reason", "PDQ hashes %(d)s bits apart, too far to match alone")),
    (r"(?P<n>\d+) of (?P<q>\d+) frames match (?P<m>\d+) of (?P<t>\d+) \(closest (?P<d>\d+) bits\)",
     pgettext_lazy("copy reason", "%(n)s of %(q)s frames match %(m)s of %(t)s (closest %(d)s bits)")),
    (r"(?P<n>\d+) of (?P<q>\d+) frames match (?P<m>\d+) of (?P<t>\d+) "
     r"\(by keypoints; the closest hashes (?P<d>\d+) bits apart\)",
     pgettext_lazy("copy reason",
                   "%(n)s of %(q)s frames match %(m)s of %(t)s (by keypoints; the closest hashes %(d)s bits apart)")),
    (rf"{_MOMENTS} into the other",
     pgettext_lazy("copy reason",
                   "%(n)s of the %(m)s frames taken at the same moments of both match, %(s)s s into the other")),
    (rf"{_MOMENTS} into this one",
     pgettext_lazy("copy reason",
                   "%(n)s of the %(m)s frames taken at the same moments of both match, %(s)s s into this one")),
    (r", found by searching with (?P<names>.+)", pgettext_lazy("copy reason", ", found by searching with %(names)s")),
    (r", against the other's (?P<names>.+)", pgettext_lazy("copy reason", ", against the other's %(names)s")),
    # geometry.describe
    (rf"the copy shows the whole of {_OTHER}{_EVIDENCE}",
     pgettext_lazy("copy reason", "the copy shows the whole of %(other)s (%(evidence)s)")),
    (rf"this copy is (?P<part>.+?) of {_OTHER}{_EACH}{_EVIDENCE}",
     pgettext_lazy("copy reason", "this copy is %(part)s of %(other)s (each shows part of the other: "
                                  "this one %(this)s of it, it %(that)s of this one) (%(evidence)s)")),
    (rf"this copy is (?P<part>.+?) of {_OTHER}{_EVIDENCE}",
     pgettext_lazy("copy reason", "this copy is %(part)s of %(other)s (%(evidence)s)")),
    (rf"{_OTHER} is (?P<part>.+?) of this one{_EACH}{_EVIDENCE}",
     pgettext_lazy("copy reason", "%(other)s is %(part)s of this one (each shows part of the other: "
                                  "this one %(this)s of it, it %(that)s of this one) (%(evidence)s)")),
    (rf"{_OTHER} is (?P<part>.+?) of this one{_EVIDENCE}",
     pgettext_lazy("copy reason", "%(other)s is %(part)s of this one (%(evidence)s)")),
]
# Where `decide` adds a clause to the one before with a comma rather than "; ".
ADDED = re.compile(r"(?=, found by searching with |, against the other's )")
SENTENCES = "; "


def _compiled(table: list[tuple[str, object]]) -> list[tuple[re.Pattern[str], object]]:
    return [(re.compile(pattern), template) for pattern, template in table]


_NAME_PATTERNS, _ITEMS, _EVIDENCES, _CLAUSES = map(_compiled, (NAME_PATTERNS, ITEMS, EVIDENCE, CLAUSES))
_SLOT = re.compile(r"%\((\w+)\)s|%%")


def _fill(template: str, values: dict[str, list[Token]]) -> list[Token]:
    """`template` (a catalogue entry) with each %(name)s replaced by its tokens."""
    out: list[Token] = []
    at = 0
    for slot in _SLOT.finditer(template):
        out.append(template[at:slot.start()])
        name = slot.group(1)
        out.extend(["%"] if name is None else values.get(name, [Ltr(slot.group(0))]))
        at = slot.end()
    out.append(template[at:])
    return [t for t in out if t]


def _unknown(text: str) -> list[Token]:
    return [Ltr(text, english=True)]


def _by_table(text: str, table) -> list[Token] | None:
    for pattern, template in table:
        found = pattern.fullmatch(text)
        if found:
            values = {k: _group(k, v) for k, v in found.groupdict().items() if v is not None}
            return _fill(str(template), values)
    return None


def _group(name: str, text: str) -> list[Token]:
    """A matched group's tokens, by what the group holds (its name)."""
    if name == "names":
        out: list[Token] = []
        for k, one in enumerate(text.split(LIST_SEPARATOR)):
            out += ([LIST_SEPARATOR] if k else []) + name_tokens(one)
        return out
    if name in ("part", "this", "that", "box"):
        return name_tokens(text)
    if name == "other":
        return _by_table(text, _ITEMS) or _unknown(text)
    if name == "evidence":
        return _by_table(text, _EVIDENCES) or _unknown(text)
    if name in ("id", "turn"):  # a hash's start; an angle, whose sign bidi would move to its end
        return [Ltr(text)]
    return [text]


def name_tokens(name: str) -> list[Token]:
    """A variant's or part's name in the active language (English, left to right, if unknown)."""
    if name in NAMES:
        return [str(NAMES[name])]
    return _by_table(name, _NAME_PATTERNS) or _unknown(name)


def _sentences(reason: str) -> list[str]:
    """`reason` split at each "; " outside brackets (one clause says "(by keypoints; ...)")."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(reason):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and reason.startswith(SENTENCES, i):
            out.append(reason[start:i])
            start = i + len(SENTENCES)
    out.append(reason[start:])
    return out


def _clauses_of(sentence: str) -> list[str]:
    """A sentence's clauses: the ones `decide` added with a comma keep it ("…, found by searching with …")."""
    return [c for c in ADDED.split(sentence) if c]


def clauses(reason: str) -> list[str]:
    """The clauses the core wrote `reason` in; the ones after a "; " start a sentence."""
    return [c for sentence in _sentences(reason) for c in _clauses_of(sentence)]


def tokens(reason: str) -> list[Token]:
    """`reason` in the active language, as text and left-to-right pieces."""
    out: list[Token] = []
    for k, sentence in enumerate(_sentences(reason)):
        if k:
            out.append(pgettext("copy reason", "; "))
        for clause in _clauses_of(sentence):
            out += _by_table(clause, _CLAUSES) or _unknown(clause)
    return out


def text(reason: str) -> str:
    """`reason` in the active language, as plain text (in English: `reason` itself)."""
    return _plain(tokens(reason))


def _plain(parts: list[Token]) -> str:
    return "".join(t.text if isinstance(t, Ltr) else t for t in parts)


def html(reason: str) -> SafeString:
    """`reason` in the active language as HTML: ids and unknown English in left-to-right
    <bdi>, the English marked lang="en". In English it is the stored text, escaped; in
    another language that recognises none of it, the same in one such <bdi>."""
    if not reason:
        return mark_safe("")
    parts = tokens(reason)
    if _plain(parts) == reason:
        english = (get_language() or "en").split("-")[0] == "en"
        return escape(reason) if english else mark_safe(_bdi(Ltr(reason, english=True)))
    return mark_safe("".join(escape(t) if isinstance(t, str) else _bdi(t) for t in parts))


def _bdi(t: Ltr) -> str:
    lang = ' lang="en"' if t.english else ""
    return f'<bdi dir="ltr"{lang}>{escape(t.text)}</bdi>'

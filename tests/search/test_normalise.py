"""The normaliser: one function for the index and the query, pure Python."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from marsad.search.normalise import document, highlight, query, words

ARABIC_TEXT = st.text(alphabet=st.sampled_from(list("قصفعلىمشفاأإآةىـًٌٍَُِّْ ،.ال0123456789٣abcÉé'ʿ-")), max_size=60)


def test_arabic_is_folded_and_articles_also_indexed_without():
    assert document("قَصْفٌ على مشفى") == "قصف علي مشفي"
    assert document("المشفى") == "المشفي مشفي"
    assert document("وبالمستشفى") == "وبالمستشفي مستشفي"
    assert document("أحمد إبراهيم آمنة") == "احمد ابراهيم امنه"
    assert document("مـــشفى") == "مشفي"  # tatweel


def test_latin_is_case_and_accent_folded_and_apostrophes_dropped():
    assert document("Maʿarrat al-Nu‘man CAFÉ") == "maarrat al numan cafe"
    assert document("Straße ١٢٣ ۴") == "strasse 123 4"


def test_tokens_hold_only_letters_and_ascii_digits():
    for token in document("a.b_c (d) <e> x@y.org 1.5 🙂 ½").split():
        assert all(c.isalpha() or c in "0123456789" for c in token), token


def test_query_strips_the_article_and_prefixes_the_last_word():
    q = query("المشفى قصف")
    assert q.tokens == ("مشفي", "قصف") and q.prefix
    assert q.fts5() == '"مشفي" "قصف"*'
    assert q.tsquery() == "'مشفي' & 'قصف':*"
    assert not query("قصف ").prefix  # a space after the last word: whole words only
    assert not query("ab").prefix  # too short to be a useful prefix
    assert not query("  ,. ")


@given(ARABIC_TEXT)
def test_normalising_is_idempotent(text):
    once = document(text)
    assert set(document(once).split()) == set(once.split())
    assert query(" ".join(query(text).tokens)).tokens == query(text).tokens


@given(ARABIC_TEXT)
def test_every_query_word_of_a_text_is_in_that_texts_document(text):
    indexed = set(document(text).split())
    assert set(query(text).tokens) <= indexed


@given(st.text(max_size=80))
def test_highlight_keeps_the_original_text_escaped(text):
    import html
    import re

    out = highlight(text, query("x"), size=10_000)
    assert html.unescape(re.sub("</?mark>", "", out)) == text


def test_highlight_marks_original_words():
    q = query("قصف مشفي")
    assert highlight("قَصْفٌ على المشفى <b>", q) == "<mark>قَصْفٌ</mark> على <mark>المشفى</mark> &lt;b&gt;"
    long = "كلمة " * 100 + "قصف " + "كلمة " * 100
    out = highlight(long, query("قصف"), size=60)
    assert out.startswith("…") and out.endswith("…") and "<mark>قصف</mark>" in out and len(out) < 120


def test_words_are_runs_of_letters_marks_and_digits():
    text = "قَصْفٌ, on 2019-05-05"
    assert [text[s:e] for s, e in words(text)] == ["قَصْفٌ", "on", "2019", "05", "05"]

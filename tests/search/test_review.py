"""Review findings on search: odd query text never fails (on SQLite a query word that
FTS5 splits was a phrase, refused by detail='column'), and what a role may not read
never shows through search."""

from __future__ import annotations

import sqlite3

import pytest

from marsad.evidence.models import Item
from marsad.incidents import service
from marsad.incidents.filters import Filters
from marsad.incidents.models import Incident
from marsad.search.normalise import word_tokens
from marsad.search.query import items_matching, search

ACTOR = "actor:test"

ODD = ['"', "'", "*", "NEAR", "NEAR(a b)", "AND", "OR NOT", "-", ":", "a:b", "title:strike", "^strike", "(", ")",
       "{a b}", "strike*", '"strike', "\\", "%", "_", "ً", "ـــ", "ال", "x" * 5000, "قصف " * 300,
       "xᦰa", "ᦰᦱ", "strike ᳲ", "abcᳲdef", "৴a", "Ꭰa", "½", "²", "ǅ", "İstanbul", "ß"]


@pytest.mark.django_db
def test_odd_query_text_never_fails(team):
    service.create({"title": "Strike on the hospital", "notes": "قَصْفٌ على مشفى المدينة xᦰa"}, ACTOR,
                   project=team["project"])
    viewer = team["viewer"]
    for text in ODD:
        search(viewer, text)
        list(Filters(q=text[:200]).apply(Incident.objects.all(), viewer))
        list(Item.objects.filter(pk__in=items_matching(viewer, text)))
    # The word is still found, as the index wrote it.
    assert [h.kind for h in search(viewer, "xᦰa").hits] == ["incident"]


def test_every_normalised_word_is_one_fts5_token():
    """What normalise writes, FTS5's unicode61 (Unicode 6.1 tables) reads as the same single token."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE f USING fts5(norm, tokenize='unicode61 remove_diacritics 0', detail='column')")
    con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'row')")
    tokens = {t for cp in range(0x20, 0x30000) for t in word_tokens(chr(cp) + "a")}
    con.executemany("INSERT INTO f(norm) VALUES (?)", [(t,) for t in tokens])
    vocab = {row[0] for row in con.execute("SELECT term FROM v")}
    assert sorted(t for t in tokens if t not in vocab) == []


@pytest.mark.django_db
def test_a_capture_hit_keeps_to_the_filter_project_and_source(team):
    """The item is held by both projects; each recorded its own post. Filtered to one
    project (or one source), the other project's post is no hit of it."""
    from django.utils import timezone

    from marsad.access.service import hold, set_role
    from marsad.evidence.models import Capture

    project, other, owner = team["project"], team["other"], team["owner"]
    set_role(owner, other, "owner", actor=ACTOR)
    item = Item.objects.create(sha256="d" * 64, blake2b="b" * 128, size=1, mime="video/mp4", kind="video",
                               first_seen=timezone.now(), log_index=10_500)
    hold(project.pk, [item])
    hold(other.pk, [item])
    for n, (where, source) in enumerate(((project, "telegram"), (other, "web")), 1):
        Capture.objects.create(item=item, sighting_key=f"s{n}", original_path=f"/in/{n}", original_name=f"{n}",
                               ingested_at=timezone.now(), ingested_by=ACTOR, log_index=20_500 + n, project=where,
                               source_kind=source, text=f"barrel bombs {where.slug}")
    owner = type(owner).objects.get(pk=owner.pk)  # roles read afresh

    def projects(**chosen):
        return sorted(h.project for h in search(owner, "barrel", filters=Filters(**chosen), kinds=["capture"]).hits)

    assert projects() == ["elsewhere", "idlib"]
    assert projects(project="idlib") == ["idlib"]
    assert projects(source="web") == ["elsewhere"]

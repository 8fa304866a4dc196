"""One permission table for the whole app, built from the URL resolver: a URL
nobody classified fails here. Each row runs for every role and an outsider (a
member of another project) and for someone signed out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver

from .conftest import ROLES

pytestmark = pytest.mark.django_db

EVERYONE = set(ROLES)
EDIT = {"owner", "manager", "editor"}
ORIGINAL = EVERYONE - {"restricted"}
# name: (methods, object it acts on, roles that may, what a member of another project gets)
# Families keep their own fuller tables (test_incidents_web.py, test_items.py, test_upload.py);
# this one makes sure nothing is left out of them and that outsiders learn nothing.
TABLE = {
    "home": ("get", None, EVERYONE, 200), "notifications": ("get", None, EVERYONE, 200),
    "preferences": ("get", None, EVERYONE, 200),
    "items:list": ("get", None, EVERYONE, 200), "items:seen": ("get", None, EVERYONE, 200),
    "items:seen_add": ("post", None, EDIT, None),
    "items:detail": ("get", "item", EVERYONE, 404), "items:media": ("get", "item", ORIGINAL, 404),
    "items:thumb": ("get", "item", EVERYONE, 404), "items:preview": ("get", "item", EVERYONE, 404),
    "items:sheet": ("get", "item", EVERYONE, 404), "items:graphic": ("post", "item", EDIT, 404),
    "items:redact": ("post", "item", EDIT, 404), "items:redacted": ("get", "redaction", ORIGINAL, 404),
    "items:redaction_decide": ("post", "redaction", EDIT, 404),  # per role: tests/web/test_items_redaction.py
    "incidents:list": ("get", None, EVERYONE, 200), "incidents:export": ("get", None, EVERYONE, 200),
    "incidents:create": ("get", None, EDIT, 200), "incidents:places": ("get", None, EDIT, 200),
    "incidents:bulk": ("post", None, EDIT, None),
    "incidents:detail": ("get", "incident", EVERYONE, 404), "incidents:edit": ("get", "incident", EDIT, 404),
    "incidents:link": ("post", "incident", EDIT, 404), "incidents:accept": ("post", "incident", EDIT, 404),
    "incidents:merge": ("post", "incident", EDIT, 404), "incidents:split": ("post", "incident", EDIT, 404),
    "incidents:workflow": ("post", "incident", EDIT, 404), "incidents:decide": ("post", "incident", EDIT, 404),
    "incidents:comment": ("post", "incident", ORIGINAL, 404),
    "upload:form": ("get", None, EDIT, 200), "upload:result": ("get", None, EDIT, 200),
    "upload:links_submit": ("post", None, EDIT, None), "upload:links": ("get", None, EDIT, 200),
    "search:page": ("get", None, EVERYONE, 200),
    "tus_collection": ("post", None, EDIT, None), "tus_upload": ("patch", "upload", EDIT, None),
    "explore:map": ("get", None, EVERYONE, 200), "explore:map_data": ("get", None, EVERYONE, 200),
    "explore:timeline": ("get", None, EVERYONE, 200), "explore:tiles": ("get", None, EVERYONE, 404),
}
SKIP = {"admin", "account", "mfa", "None", "api"}  # the admin, allauth's pages, the API (tests/api): their own tests


def _names(patterns, namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _names(p.url_patterns, p.namespace or namespace)
        elif p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


def test_every_url_is_classified():
    names = {n for n in _names(get_resolver().url_patterns)
             if n.split(":")[0] not in SKIP and not n.startswith(("account_", "mfa_", "admin"))}
    assert names - set(TABLE) == set(), "classify these URLs in TABLE (and in their family's own table)"
    assert set(TABLE) - names == set(), "TABLE names URLs that no longer exist"


@pytest.fixture
def objects(team, samples, tmp_path, monkeypatch):
    """A real photo (stored, analysed: it has a thumbnail) and an incident in the team's project."""
    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import ingest
    from marsad.incidents import service
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    [photo] = ingest(FilesSource().sightings(str(samples["photo"])), log.actor_id("t"), project=team["project"].pk)
    analyse(photo.sha256)
    incident = service.create({"title": "Strike"}, "actor:test", project=team["project"])
    return {"item": [photo.sha256], "incident": [incident.code], "upload": ["0" * 22],
            "redaction": [photo.sha256, "ab" * 32]}


def test_outsiders_get_the_same_404_as_for_nothing_and_roles_get_403(team, objects):
    for name, (method, target, allowed, outsider) in TABLE.items():
        if target in (None, "upload", "redaction"):
            continue
        url = reverse(name, args=objects[target])
        data = {"sha256": objects["item"][0]} if name == "incidents:accept" else {}
        data = {"boxes": "not a box"} if name == "items:redact" else data  # 400 for those who may: no redaction run
        for role in (*ROLES, "outsider"):
            client = Client()
            client.force_login(team[role])
            status = getattr(client, method)(url, data).status_code
            if role == "outsider":
                assert status == outsider, (name, role, status)
            elif role not in allowed:
                assert status == 403, (name, role, status)
            elif name != "items:sheet":  # a photo has no contact sheet: 404 for those who may ask
                assert status not in (403, 404), (name, role, status)
        missing = reverse(name, args=["cd" * 32] if target == "item" else ["SYR999999"])
        client = Client()
        client.force_login(team["owner"])
        assert getattr(client, method)(missing).status_code == 404, name


def test_signed_out_people_are_sent_to_sign_in(client, objects):
    for name, (method, target, _allowed, _outsider) in TABLE.items():
        url = reverse(name, args=objects[target] if target else [])
        response = getattr(client, method)(url)
        if name.startswith("tus"):
            assert response.status_code == 403, name  # an upload client gets a reason, not a login page
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], name

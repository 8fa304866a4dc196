"""Tokens: made once and kept hashed, refused (401) when missing, unknown, revoked
or expired, scoped (403 for a read token's write), limited to their project (404
for anything else, as for an outsider), and never replaced by a session."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from marsad.api import tokens
from marsad.api.models import ApiToken
from marsad.custody.models import LogEntry

from .conftest import Api

pytestmark = pytest.mark.django_db

NEW = {"fields": {"title": "Shelling near the bakery"}, "reason": "reported"}


def test_a_token_is_shown_once_kept_as_a_hash_and_its_making_is_a_custody_event(team):
    made = tokens.create(team["viewer"], team["project"], "read", actor="actor:admin", name="dashboard")
    row = ApiToken.objects.get()
    assert made.secret.startswith(f"msd_{row.public_id}_") and len(made.secret) > 50
    stored = json.dumps(list(ApiToken.objects.values().get().values()), default=str)
    # the random part may itself hold "_", so cut the known prefix rather than split
    random_part = made.secret[len(f"msd_{row.public_id}_"):]
    assert made.secret not in stored and random_part not in stored
    assert row.secret_sha256 == tokens.digest(made.secret)
    assert timedelta(days=89) < row.expires_at - row.created <= timedelta(days=90)
    leaf = json.loads(bytes(LogEntry.objects.get(index=row.log_index).leaf))
    assert leaf["type"] == "access" and leaf["outputs"][0]["action"] == "api-token-created"
    assert "viewer" not in json.dumps(leaf)  # the name only by hash

    tokens.revoke(row, actor="actor:admin")
    kinds = [json.loads(bytes(e.leaf))["outputs"][0].get("action") for e in LogEntry.objects.filter(type="access")]
    assert kinds[-2:] == ["api-token-created", "api-token-revoked"]
    with pytest.raises(tokens.TokenError):
        tokens.revoke(row, actor="actor:admin")


def test_no_token_for_someone_without_a_role_and_lifetimes_are_bounded(team):
    with pytest.raises(tokens.TokenError):
        tokens.create(team["outsider"], team["project"], "read", actor="actor:admin")
    assert tokens.parse_life("30d") == timedelta(days=30) and tokens.parse_life("12h") == timedelta(hours=12)
    for bad in ("0d", "400d", "soon", "-3d"):
        with pytest.raises(tokens.TokenError):
            tokens.parse_life(bad)


def test_what_a_token_is_refused_with(team, token):
    good = token("viewer")
    assert Api(good).get("/token").json()["role"] == "viewer"
    revoked, expired = token("viewer"), token("viewer")
    tokens.revoke(tokens.find(revoked), actor="actor:admin")
    ApiToken.objects.filter(public_id=tokens.find(expired).public_id).update(expires_at=timezone.now())
    cases = {
        "missing": None, "unknown": "msd_0123456789ab_" + "x" * 43, "not ours": "abc",
        "changed secret": good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb"),
        "revoked": revoked, "expired": expired,
    }
    for case, secret in cases.items():
        response = Api(secret).get("/incidents")
        assert response.status_code == 401, case
        assert response["Content-Type"].startswith("application/json") and response.json()["detail"], case
        assert response["WWW-Authenticate"].startswith("Bearer"), case
    assert "revoked" in Api(revoked).get("/token").json()["detail"]
    assert "expired" in Api(expired).get("/token").json()["detail"]
    # Refused tokens are no failed sign-ins: nobody's account gets locked by them.
    from axes.models import AccessAttempt

    for _n in range(8):
        Api(good[:-1] + ("A" if good[-1] != "A" else "B")).get("/token")
    assert not AccessAttempt.objects.exists()
    assert Api(good).get("/token").status_code == 200
    # Another scheme is no token either.
    assert Client().get("/api/v1/token", headers={"Authorization": "Basic dmlld2VyOng="}).status_code == 401


def test_losing_the_role_or_the_account_ends_the_token(team, token):
    from marsad.access import service

    secret, other = token("viewer"), token("editor")
    service.set_role(team["viewer"], team["project"], None, actor="actor:admin")
    assert Api(secret).get("/token").status_code == 401
    team["editor"].is_active = False
    team["editor"].save()
    assert Api(other).get("/token").status_code == 401


def test_a_session_is_never_a_token_and_bearer_posts_need_no_csrf(team, token):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(team["owner"])
    assert browser.get("/api/v1/incidents").status_code == 401  # signed in, but no token
    assert browser.post("/api/v1/incidents", NEW, content_type="application/json").status_code == 401
    response = Api(token("owner", "edit"), client=browser).post("/incidents", NEW)
    assert response.status_code == 201, response.content  # no CSRF token: a bearer token is no cookie


def test_scope_caps_the_role_and_the_role_caps_the_scope(team, token):
    from marsad.incidents import service

    code = service.create({"title": "Strike"}, "actor:test", project=team["project"]).code
    read, comment, edit = Api(token("owner", "read")), Api(token("owner", "comment")), Api(token("owner", "edit"))
    # A read token of an owner changes nothing.
    assert read.post("/incidents", NEW).status_code == 403
    assert read.post(f"/incidents/{code}/comments", {"body": "seen"}).status_code == 403
    assert read.patch(f"/incidents/{code}", {"fields": {"title": "x"}, "reason": "r"}).status_code == 403
    assert read.upload("/uploads", "a.txt", b"hello").status_code == 403
    assert "scope" in read.post("/incidents", NEW).json()["detail"]
    # A comment token comments, and no more.
    assert comment.post(f"/incidents/{code}/comments", {"body": "seen"}).status_code == 201
    assert comment.post("/incidents", NEW).status_code == 403
    assert edit.post("/incidents", NEW).status_code == 201
    # An edit token of a viewer edits nothing; a restricted member may not even comment.
    viewer = Api(token("viewer", "edit"))
    assert viewer.post("/incidents", NEW).status_code == 403
    assert viewer.patch(f"/incidents/{code}", {"fields": {"title": "x"}, "reason": "r"}).status_code == 403
    assert viewer.post(f"/incidents/{code}/comments", {"body": "seen"}).status_code == 201
    assert Api(token("restricted", "edit")).post(f"/incidents/{code}/comments", {"body": "x"}).status_code == 403


def test_a_token_reaches_its_project_only(team, token):
    from marsad.access import service as access
    from marsad.incidents import service

    here = service.create({"title": "Here"}, "actor:test", project=team["project"]).code
    there = service.create({"title": "There"}, "actor:test", project=team["other"]).code
    outsider = Api(token("outsider"))
    assert outsider.get(f"/incidents/{here}").status_code == 404
    assert outsider.get(f"/incidents/{there}").status_code == 200
    assert outsider.get(f"/incidents/{here}").json()["detail"] == outsider.get("/incidents/NOPE1").json()["detail"]
    # The owner of both projects, with a token for one, sees only that one.
    access.set_role(team["owner"], team["other"], "owner", actor="actor:test")
    owner = Api(token("owner"))
    assert owner.get(f"/incidents/{there}").status_code == 404
    assert owner.patch(f"/incidents/{there}", {"fields": {"title": "x"}, "reason": "r"}).status_code == 403  # scope
    codes = [i["code"] for i in owner.get("/incidents").json()["incidents"]]
    assert codes == [here]
    edit = Api(token("owner", "edit"))
    assert edit.patch(f"/incidents/{there}", {"fields": {"title": "x"}, "reason": "r"}).status_code == 404
    assert edit.post("/incidents", NEW).json()["project"] == "idlib"


def test_the_token_commands(marsad):
    marsad.run("user", "add", "rania", "--role", "editor")
    made = marsad.run("token", "create", "--user", "rania", "--project", "default", "--scope", "read",
                      "--expires", "30d", "--name", "dashboard").stdout
    secret = made.split("secret (shown once): ")[1].strip()
    assert secret.startswith("msd_")
    [row] = marsad.json("token", "list", "--user", "rania")
    assert (row["scope"], row["project"], row["name"], row["revoked_at"]) == ("read", "default", "dashboard", None)
    listing = marsad.run("token", "list").stdout
    assert row["id"] in listing and secret not in listing and secret[17:] not in listing
    marsad.run("token", "revoke", row["id"])
    assert marsad.json("token", "list")[0]["revoked_at"]
    assert "revoked already" in marsad.run("token", "revoke", row["id"], check=1).stderr
    assert "no project" in marsad.run("token", "create", "--user", "rania", "--project", "nowhere", "--scope", "read",
                                      check=1).stderr
    marsad.run("log", "verify")

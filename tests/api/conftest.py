"""The API's cast: the web tests' team (a member per role, an outsider), tokens made
by the real token functions, and a client that sends one as a bearer token."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.web.conftest import team  # noqa: F401  (a fixture, used by name)


class Api:
    """Django's test client (every middleware runs) speaking JSON with one token."""

    def __init__(self, secret: str | None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, params=None, **headers):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers | headers)

    def post(self, path: str, data=None, **headers):
        return self.client.post(f"/api/v1{path}", data or {}, content_type="application/json",
                                headers=self.headers | headers)

    def patch(self, path: str, data=None, **headers):
        return self.client.patch(f"/api/v1{path}", data or {}, content_type="application/json",
                                 headers=self.headers | headers)

    def upload(self, path: str, name: str, data: bytes, content_type: str = "application/octet-stream"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(f"/api/v1{path}", {"file": SimpleUploadedFile(name, data, content_type)},
                                headers=self.headers)


@pytest.fixture
def token(team):
    """token(role, scope) -> the secret of a new token of that role's member in the team's project."""
    from marsad.api import tokens

    def make(role: str, scope: str = "read", project=None, **kwargs) -> str:
        project = project or (team["other"] if role == "outsider" else team["project"])
        return tokens.create(team[role], project, scope, actor="actor:test", **kwargs).secret

    return make


@pytest.fixture
def api(token):
    """api(role, scope) -> an Api client with a new token."""
    return lambda role, scope="read", **kwargs: Api(token(role, scope, **kwargs))


@pytest.fixture
def store(tmp_path, monkeypatch, team):
    """A workspace whose evidence store is this test's own."""
    from marsad.cli.init import init_workspace

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    return tmp_path / "store"


def ingest_bytes(project, blobs: list[bytes], source: str = "files") -> list[str]:
    """Ingest small made-up files into `project`; their SHA-256s, in order."""
    from marsad.core.sources import Sighting
    from marsad.custody import log
    from marsad.evidence.ingest import ingest

    sightings = [Sighting(source, None, f"made/{n}.txt", f"{n}.txt", content=blob) for n, blob in enumerate(blobs)]
    return [o.sha256 for o in ingest(sightings, log.actor_id("collector"), project=project.pk)]

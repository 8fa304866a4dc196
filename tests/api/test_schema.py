"""Schemathesis against /api/v1/openapi.json, through the app's WSGI handler (every
middleware runs): for every operation, generated requests with a restricted
member's read token and a manager's edit token, on random and on real objects, get
no 5xx and only answers the document declares, in the declared shape."""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from marsad.web.wsgi import application

from .conftest import ingest_bytes

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 10


@contextlib.contextmanager
def _one_connection():
    """As Django's test client does: the handler must not close the test's connection
    (its transaction holds the test's rows)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_api_keeps_to_its_document(team, token, store):
    from marsad.incidents import service
    [sha] = ingest_bytes(team["project"], [b"a video of the strike"], source="telegram")
    code = service.create({"title": "Strike", "event_date": "2019-05-04"}, "actor:t", [sha], "r",
                          project=team["project"]).code
    service.link(service.get(code), [sha], "primary", "actor:t")
    real = {"sha256": sha, "code": code}
    tokens = {"read": token("restricted", "read"), "edit": token("manager", "edit")}
    with _one_connection():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 13
        for operation in operations:
            names = {p.name for p in operation.path_parameters}
            for scope, secret in tokens.items():
                headers = {"Authorization": f"Bearer {secret}"}
                strategies = [operation.as_strategy(headers=headers)]
                if names:
                    strategies.append(operation.as_strategy(headers=headers,
                                                            path_parameters={n: real[n] for n in names}))
                for strategy in strategies:
                    _run(strategy)


def _run(strategy) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case) -> None:
        response = case.call()
        case.validate_response(response, checks=CHECKS)

    check()


def test_the_document_is_public_and_names_the_bearer_scheme(db):
    from django.test import Client

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert {"/api/v1/items", "/api/v1/items/{sha256}", "/api/v1/items/{sha256}/copies", "/api/v1/captures",
            "/api/v1/incidents", "/api/v1/incidents/{code}", "/api/v1/incidents/{code}/links",
            "/api/v1/incidents/{code}/comments", "/api/v1/incidents/{code}/suggestions", "/api/v1/places",
            "/api/v1/search", "/api/v1/uploads", "/api/v1/token"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert document["paths"]["/api/v1/incidents"]["post"]["security"] == [{"TokenAuth": []}]

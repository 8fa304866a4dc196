"""The basis for the suspected actors as the public sees it: on the incident page and PDF brief
in both languages, in every download, and as a correction of the "suspected actors" part when
it changes; a column is published only once it is named public."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from tests.cli.test_publish import (  # noqa: F401  (the generated workspace fixture)
    _published,
    approve_redactions,
    workspace,
)

NOTE = "Remnants of a guided missile photographed on the market's roof."


def test_every_export_column_is_decided_public_or_not():
    from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS
    from marsad.core.publish import fields
    from marsad.incidents.exports import COLUMNS

    assert fields.unclassified(COLUMNS, RESTRICTED_INCIDENT_FIELDS) == []
    # a new column is not published until someone names it public
    assert fields.unclassified([*COLUMNS, "interviewer"], RESTRICTED_INCIDENT_FIELDS) == ["interviewer"]
    assert "interviewer" not in fields.public_columns([*COLUMNS, "interviewer"], RESTRICTED_INCIDENT_FIELDS)
    assert {"actor_basis", "actor_basis_note"} <= set(fields.public_columns(COLUMNS, RESTRICTED_INCIDENT_FIELDS))


def test_the_basis_is_published_with_the_actors_and_its_change_is_a_correction(workspace, tmp_path):  # noqa: F811
    from marsad.incidents import service
    from marsad.publish.builder import publish

    project, code = workspace  # its incident: "Air force", suspected from remnants and flight tracking (NOTE)
    assert (service.get(code).actor_basis, service.get(code).actor_basis_note) == ("remnants;flight_tracking", NOTE)
    out = tmp_path / "site"
    publish(out, project, "fair")
    approve_redactions()
    publish(out, project, "fair")
    files = _published(out)
    en, ar = (files[f"{lang}/incidents/{code}.html"].decode() for lang in ("en", "ar"))
    assert "Basis for suspecting them" in en and "munition remnants, aircraft observers and flight tracking" in en
    assert "أساس الاشتباه بها" in ar and "بقايا الذخائر" in ar and "مراصد الطيران وتتبّع الطائرات" in ar
    assert NOTE.replace("'", "&#x27;") in en and NOTE.replace("'", "&#x27;") in ar
    rows = list(csv.DictReader(io.StringIO(files["data/incidents.csv"].decode("utf-8-sig"))))
    assert (rows[0]["actor_basis"], rows[0]["actor_basis_note"]) == ("remnants;flight_tracking", NOTE)
    feature = json.loads(files["data/incidents.geojson"])["features"][0]["properties"]
    assert (feature["actor_basis"], feature["actor_basis_note"]) == ("remnants;flight_tracking", NOTE)
    with zipfile.ZipFile(io.BytesIO(files["data/incidents.xlsx"])) as book:
        sheet = b"".join(book.read(n) for n in book.namelist() if n.startswith("xl/"))
    assert b"actor_basis_note" in sheet and b"remnants;flight_tracking" in sheet and b"guided missile" in sheet

    from marsad.publish import pdf

    text = pdf_text(files[f"en/incidents/{code}.pdf"])
    assert "Basis for suspecting them" in text and "munition remnants" in text and "guided missile" in text

    # Changing the basis corrects the "suspected actors" part, in both languages.
    service.update(service.get(code), {"actor_basis": "remnants;witness"}, "actor:test")
    publish(out, project, "fair")
    en = (out / f"en/incidents/{code}.html").read_text()
    assert "witness accounts, munition remnants" in en and "corrected: suspected actors" in en
    now = _published(out)
    assert {pdf.brief_path(code, lang) for lang in ("ar", "en")} <= {p for p in now if now[p] != files.get(p)}


def pdf_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return " ".join(extract_text(io.BytesIO(data)).split())


def test_the_api_offers_the_same_kinds_of_basis_as_the_service():
    import typing

    from marsad.api.schemas import IncidentFields
    from marsad.incidents.service import ACTOR_BASES

    listed = typing.get_args(IncidentFields.model_fields["actor_basis"].annotation)[0]  # list[Literal[...]]
    assert list(typing.get_args(typing.get_args(listed)[0])) == ACTOR_BASES

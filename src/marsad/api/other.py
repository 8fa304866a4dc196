"""Places (the gazetteer), search, uploads and the token itself.

An upload goes the way of the upload page: the file is kept as an upload of this
person (core.resumable), then `web.upload.receive` ingests it into the token's
project (a Telegram Desktop export zip through the telegram source), records the
custody events with the user as actor and signs a checkpoint."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from marsad.access.rules import allowed
from marsad.incidents.models import Place

from .auth import may, require
from .common import READ_ERRORS, WRITE_ERRORS, FilterParams, filters_from, pk_page
from .schemas import Error, Limit, PlacePage, SearchHitOut, SearchPageOut, UploadOut

router = Router()
Words = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]


class TokenOut(Schema):
    id: str
    name: str
    user: str
    project: str
    scope: str
    role: str
    expires_at: dt.datetime


@router.get("/token", response={200: TokenOut, **READ_ERRORS}, url_name="token")
def whoami(request):
    """The token in use: its user, project, scope, the user's role there and its expiry."""
    token = request.api_token
    return {"id": token.public_id, "name": token.name, "user": token.user.username, "project": token.project.slug,
            "scope": token.scope, "role": str(request.user._marsad_roles[token.project_id]),
            "expires_at": token.expires_at}


# -- places ---------------------------------------------------------------------------------

def _place_out(place: Place, parents: dict[int, str]) -> dict:
    return {"key": place.key, "name": place.name, "name_ar": place.name_ar, "names": list(place.names or []),
            "level": place.level, "lat": place.lat, "lon": place.lon, "parent": parents.get(place.parent_id),
            "pcode": place.pcode}


def _parents(places: list[Place]) -> dict[int, str]:
    ids = {p.parent_id for p in places if p.parent_id}
    return dict(Place.objects.filter(pk__in=ids).values_list("pk", "key"))


@router.get("/places", response={200: PlacePage, **READ_ERRORS}, url_name="places")
def place_list(request, q: Words = "", after: str = "", limit: Limit = 50):
    """Places of the gazetteer. With `q`: the best matches for a name in Arabic or English
    (spellings and prefixes, as the place search of the incident form), one page only;
    without: every place, in the order they were added."""
    require(request, "read")
    if q.strip():
        from marsad.web.incidents.placesearch import candidates

        keys = [o.key for o in candidates(q, limit=min(limit, 50))]
        rows = {p.key: p for p in Place.objects.filter(key__in=keys)}
        found = [rows[k] for k in keys if k in rows]
        parents = _parents(found)  # one query for the page, not one per place
        return {"places": [_place_out(p, parents) for p in found], "next": None}
    found, nxt = pk_page(Place.objects.all(), after, limit)
    parents = _parents(found)
    return {"places": [_place_out(p, parents) for p in found], "next": nxt}


# -- search ---------------------------------------------------------------------------------

@router.get("/search", response={200: SearchPageOut, **READ_ERRORS}, url_name="search")
def search(request, text: Words, filters: Query[FilterParams],
           kinds: Query[list[Literal["incident", "comment", "item", "capture", "place"]]] = None,
           after: Words = "", limit: Limit = 20):
    """Incidents, comments, evidence and places whose words (as the role may read them)
    match `text`, Arabic normalised as the gazetteer does, ranked, the match marked;
    combined with the shared filter (the search page's results)."""
    require(request, "read")
    from marsad.search import query

    page = query.search(request.user, text, filters=filters_from(filters), kinds=kinds or None, limit=limit,
                        after=after or None)
    return {"hits": [{name: getattr(hit, name) for name in SearchHitOut.model_fields} for hit in page.hits],
            "next": page.next, "total": page.total, "capped": page.capped}


# -- uploads --------------------------------------------------------------------------------

@router.post("/uploads", response={201: list[UploadOut], 413: Error, **WRITE_ERRORS}, url_name="upload")
def upload(request, file: File[UploadedFile]):
    """Ingest one file (or a Telegram Desktop export as a zip) into the token's project, as
    the upload page does. The answer says, per file, whether it was new, already known to
    the project, or could not be kept (and why)."""
    from marsad.core.resumable import TooLarge
    from marsad.web.upload.receive import Upload, receive
    from marsad.web.upload.views import owner_of, upload_store

    require(request, "edit")
    project = request.api_token.project
    if not may(request, "upload", project):
        raise PermissionDenied(_("You may not upload into this project."))
    store = upload_store()
    owner = owner_of(request.user)
    meta = {"project": str(project.pk), "filename": file.name or "upload", "filetype": file.content_type or ""}
    try:
        upload_id = store.create(file.size, meta, owner)
    except TooLarge as e:
        raise HttpError(413, _("This file is larger than this workspace accepts.")) from e
    try:
        store.append(upload_id, owner, 0, file, file.size)
        sender = Upload.of(request.user)
        rows = store.finish(upload_id, owner, lambda uid: receive(store, uid, sender, owner))
    finally:
        store.delete(upload_id, owner)  # the bytes are in the evidence store now (or refused)
    if not allowed(request.user, "view_restricted", project):  # names may name a source
        rows = [row | {"path": "", "reason": "" if row["status"] != "failed" else _("not recorded")} for row in rows]
    return Status(201, rows)

""""Have we seen this?": a photo or video compared with the collection, the way
`marsad similar FILE` does, without being added to it unless the person asks.

The file is spooled to a folder of the workspace outside the store, under a random
name the session remembers; it is deleted once added, or after an hour."""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopFutureHandlers, StopUpload
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from marsad.access.rules import visible_items, visible_projects
from marsad.core.store import hash_stream

from .present import copy_cluster, table_rows

MAX_BYTES = 200 * 1024 * 1024
FORM_SLACK = 64 * 1024  # multipart boundaries and the other fields
KEEP_SECONDS = 3600
KEEP_PER_SESSION = 3
SESSION_KEY = "marsad_seen"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")


def spool_dir() -> Path:
    folder = settings.WORKSPACE.home / "spool" / "seen"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def sweep(folder: Path, now: float | None = None) -> None:
    """Delete files left for more than an hour (by anyone: sessions end without telling)."""
    now = now or time.time()
    for path in folder.iterdir():
        try:
            if now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink()
        except FileNotFoundError:
            pass


class Spooled(UploadedFile):
    def __init__(self, path: Path, token: str, name: str, size: int) -> None:
        super().__init__(file=None, name=name, size=size)
        self.path, self.token = path, token


class SpoolHandler(FileUploadHandler):
    """Writes the one uploaded file straight into the spool folder, and stops at the limit
    even when the request's Content-Length lied."""

    def __init__(self, request, folder: Path) -> None:
        super().__init__(request)
        self.folder, self.path, self.too_large = folder, None, False

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        if field_name != "file" or self.path is not None:
            raise SkipFile
        self.token = secrets.token_urlsafe(18)
        self.path = self.folder / self.token
        self.file = open(self.path, "xb")  # noqa: SIM115 (closed in file_complete or by the parser)
        self.size = 0
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > MAX_BYTES:
            self.too_large = True
            self.file.close()
            self.path.unlink(missing_ok=True)
            raise StopUpload(connection_reset=True)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.close()
        return Spooled(self.path, self.token, self.file_name, file_size)

    def upload_interrupted(self):
        if self.path is not None:
            self.file.close()
            self.path.unlink(missing_ok=True)


def _remember(request, token: str, name: str) -> None:
    """Keep the newest few files of this session; an older one is deleted."""
    waiting = dict(request.session.get(SESSION_KEY, {}))
    waiting[token] = {"name": name, "at": time.time()}
    for old in sorted(waiting, key=lambda t: waiting[t]["at"])[:-KEEP_PER_SESSION]:
        (spool_dir() / old).unlink(missing_ok=True)
        del waiting[old]
    request.session[SESSION_KEY] = waiting


def _forget(request, token: str) -> None:
    waiting = dict(request.session.get(SESSION_KEY, {}))
    waiting.pop(token, None)
    request.session[SESSION_KEY] = waiting
    if _TOKEN.fullmatch(token):
        (spool_dir() / token).unlink(missing_ok=True)


def compare(user, path: Path) -> dict:
    """The items the user may see that this file is, or is a copy of, with their clusters."""
    from marsad.matching.service import CannotQuery, find_copies, query_for_file

    with open(path, "rb") as f:
        sha256, _blake, _size = hash_stream(f)
    visible = visible_items(user)
    result = {"sha256": sha256, "exact": visible.filter(sha256=sha256).values_list("sha256", flat=True).first(),
              "matches": [], "clusters": [], "problem": ""}
    try:
        query = query_for_file(str(path))
    except CannotQuery as e:
        result["problem"] = str(e)
        return result
    links = find_copies(query)
    shown = {i.pk: i for i in visible.filter(pk__in=[link.item for link in links])}
    matched = [shown[link.item] for link in links if link.item in shown]
    rows = {r["sha256"]: r for r in table_rows(user, matched)}
    result["matches"] = [rows[shown[link.item].sha256] | {
        "distance": link.distance, "share_query": link.share_query, "share_other": link.share_other,
        "reason": link.reason} for link in links if link.item in shown]
    clustered: set[str] = set()
    matched_shas = {m.sha256 for m in matched}
    for item in matched:
        if item.sha256 in clustered:
            continue
        members = copy_cluster(user, item)
        for member in members:  # no "this item" here: the file compared is not one of them
            member["this"], member["matched"] = False, member["sha256"] in matched_shas
        clustered |= {m["sha256"] for m in members}
        if members:
            result["clusters"].append(members)
    return result


def _page(request, status: int = 200, **context):
    context.setdefault("projects", list(visible_projects(request.user, "upload")))
    context.setdefault("max_mb", MAX_BYTES // (1024 * 1024))
    return render(request, "items/seen.html", context, status=status)


@csrf_exempt  # checked by _seen, once the handler that spools the file is in place
@require_http_methods(["GET", "POST"])
def seen(request):
    folder = spool_dir()
    sweep(folder)
    if request.method != "POST":
        return _page(request)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES + FORM_SLACK:
        # Refused before a byte of the body is read.
        return _page(request, 413, error=_too_large())
    handler = SpoolHandler(request, folder)
    request.upload_handlers = [handler]
    return _seen(request, handler)


def _too_large() -> str:
    return _("The file is larger than %(mb)s MB. Compare a shorter clip or a still from it.") % {
        "mb": MAX_BYTES // (1024 * 1024)}


@csrf_protect
def _seen(request, handler: SpoolHandler):
    spooled = request.FILES.get("file")
    if handler.too_large:
        return _page(request, 413, error=_too_large())
    if not isinstance(spooled, Spooled) or spooled.size == 0:
        if isinstance(spooled, Spooled):
            spooled.path.unlink(missing_ok=True)
        return _page(request, 400, error=_("Choose a photo or video to compare."))
    _remember(request, spooled.token, spooled.name)
    return _page(request, result=compare(request.user, spooled.path), token=spooled.token, name=spooled.name)


@require_POST
def seen_add(request):
    """Add the compared file to the collection through the normal ingest, into a project
    where the person may upload."""
    from marsad.core.sources import Sighting, clean_name
    from marsad.custody import log
    from marsad.evidence.ingest import Status, ingest

    token = request.POST.get("token", "")
    waiting = request.session.get(SESSION_KEY, {}).get(token)
    path = spool_dir() / token if _TOKEN.fullmatch(token) else None
    if not waiting or path is None or not path.is_file():
        messages.error(request, _("That file is no longer waiting (files are kept for an hour). Send it again."))
        return redirect("items:seen")
    chosen = request.POST.get("project", "")
    project = visible_projects(request.user, "upload").filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if project is None:
        messages.error(request, _("Choose a project where you may upload."))
        return redirect("items:seen")
    name = clean_name(waiting["name"]) or "upload"
    sighting = Sighting("upload", os.fsencode(path), name, name, size=path.stat().st_size)
    (outcome,) = ingest([sighting], log.actor_id(request.user.username), project=project.pk)
    _forget(request, token)
    if outcome.status is Status.FAILED:
        messages.error(request, _("The file could not be added: %(reason)s") % {"reason": outcome.reason})
        return redirect("items:seen")
    if outcome.status is Status.NEW:
        messages.success(request, _("Added to the collection. Its analysis has started."))
    else:
        messages.success(request, _("These exact bytes were already in the collection; this sighting is recorded."))
    return redirect("items:detail", outcome.sha256)

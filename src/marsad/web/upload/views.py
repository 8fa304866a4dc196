"""The upload page family: the upload page (files, folders, a Telegram export zip,
links), the resumable tus endpoint behind it, the result page of an upload and
the status page of links being fetched.

Files arrive over tus in pieces (`marsad.core.resumable`); the last piece runs
`receive`, the same ingest pipeline as `marsad ingest`. Links are fetched by the
workers (`tasks.fetch_link`). Every upload belongs to the person who started it:
another person's upload ids and task ids are answered as unknown.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from marsad import conf
from marsad.access.models import Project
from marsad.access.rules import allowed, visible_items, visible_projects
from marsad.core.resumable import BadRequest, NotFound, Uploads
from marsad.core.web.addresses import refused_addresses
from marsad.evidence.ingest import pending_work
from marsad.matching.models import CopyLink
from marsad.plugins.weblink import allowed_internal

from . import zips
from .receive import Upload, project_from, receive
from .tasks import fetch_link
from .tus_views import TUS_VERSION, tus_endpoint

logger = logging.getLogger(__name__)

KEEP_UPLOADS = timedelta(days=7)  # an interrupted upload can be continued for a week
MAX_IDS = 500  # upload or task ids on one result page
MAX_LINKS = 50
MAX_URL = 2000
ROWS_SHOWN = 300  # rows per upload on the result page (a Telegram export may give thousands)
_ONCE_KEY = "upload_links_once"


def upload_store() -> Uploads:
    return Uploads(settings.WORKSPACE.home / "uploads", int(conf.get("max_upload_bytes")))


def owner_of(user) -> str:
    return f"user:{user.pk}"


def fragment(request) -> bool:
    """An htmx request for part of a page (a history restore needs the whole page)."""
    return bool(request.htmx and not request.htmx.history_restore_request)


def _finisher(request, store: Uploads):
    sender, owner = Upload.of(request.user), owner_of(request.user)
    return lambda upload_id: receive(store, upload_id, sender, owner)


def _tidy(store: Uploads) -> None:
    """Drop uploads untouched for a week, and folders left by an unpacking that crashed."""
    store.expire(KEEP_UPLOADS)
    if store.folder.is_dir():
        cutoff = time.time() - 86400
        for folder in store.folder.glob("unzip-*"):
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                zips.remove(folder)


# -- the upload page ----------------------------------------------------------

@require_GET
def upload_form(request):
    return _form_page(request, _projects(request))


def _projects(request) -> list[Project]:
    projects = list(visible_projects(request.user, "upload"))
    if not projects:
        raise PermissionDenied  # a viewer's role allows no upload anywhere
    return projects


def _form_page(request, projects, links_text: str = "", link_errors=(), chosen: str = "", status: int = 200):
    _tidy(upload_store())
    once = secrets.token_urlsafe(16)
    return render(request, "upload/form.html", {
        "projects": projects,
        "chosen": chosen or str(projects[0].pk),
        "endpoint": reverse("tus_collection"),
        "login_url": f"{reverse('account_login')}?{urlencode({'next': reverse('upload:form')})}",
        "max_bytes": upload_store().max_size,
        "links_text": links_text,
        "link_errors": link_errors,
        "max_links": MAX_LINKS,
        "once": once,
    }, status=status)


# -- the tus endpoint -----------------------------------------------------------

@login_not_required  # a lapsed session gets a 403 it can explain, not a login page
def tus(request, upload_id: str | None = None):
    if not request.user.is_authenticated:
        response = HttpResponse(_("You were signed out. Sign in again, then choose the same files: "
                                  "they continue where they stopped."), status=403,
                                content_type="text/plain; charset=utf-8")
        response["Tus-Resumable"] = TUS_VERSION
        response["X-Marsad-Reason"] = "signed-out"
        return response
    store = upload_store()

    def check(metadata: dict[str, str]) -> None:
        try:
            project_from(metadata, request.user)
        except PermissionError as e:
            raise PermissionDenied from e

    response = tus_endpoint(request, store, owner_of(request.user), upload_id, _finisher(request, store), check)
    if response.status_code == 403:
        response["X-Marsad-Reason"] = "not-allowed"
    return response


# -- the result of an upload --------------------------------------------------------

@require_GET
def upload_result(request):
    store = upload_store()
    finish = _finisher(request, store)
    owner = owner_of(request.user)
    files = [_file_result(request, store, upload_id, owner, finish)
             for upload_id in dict.fromkeys(request.GET.getlist("id")[:MAX_IDS])]
    _describe_items(request, files)
    shas = {row["sha256"] for f in files for row in f["rows"] if row["sha256"]}
    context = {"files": files, "pending": pending_work(shas) if shas else 0,
               "counts": _counts(row for f in files for row in f["all"])}
    return render(request, "upload/result.html#files" if fragment(request) else "upload/result.html", context)


def _file_result(request, store: Uploads, upload_id: str, owner: str, finish) -> dict:
    entry = {"id": upload_id, "name": "", "rows": [], "all": [], "error": "", "hidden": 0}
    try:
        info = store.info(upload_id, owner)
    except NotFound:
        entry["error"] = _("This upload is not known: it expired, or it was started by someone else.")
        return entry
    project = Project.objects.filter(pk=int(info.metadata["project"])).first() \
        if info.metadata.get("project", "").isdigit() else None
    names = project is not None and allowed(request.user, "view_restricted", project)
    entry["name"] = (info.metadata.get("relativePath") or info.metadata.get("filename", "")) if names else ""
    try:
        outcomes = store.finish(upload_id, owner, finish)
    except BadRequest:
        entry["error"] = _("Only %(got)s of %(total)s bytes arrived. Choose the same file again on the upload page "
                           "to send the rest.") % {"got": f"{info.offset:,}", "total": f"{info.length:,}"}
        return entry
    except Exception:  # noqa: BLE001 -- one file that cannot be processed must not hide the others
        logger.exception("upload %s: processing failed", upload_id)
        entry["error"] = _("This file arrived whole but could not be recorded. The error was logged; "
                           "reload this page to try again.")
        return entry
    rows = [dict(o) for o in outcomes or []]
    if not names:  # the role was lowered since: paths and reasons may name sources
        for row in rows:
            row["path"], row["reason"] = "", ("" if row["status"] != "failed" else _("not recorded"))
    entry["all"] = rows
    entry["rows"] = rows[:ROWS_SHOWN]
    entry["hidden"] = max(0, len(rows) - ROWS_SHOWN)
    return entry


def _describe_items(request, files: list[dict]) -> None:
    """Add to each shown row the item as this person may see it, and its known copies."""
    rows = [row for f in files for row in f["rows"] if row["sha256"]]
    items = {i.sha256: i for i in visible_items(request.user).filter(sha256__in={r["sha256"] for r in rows})}
    ids = {i.pk for i in items.values()}
    neighbours: dict[int, set[int]] = {}
    for a, b in CopyLink.objects.filter(Q(a_id__in=ids) | Q(b_id__in=ids)).values_list("a_id", "b_id"):
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    seen_ids = set(visible_items(request.user).filter(pk__in={x for s in neighbours.values() for x in s})
                   .values_list("pk", flat=True))
    for row in rows:
        item = items.get(row["sha256"])
        row["item"] = item
        row["copies"] = len(neighbours.get(item.pk, set()) & seen_ids) if item else 0


def _counts(rows) -> dict[str, int]:
    counts = {"new": 0, "known": 0, "failed": 0}
    for row in rows:
        key = "known" if row["status"] in ("known", "seen") else row["status"]
        counts[key] = counts.get(key, 0) + 1
    return counts


# -- links ----------------------------------------------------------------------

@require_POST
def links_submit(request):
    projects = _projects(request)
    text = request.POST.get("links", "")
    chosen = request.POST.get("project", "")
    once = request.POST.get("once", "")
    done = request.session.get(_ONCE_KEY, {})
    if once and once in done:  # the same form sent twice (a double click, a reload): nothing fetched twice
        return redirect(_links_url(done[once]))
    project = next((p for p in projects if str(p.pk) == chosen), None)
    urls, errors = _parse_links(text)
    if project is None:
        errors.insert(0, _("Choose a project to upload into."))
    if errors:
        return _form_page(request, projects, text, errors, chosen, status=400)
    owner = owner_of(request.user)
    ids = [str(fetch_link.enqueue(url, project.pk, request.user.pk, owner).id) for url in urls]
    if once:
        done = dict(list(done.items())[-19:]) | {once: ids}
        request.session[_ONCE_KEY] = done
    return redirect(_links_url(ids))


def _parse_links(text: str) -> tuple[list[str], list[str]]:
    urls, errors = [], []
    for number, line in enumerate(text.splitlines(), 1):
        url = line.strip()
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
            errors.append(_("Line %(number)s is not a web link (http:// or https://).") % {"number": number})
        elif refused_addresses(parts.hostname, allowed_internal()):
            errors.append(_("Line %(number)s points inside this network; only public web sites are fetched.")
                          % {"number": number})
        elif url not in urls:
            urls.append(url)
    if not urls and not errors:
        errors.append(_("Paste at least one link, one per line."))
    if len(urls) > MAX_LINKS:
        errors.append(_("At most %(max)s links at a time.") % {"max": MAX_LINKS})
    return urls, errors


def _links_url(ids: list[str]) -> str:
    return f"{reverse('upload:links')}?{urlencode([('task', i) for i in ids])}"


@require_GET
def links_status(request):
    owner = owner_of(request.user)
    rows = [_link_row(request, task_id, owner) for task_id in dict.fromkeys(request.GET.getlist("task")[:MAX_IDS])]
    shas = {o["sha256"] for r in rows for o in r["outcomes"] if o["sha256"]}
    _describe_items(request, [{"rows": [o for r in rows for o in r["outcomes"]]}])
    context = {"rows": rows, "waiting": any(r["state"] in ("queued", "running") for r in rows),
               "pending": pending_work(shas) if shas else 0,
               "counts": _counts(o for r in rows for o in r["outcomes"])}
    return render(request, "upload/links.html#links" if fragment(request) else "upload/links.html", context)


def _link_row(request, task_id: str, owner: str) -> dict:
    row = {"id": task_id, "url": "", "state": "unknown", "outcomes": [], "error": ""}
    try:
        result = fetch_link.get_result(str(uuid.UUID(task_id)))
    except (ValueError, TaskResultDoesNotExist, TaskResultMismatch):
        return row
    url, project_id, _user, task_owner = result.args
    if task_owner != owner:
        return row  # someone else's link: as unknown as a made-up id
    project = Project.objects.filter(pk=project_id).first()
    if project is not None and allowed(request.user, "view_restricted", project):
        row["url"] = url  # a link may name its source: shown only to roles that may see sources
    states = {TaskResultStatus.READY: "queued", TaskResultStatus.RUNNING: "running",
              TaskResultStatus.SUCCESSFUL: "done", TaskResultStatus.FAILED: "failed"}
    row["state"] = states.get(result.status, "queued")
    if row["state"] == "done":
        row["outcomes"] = [dict(o) for o in result.return_value]
        row["fetched"] = any(o["status"] != "failed" for o in row["outcomes"])
        if not row["url"]:
            for o in row["outcomes"]:
                o["path"], o["reason"] = "", ""
    elif row["state"] == "failed":
        row["error"] = _("The capture stopped with an error; it was logged. Send the link again to retry.")
    return row

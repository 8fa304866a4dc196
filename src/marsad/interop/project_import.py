"""Import a project ZIP (made by `project_zip`) into this workspace, all or nothing.

1. The whole ZIP is checked first (`bundle.read`: names, manifest, every member's
   SHA-256, files/ by their own hash) and its JSON cross-checked (every link names an
   incident and an item that the ZIP holds). Nothing is written before that passes.
2. One database transaction then: an `import` custody event committing to the manifest's
   SHA-256 and the exporting log's key and checkpoint; the project; missing places; every
   file through the normal ingest path (the original source kind, or "import" for an item
   that came without a capture; details naming the ZIP),
   so each item and capture has its custody events and analysis is queued (thumbnails
   and fingerprints are made again by this workspace); the incidents with all their
   fields; their history, links, comments and grade approvals.
   A failure anywhere rolls all of it back; blobs already copied into the store stay
   and are adopted when the import is run again.

History is kept as data: each imported IncidentChange keeps its action, field, old and
new values, evidence, reason, actor and time. Each is recorded as its own `incident`
custody event here, carrying that same time and actor (as `log verify` requires of every
change) with the tool marked `imported` and the manifest's hash: one event per entry,
rather than one per incident committing to a hash of its history, because a single
event per incident would leave every imported row without the event `log verify`
checks it against, and an entry-by-entry log keeps each change provable on its own.
The event's position in this log is new; its original position is in history.json
(`source_log_index`), provable against the exporting log's checkpoint in the manifest.

Incident codes are kept when free in this workspace. A code already taken, or one no
page could link to (a "/" in it, say), is given the next free code, and the mapping
(old → new) is returned, printed, and recorded in the import event; history values that
name other incidents keep the original codes (they are the record as it was) and are
read through that mapping."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Max

import marsad
from marsad.access.models import Project
from marsad.access.service import add_project, hold
from marsad.core.places.gazetteer import Place as CorePlace
from marsad.core.places.readers import Read
from marsad.core.sources import Sighting
from marsad.custody import log
from marsad.evidence.ingest import Status, ingest_sighting, store
from marsad.evidence.models import Item
from marsad.incidents import places
from marsad.incidents.models import Comment, GradeApproval, Incident, IncidentChange, IncidentItem, Place

from . import bundle
from .bundle import BundleError
from .project_zip import incident_fields

# A code kept as it came must make a URL (incidents:detail) and fit the column; others are renumbered.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


class ImportFailed(BundleError):
    pass


@dataclass
class ImportReport:
    project: str
    counts: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # original -> new, only where they differ
    items_new: int = 0
    items_known: int = 0


def _when(value: str | None, what: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as e:
        raise ImportFailed(f"{what}: {value!r} is not an ISO 8601 time") from e
    if moment.tzinfo is None:
        raise ImportFailed(f"{what}: {value!r} has no time zone")
    return moment


def _check(b: bundle.Bundle) -> None:
    """Cross-check the JSON members: every reference resolves inside the ZIP."""
    bundle.require_keys("incidents.json", b.doc("incidents.json"), ["code", "created", "created_by"])
    bundle.require_keys("history.json", b.doc("history.json"),
                        ["incident", "action", "field", "old", "new", "evidence", "reason", "actor", "at"])
    bundle.require_keys("links.json", b.doc("links.json"), ["incident", "sha256", "role", "added_at", "added_by"])
    bundle.require_keys("comments.json", b.doc("comments.json"), ["incident", "body", "at", "attachments"])
    bundle.require_keys("approvals.json", b.doc("approvals.json"), ["incident", "grade", "reason", "proposed_at"])
    bundle.require_keys("places.json", b.doc("places.json"), ["key", "name", "level"])
    bundle.require_keys("items.json", b.doc("items.json"), ["sha256"])
    bundle.require_keys("captures.json", b.doc("captures.json"), ["sha256", "source_kind"])
    codes = [i["code"] for i in b.doc("incidents.json")]
    if not all(isinstance(c, str) for c in codes):
        raise ImportFailed("incidents.json: an incident's code is not text")
    if len(set(codes)) != len(codes):
        raise ImportFailed("incidents.json: two incidents share a code")
    known = set(codes)
    shas = {i["sha256"] for i in b.doc("items.json")}
    for sha in sorted(shas - set(b.files)):
        raise ImportFailed(f"items.json names {sha[:16]}…, whose file is not in the ZIP")
    for name in ("history.json", "links.json", "comments.json", "approvals.json"):
        for n, row in enumerate(b.doc(name), 1):
            if row["incident"] not in known:
                raise ImportFailed(f"{name} entry {n}: no incident {row['incident']} in incidents.json")
    for n, row in enumerate(b.doc("links.json"), 1):
        if row["sha256"] not in shas:
            raise ImportFailed(f"links.json entry {n}: item {row['sha256'][:16]}… is not in items.json")
    for n, row in enumerate(b.doc("comments.json"), 1):
        for sha in row["attachments"]:
            if sha not in shas:
                raise ImportFailed(f"comments.json entry {n}: attachment {sha[:16]}… is not in items.json")
    for n, row in enumerate(b.doc("incidents.json"), 1):
        for ref in ("merged_into", "split_from"):
            if row.get(ref) and row[ref] not in known:
                raise ImportFailed(f"incidents.json entry {n}: {ref} {row[ref]} is not in the ZIP")


def _codes(codes: list[str]) -> dict[str, str]:
    """Original code -> code here: kept when free and of a code's shape, else the next free SYR number."""
    shaped = [c for c in codes if CODE.fullmatch(c)]
    taken = set(Incident.objects.filter(code__in=shaped).values_list("code", flat=True))
    mapping = {c: c for c in shaped if c not in taken}
    number = Incident.objects.aggregate(n=Max("id"))["n"] or 0
    for code in codes:
        if code in mapping:
            continue
        while True:
            number += 1
            candidate = f"SYR{number:06d}"
            if candidate not in codes and not Incident.objects.filter(code=candidate).exists():
                break
        mapping[code] = candidate
    return mapping


def _places(b: bundle.Bundle, zip_name: str, actor: str) -> None:
    places.ensure_default(actor)  # first, or the gazetteer would never load the embedded towns
    rows = b.doc("places.json")
    missing = [r for r in rows if not Place.objects.filter(key=r["key"]).exists()]
    if not missing:
        return
    read = Read(places=[CorePlace(id=r["key"], name=r["name"], name_ar=r.get("name_ar") or "",
                                  names=list(r.get("names") or []), lat=r.get("lat"), lon=r.get("lon"),
                                  level=int(r["level"]), parent=r.get("parent"), pcode=r.get("pcode") or "",
                                  source=r.get("source") or f"import {zip_name}") for r in missing],
                format="marsad-project")
    places.save(read, f"import from {zip_name}", actor, file_sha256=b.manifest_sha256)


def _ingest(b: bundle.Bundle, project: Project, zip_name: str, actor: str, report: ImportReport) -> dict[str, Item]:
    """Every file through the ingest path: one capture per exported capture (restricted
    details only when the ZIP holds them), or one for an item that came without any."""
    origin = b.manifest.get("log", {}).get("vkey", "").split("+")[0]
    blobs = store()
    by_sha: dict[str, list[dict]] = {}
    for capture in b.doc("captures.json"):
        by_sha.setdefault(capture["sha256"], []).append(capture)
    for record in b.doc("items.json"):
        sha = record["sha256"]
        for n, capture in enumerate(by_sha.get(sha) or [{"source_log_index": f"item:{sha}"}]):
            path = b.files[sha]
            details = {"import": {"zip": zip_name, "manifest_sha256": b.manifest_sha256, "from_log": origin,
                                  "source_kind": capture.get("source_kind", ""),
                                  "ingested_at": capture.get("ingested_at"),
                                  "ingested_by": capture.get("ingested_by", "")}}
            if capture.get("source_details"):
                details["source_details"] = capture["source_details"]
            # The source kind it was first captured from ("telegram", "files") stays, so the
            # incidents' source summaries read the same here; the details name the ZIP.
            sighting = Sighting(
                capture.get("source_kind") or "import", bytes(path),
                capture.get("original_path") or f"{zip_name}/files/{sha}", capture.get("original_name") or sha,
                path_b64=capture.get("original_path_b64") or "",
                mtime=_when(capture.get("file_mtime"), f"capture of {sha[:16]}"), size=path.stat().st_size,
                url=capture.get("url") or "", channel=capture.get("channel") or "",
                post_id=capture.get("post_id") or "",
                posted_at=_when(capture.get("posted_at"), f"capture of {sha[:16]}"), text=capture.get("text") or "",
                details=details, identity=f"{origin}:{capture.get('source_log_index', n)}")
            outcome = ingest_sighting(sighting, actor, blobs, project.pk)
            if outcome.status is Status.FAILED or outcome.sha256 != sha:
                raise ImportFailed(f"files/{sha}: could not be kept: {outcome.reason or 'its hash changed'}")
            if n == 0:
                if outcome.status is Status.NEW:
                    report.items_new += 1
                else:
                    report.items_known += 1
    items = {i.sha256: i for i in Item.objects.filter(sha256__in=[r["sha256"] for r in b.doc("items.json")])}
    graphic = [items[r["sha256"]].pk for r in b.doc("items.json") if r.get("graphic")]
    Item.objects.filter(pk__in=graphic, graphic=False).update(graphic=True)  # a warning is never lost on the way
    return items


def _user(name: str | None):
    return get_user_model().objects.filter(username=name).first() if name else None


def _incident(record: dict[str, Any], code: str, project: Project) -> Incident:
    names = set(incident_fields())
    unknown = set(record) - names - {"place", "assignee", "merged_into", "split_from"}
    if unknown:
        raise ImportFailed(f"incident {record['code']}: unknown fields {', '.join(sorted(unknown))}")
    incident = Incident(project=project)
    try:
        for name in names & set(record):
            setattr(incident, name, Incident._meta.get_field(name).to_python(record[name]))
        incident.code = code
        if record.get("place"):
            incident.place = Place.objects.filter(key=record["place"]).first()
            if incident.place is None:
                raise ImportFailed(f"incident {record['code']}: place {record['place']} is not in places.json")
        incident.assignee = _user(record.get("assignee"))
        incident.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as e:
        raise ImportFailed(f"incident {record['code']}: {'; '.join(e.messages)}") from e
    incident.save()
    return incident


def import_project(path: Path, *, as_slug: str | None = None, actor: str = "") -> ImportReport:
    """Check the ZIP at `path`, then load it as a new project (slug: `as_slug` or the exported one)."""
    actor = actor or log.actor_id()
    zip_name = Path(path).name
    with bundle.Extracted(settings.WORKSPACE.home) as folder:
        b = bundle.read(Path(path), folder)
        _check(b)
        exported = b.manifest.get("project") or {}
        slug = as_slug or exported.get("slug") or ""
        if not slug:
            raise ImportFailed("the manifest names no project; give --as SLUG")
        try:
            validate_slug(slug)
        except ValidationError as e:
            raise ImportFailed(f"{slug!r} is not a project slug (letters, digits, - and _)") from e
        if Project.objects.filter(slug=slug).exists():
            raise ImportFailed(f"a project {slug!r} exists already in this workspace; import with --as NEW-SLUG")
        report = ImportReport(project=slug)
        tool = {"name": "marsad", "version": marsad.__version__, "imported": b.manifest_sha256}
        with transaction.atomic():
            log.lock_head()
            codes = _codes([i["code"] for i in b.doc("incidents.json")])
            report.codes = {old: new for old, new in codes.items() if old != new}
            log.record("import", actor=actor, outputs=[{
                "format": bundle.FORMAT, "project": slug, "manifest_sha256": b.manifest_sha256,
                "codes": report.codes, **(b.manifest.get("counts") or {})}],
                details={"zip": zip_name, "from": b.manifest.get("log"), "project": exported})
            project = add_project(exported.get("name") or slug, slug, actor=actor)
            _places(b, zip_name, actor)
            items = _ingest(b, project, zip_name, actor, report)
            incidents = {r["code"]: _incident(r, codes[r["code"]], project) for r in b.doc("incidents.json")}
            for record in b.doc("incidents.json"):
                incident = incidents[record["code"]]
                incident.merged_into = incidents[record["merged_into"]] if record.get("merged_into") else None
                incident.split_from = incidents[record["split_from"]] if record.get("split_from") else None
                incident.save(update_fields=["merged_into", "split_from"])
            _history(b, incidents, tool)
            _links(b, incidents, items, project)
            _comments(b, incidents, items, actor, tool)
            _approvals(b, incidents, actor)
        report.counts = {"incidents": len(incidents), "history": len(b.doc("history.json")),
                         "links": len(b.doc("links.json")), "comments": len(b.doc("comments.json")),
                         "approvals": len(b.doc("approvals.json")), "items": len(items)}
    log.sign_checkpoint()
    return report


def _history(b: bundle.Bundle, incidents: dict[str, Incident], tool: dict[str, str]) -> None:
    for n, row in enumerate(b.doc("history.json"), 1):
        change = IncidentChange(incident=incidents[row["incident"]], action=row["action"], field=row["field"] or "",
                                old=row["old"], new=row["new"], evidence=list(row["evidence"] or []),
                                reason=row["reason"] or "", actor=row["actor"],
                                at=_when(row["at"], f"history.json entry {n}"))
        entry = log.record("incident", item=(change.evidence or [""])[0], actor=change.actor, time=change.at,
                           tool=tool, inputs=[{"sha256": sha} for sha in change.evidence],
                           outputs=[change.custody_outputs()], details=change.custody_details())
        change.log_index = entry.index
        change.save()


def _links(b: bundle.Bundle, incidents: dict[str, Incident], items: dict[str, Item], project: Project) -> None:
    for n, row in enumerate(b.doc("links.json"), 1):
        IncidentItem.objects.create(incident=incidents[row["incident"]], item=items[row["sha256"]], role=row["role"],
                                    added_at=_when(row["added_at"], f"links.json entry {n}"),
                                    added_by=row["added_by"])
    hold(project.pk, list(items.values()))


def _comments(b: bundle.Bundle, incidents: dict[str, Incident], items: dict[str, Item], actor: str,
              tool: dict[str, str]) -> None:
    for n, row in enumerate(b.doc("comments.json"), 1):
        incident, at = incidents[row["incident"]], _when(row["at"], f"comments.json entry {n}")
        shas = list(row["attachments"])
        entry = log.record("comment", actor=row.get("actor") or actor, time=at, item=shas[0] if shas else None,
                           tool=tool, inputs=[{"sha256": s} for s in shas],
                           outputs=[{"incident": incident.code, "action": "comment"}], details={"body": row["body"]})
        note = Comment.objects.create(incident=incident, author=_user(row.get("author")), body=row["body"], at=at,
                                      log_index=entry.index)
        if shas:
            note.attachments.add(*[items[s] for s in shas])


def _approvals(b: bundle.Bundle, incidents: dict[str, Incident], actor: str) -> None:
    for n, row in enumerate(b.doc("approvals.json"), 1):
        where = f"approvals.json entry {n}"
        approval = GradeApproval.objects.create(
            incident=incidents[row["incident"]], grade=row["grade"], reason=row["reason"],
            proposed_by=_user(row.get("proposed_by")), proposed_actor=row.get("proposed_actor") or "",
            proposed_at=_when(row["proposed_at"], where), outcome=row.get("outcome") or GradeApproval.Outcome.PENDING,
            decided_by=_user(row.get("decided_by")), decided_actor=row.get("decided_actor") or "",
            decided_at=_when(row.get("decided_at"), where), decision_reason=row.get("decision_reason") or "")
        log.record("review", actor=actor, outputs=[{
            "incident": approval.incident.code, "action": "grade-approval-imported", "grade": approval.grade,
            "outcome": approval.outcome, "approval": approval.pk}],
            details={k: row.get(k) for k in ("reason", "proposed_actor", "proposed_at", "decided_actor", "decided_at",
                                             "decision_reason")})

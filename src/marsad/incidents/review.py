"""The review workflow on top of the incidents service: status, assignment, tags,
the two-person rule for the grade "confirmed", comments with @mentions and
attachments, and the notifications they cause.

Every act is an IncidentChange through `service` or a custody event of its own
(`review`, `comment`), recorded in the transaction of its rows. The web views
check roles before calling here; the rules that protect the record (a second
person approves, mentions and assignees are members) are enforced here too, so
no caller can skip them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marsad.access.models import Membership
from marsad.access.roles import CAN
from marsad.access.rules import allowed
from marsad.custody import log

from . import service
from .models import Comment, GradeApproval, Incident, IncidentChange, Notification
from .service import Conflict, IncidentError

MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
TAG_MAX = 64


class ReviewError(IncidentError):
    pass


class NotAllowed(ReviewError):
    """The person's role in the project does not allow this act."""


def actor_of(user) -> str:
    return log.actor_id(user.username)


def members(project, action: str | None = None):
    """Users with a role in `project` (and, given `action`, a role that allows it)."""
    roles = Membership.objects.filter(project=project)
    if action:
        roles = roles.filter(role__in=[str(r) for r in CAN[action]])
    return get_user_model().objects.filter(pk__in=roles.values("user_id")).order_by("username")


def actor_names(project) -> dict[str, str]:
    """Pseudonymous actor id -> username, for this project's members only: a history
    shows the names of the people the reader works with, never anyone else's."""
    return {log.actor_id(name): name for name in members(project).values_list("username", flat=True)}


def _require(user, action: str, incident: Incident) -> None:
    if not allowed(user, action, incident):
        raise NotAllowed(_("Your role in this project does not allow this."))


def notify(users: Iterable, incident: Incident, kind: str, actor, comment: Comment | None = None) -> int:
    """One notification per person, never to the person who acted."""
    now = timezone.now()
    rows = [Notification(user=u, incident=incident, kind=kind, comment=comment, actor=actor, created=now)
            for u in {u.pk: u for u in users}.values() if actor is None or u.pk != actor.pk]
    Notification.objects.bulk_create(rows)
    return len(rows)


# -- status, assignment, tags -------------------------------------------------------------------

def set_status(incident: Incident, status: str, user, reason: str, seen: str | None = None) -> list[IncidentChange]:
    _require(user, "edit", incident)
    return service.update(incident, {"status": status}, actor_of(user), reason=reason,
                          seen=None if seen is None else {"status": seen})


def assign(incident: Incident, assignee, user, reason: str, seen: str | None = None) -> IncidentChange | None:
    """Assign to a member of the incident's project (None: nobody); they are notified.
    `seen`: the assignee's username as the person saw it ("" for nobody)."""
    _require(user, "edit", incident)
    if assignee is not None and not Membership.objects.filter(project_id=incident.project_id, user=assignee).exists():
        raise ReviewError(_("%(name)s is not a member of this incident's project.") % {"name": assignee.username})
    with transaction.atomic():
        log.lock_head()
        incident.refresh_from_db()
        old = incident.assignee.username if incident.assignee_id else ""
        if seen is not None and seen != old:
            raise Conflict("assignee", old, seen)
        new = assignee.username if assignee else ""
        if new == old:
            return None
        incident.assignee = assignee
        incident.save(update_fields=["assignee"])
        # Names sit in the change's details, beside the leaf: the leaf holds only their hash.
        change = service._record(incident, "set", actor_of(user), field="assignee", old=old or None,
                                 new=new or None, reason=reason)
        if assignee is not None:
            notify([assignee], incident, "assigned", user)
    return change


def clean_tags(text_or_list: str | Iterable[str]) -> list[str]:
    """Tags from "a, b، c" or a list: trimmed, single-spaced, unique, in order."""
    parts = re.split(r"[,،;\n]", text_or_list) if isinstance(text_or_list, str) else list(text_or_list)
    out: list[str] = []
    for part in parts:
        tag = " ".join(unicodedata.normalize("NFC", str(part)).split())[:TAG_MAX]
        if tag and tag not in out:
            out.append(tag)
    return out


def add_tags(incident: Incident, tags: Iterable[str], user, reason: str) -> IncidentChange | None:
    """Add tags to the ones there (never replaces them)."""
    _require(user, "edit", incident)
    wanted = clean_tags(tags)
    with transaction.atomic():
        log.lock_head()
        incident.refresh_from_db()
        old = list(incident.tags or [])
        new = old + [t for t in wanted if t not in old]
        if new == old:
            return None
        incident.tags = new
        incident.save(update_fields=["tags"])
        return service._record(incident, "set", actor_of(user), field="tags", old=old, new=new, reason=reason)


def remove_tags(incident: Incident, tags: Iterable[str], user, reason: str) -> IncidentChange | None:
    _require(user, "edit", incident)
    unwanted = set(clean_tags(tags))
    with transaction.atomic():
        log.lock_head()
        incident.refresh_from_db()
        old = list(incident.tags or [])
        new = [t for t in old if t not in unwanted]
        if new == old:
            return None
        incident.tags = new
        incident.save(update_fields=["tags"])
        return service._record(incident, "set", actor_of(user), field="tags", old=old, new=new, reason=reason)


# -- the two-person rule -------------------------------------------------------------------------

def pending(incident: Incident) -> GradeApproval | None:
    return incident.grade_approvals.filter(outcome=GradeApproval.Outcome.PENDING).select_related(
        "proposed_by").first()


def propose_grade(incident: Incident, grade: str, reason: str, user) -> GradeApproval:
    """Ask for a grade that takes a second member: a pending approval, the status
    "needs second review", and a notice to every other member who may review."""
    _require(user, "edit", incident)
    if grade not in service.NEEDS_APPROVAL:
        raise ReviewError(_("The grade %(grade)s needs no second review: set it directly.") % {"grade": grade})
    if not reason.strip():
        raise ReviewError(_("Say why the evidence supports this grade."))
    actor = actor_of(user)
    with transaction.atomic():
        log.lock_head()
        incident.refresh_from_db()
        if incident.merged_into_id:
            raise ReviewError(_("%(code)s was merged into another incident.") % {"code": incident.code})
        if incident.grade == grade:
            raise ReviewError(_("%(code)s has this grade already.") % {"code": incident.code})
        if pending(incident):
            raise ReviewError(_("%(code)s is already waiting for a second review.") % {"code": incident.code})
        approval = GradeApproval.objects.create(incident=incident, grade=grade, reason=reason, proposed_by=user,
                                                proposed_actor=actor, proposed_at=timezone.now())
        service.update(incident, {"status": Incident.Status.NEEDS_SECOND_REVIEW}, actor,
                       reason=f"grade {grade} proposed: {reason}")
        log.record("review", actor=actor, time=approval.proposed_at,
                   outputs=[{"incident": incident.code, "action": "grade-proposed", "grade": grade,
                             "approval": approval.pk}],
                   details={"reason": reason})
        notify(members(incident.project, "review"), incident, "review_requested", user)
    return approval


def decide(approval: GradeApproval, user, approve: bool, reason: str) -> GradeApproval:
    """A second member approves (the grade is set, the incident verified) or rejects
    (back in review). The proposer can never decide their own proposal."""
    incident = approval.incident
    _require(user, "review", incident)
    actor = actor_of(user)
    if approval.proposed_by_id == user.pk or approval.proposed_actor == actor:
        raise NotAllowed(_("A second member must decide: you proposed this grade."))
    if not reason.strip():
        raise ReviewError(_("Say why you approve or reject this grade."))
    with transaction.atomic():
        log.lock_head()
        approval.refresh_from_db()
        if approval.outcome != GradeApproval.Outcome.PENDING:
            raise ReviewError(_("This proposal was decided already."))
        approval.outcome = GradeApproval.Outcome.APPROVED if approve else GradeApproval.Outcome.REJECTED
        approval.decided_by, approval.decided_actor = user, actor
        approval.decided_at, approval.decision_reason = timezone.now(), reason
        approval.save()
        if approve:
            service.update(incident, {"grade": approval.grade, "grade_reason": approval.reason,
                                      "status": Incident.Status.VERIFIED}, actor,
                           reason=f"second review approved: {reason}", approved=True)
        else:
            service.update(incident, {"status": Incident.Status.IN_REVIEW}, actor,
                           reason=f"second review rejected grade {approval.grade}: {reason}")
        log.record("review", actor=actor, time=approval.decided_at,
                   outputs=[{"incident": incident.code, "action": f"grade-{approval.outcome}",
                             "grade": approval.grade, "approval": approval.pk}],
                   details={"reason": reason})
        if approval.proposed_by is not None:
            notify([approval.proposed_by], incident, str(approval.outcome), user)
    return approval


# -- comments ------------------------------------------------------------------------------------

def mentioned(body: str, project) -> list:
    """Project members named as @username; other names stay plain text."""
    names = {m.group(1).rstrip(".") for m in MENTION.finditer(body)}
    return list(members(project).filter(username__in=names)) if names else []


def comment(incident: Incident, user, body: str, attachments: Iterable = (), since: datetime | None = None
            ) -> tuple[Comment, bool]:
    """Post a comment; (comment, False) when the same form was sent twice: a comment by
    this person with this body on this incident since the form was shown is that one."""
    _require(user, "comment", incident)
    body = body.strip()
    if not body:
        raise ReviewError(_("A comment needs some text."))
    attachments = list(attachments)
    with transaction.atomic():
        log.lock_head()
        if since is not None:
            earlier = Comment.objects.filter(incident=incident, author=user, body=body, at__gte=since).first()
            if earlier is not None:
                return earlier, False
        at = timezone.now()
        shas = [item.sha256 for item in attachments]
        # Only the body's hash is in the leaf: a comment may name people.
        entry = log.record("comment", actor=actor_of(user), time=at, item=shas[0] if shas else None,
                           inputs=[{"sha256": s} for s in shas],
                           outputs=[{"incident": incident.code, "action": "comment"}], details={"body": body})
        note = Comment.objects.create(incident=incident, author=user, body=body, at=at, log_index=entry.index)
        if attachments:
            note.attachments.add(*attachments)
        notify(mentioned(body, incident.project), incident, "mention", user, comment=note)
    return note, True


def attach_files(incident: Incident, user, files: Iterable[tuple[str, Path]]):
    """Ingest uploaded files (name, temporary path) into the incident's project; the
    items, or ReviewError naming the file that could not be preserved."""
    from marsad.core.sources import Sighting, clean_name
    from marsad.evidence.ingest import Status, ingest
    from marsad.evidence.models import Item

    _require(user, "upload", incident)
    sightings = []
    for name, path in files:
        size = path.stat().st_size
        name = clean_name(name) or "attachment"  # chosen by the sender's browser
        # No mtime: the same file sent twice is the same sighting, not a second capture.
        sightings.append(Sighting("files", bytes(path), f"comment on {incident.code}/{name}", name, size=size))
    outcomes = ingest(sightings, actor_of(user), project=incident.project_id)
    failed = [o for o in outcomes if o.status is Status.FAILED]
    if failed:
        name = failed[0].display_path.rsplit("/", 1)[-1]
        raise ReviewError(_("%(file)s could not be kept: %(why)s") % {"file": name, "why": failed[0].reason})
    return list(Item.objects.filter(sha256__in=[o.sha256 for o in outcomes]))


def create_once(fields: dict, user, evidence: list[str], reason: str, project, since: datetime | None,
                role: str = "corroborating"):
    """Create an incident, unless this person created one with this title since the form
    was shown (the same form sent twice): (incident, created)."""
    actor = actor_of(user)
    with transaction.atomic():
        log.lock_head()
        if since is not None:
            earlier = Incident.objects.filter(created_by=actor, created__gte=since, project=project,
                                              title=fields.get("title", "")).first()
            if earlier is not None:
                return earlier, False
        incident = service.create(fields, actor, evidence=evidence, reason=reason, project=project)
        if evidence:
            service.link(incident, evidence, role, actor, reason=reason)
    return incident, True

"""Projects, people and their roles — the same functions for the CLI and the web.

Each change is a custody event (who changed whose role); the names themselves
are committed by hash only (the leaf's details), never written into a leaf."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from marsad.custody import log
from marsad.evidence.models import Item

from .models import Membership, Project, ProjectItem
from .roles import Role

DEFAULT_SLUG = "default"


class AccessError(ValueError):
    pass


def default_project() -> Project:
    project = Project.objects.filter(slug=DEFAULT_SLUG).first()
    if project is None:
        project = add_project("Default", DEFAULT_SLUG, actor=log.actor_id())
    return project


def get_project(name_or_slug: str | None) -> Project:
    if not name_or_slug:
        return default_project()
    project = (Project.objects.filter(slug=name_or_slug).first()
               or Project.objects.filter(name=name_or_slug).first())
    if project is None:
        raise AccessError(f"no project {name_or_slug!r}; add it with `marsad project add`")
    return project


def add_project(name: str, slug: str | None = None, *, actor: str) -> Project:
    slug = slug or slugify(name, allow_unicode=False) or f"project-{Project.objects.count() + 1}"
    if Project.objects.filter(slug=slug).exists():
        raise AccessError(f"a project {slug!r} exists already")
    with transaction.atomic():
        log.lock_head()
        project = Project.objects.create(name=name, slug=slug, created=timezone.now())
        log.record("access", actor=actor, outputs=[{"project": slug, "action": "project-created"}],
                   details={"name": name})
    return project


def add_user(username: str, password: str | None, *, actor: str):
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise AccessError(f"a user {username!r} exists already")
    with transaction.atomic():
        log.lock_head()
        user = User.objects.create_user(username=username, password=password)
        if not password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        log.record("access", actor=actor, outputs=[{"user": log.actor_id(username), "action": "user-created"}],
                   details={"username": username})
    return user


def set_role(user, project: Project, role: str | Role | None, *, actor: str) -> Membership | None:
    """Give `user` this role in `project` (None removes them)."""
    if role is not None and role not in Role.__members__.values():
        raise AccessError(f"role must be one of {', '.join(r.value for r in Role)}")
    with transaction.atomic():
        log.lock_head()
        old = Membership.objects.filter(project=project, user=user).first()
        if role is None:
            if old:
                old.delete()
            membership = None
        else:
            membership, _ = Membership.objects.update_or_create(project=project, user=user,
                                                                defaults={"role": str(role)})
        log.record("access", actor=actor,
                   outputs=[{"user": log.actor_id(user.username), "project": project.slug, "action": "role",
                             "role": str(role) if role else None}],
                   details={"username": user.username, "old_role": old.role if old else None})
    from .rules import forget_roles

    forget_roles(user)
    return membership


def hold(project_id: int, items: list[Item] | list[int]) -> None:
    """Record that a project holds these items (uploaded into it, or linked to its incidents)."""
    ids = [i.pk if isinstance(i, Item) else i for i in items]
    with transaction.atomic():
        # The project row is locked first, so two holds of the same item count it once.
        Project.objects.select_for_update().filter(pk=project_id).first()
        have = set(ProjectItem.objects.filter(project_id=project_id, item_id__in=ids)
                   .values_list("item_id", flat=True))
        now = timezone.now()
        new = [ProjectItem(project_id=project_id, item_id=i, added_at=now) for i in dict.fromkeys(ids) if i not in have]
        ProjectItem.objects.bulk_create(new)
        if new:
            Project.objects.filter(pk=project_id).update(item_count=F("item_count") + len(new))

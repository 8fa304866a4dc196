"""Keep the index in step: every save of an indexed object rewrites its rows, in the
same transaction as the save (connected in apps.SearchConfig.ready)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from . import index


def _saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs) -> None:
    if raw:  # loading fixtures: `marsad search reindex` afterwards
        return
    name = sender.__name__
    fields = set(update_fields or ())
    if name == "Item" and fields and not fields & {"kind", "mime", "codec", "make", "model"}:
        return  # ingest's bookkeeping (analysis_task): nothing searchable changed
    if name == "Incident" and fields and fields <= {"assignee", "status", "grade", "merged_into", "split_from"}:
        return
    index.refresh(instance, created=created)
    if name == "Place" and not created:
        index.refresh_place_incidents(instance)


def _deleted(sender, instance, **kwargs) -> None:
    index.forget(instance)


def connect() -> None:
    from marsad.evidence.models import Capture, Item
    from marsad.incidents.models import Comment, Incident, Place

    for model in (Incident, Comment, Capture, Item, Place):
        post_save.connect(_saved, sender=model, dispatch_uid=f"search-{model.__name__}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-del-{model.__name__}")

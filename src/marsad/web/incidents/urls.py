"""The incidents page family: URLs grouped by the object they act on; every
state change is a POST to its own small view."""

from django.urls import path

from . import actions, detail, views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.create, name="create"),
    path("bulk/", views.bulk_edit, name="bulk"),
    path("export/", views.export, name="export"),
    path("places/", views.place_options, name="places"),
    path("<str:code>/", detail.detail, name="detail"),
    path("<str:code>/edit/", detail.edit, name="edit"),
    path("<str:code>/link/", actions.link, name="link"),
    path("<str:code>/accept/", actions.accept, name="accept"),
    path("<str:code>/merge/", actions.merge, name="merge"),
    path("<str:code>/split/", actions.split, name="split"),
    path("<str:code>/review/", actions.workflow, name="workflow"),
    path("<str:code>/decide/", actions.decide, name="decide"),
    path("<str:code>/comment/", actions.comment, name="comment"),
]

"""The tus endpoint, outside the language prefix: its URLs are the uploads' names."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.tus, name="tus_collection"),
    path("<str:upload_id>/", views.tus, name="tus_upload"),
]

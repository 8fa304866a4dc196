from django.urls import path

from . import views

app_name = "upload"
urlpatterns = [
    path("", views.upload_form, name="form"),
    path("result/", views.upload_result, name="result"),
    path("links/", views.links_submit, name="links_submit"),
    path("links/status/", views.links_status, name="links"),
]

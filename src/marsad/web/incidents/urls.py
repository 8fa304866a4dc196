from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_list, name="create"),
    path("<str:code>/", views.incident_list, name="detail"),
]

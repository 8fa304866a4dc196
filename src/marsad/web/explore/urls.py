"""The map and the timeline, at the root of the language prefix."""

from django.urls import path

from . import views

app_name = "explore"
urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("map/data/", views.map_data, name="map_data"),
    path("map/tiles/", views.tiles, name="tiles"),
    path("timeline/", views.timeline_page, name="timeline"),
]

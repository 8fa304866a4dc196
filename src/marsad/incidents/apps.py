from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "marsad.incidents"
    verbose_name = "Places and incidents"

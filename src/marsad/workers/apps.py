from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "marsad.workers"
    verbose_name = "Workers"

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "marsad.search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals

        signals.connect()

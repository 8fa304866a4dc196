from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "marsad.api"
    default_auto_field = "django.db.models.BigAutoField"

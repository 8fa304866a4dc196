from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "marsad.access"
    label = "access"
    verbose_name = "Projects and roles"

from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "marsad.custody"
    verbose_name = "Custody log"

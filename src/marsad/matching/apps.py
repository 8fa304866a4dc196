from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "marsad.matching"
    verbose_name = "Fingerprints and copies"

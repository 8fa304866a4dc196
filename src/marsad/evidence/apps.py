from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "marsad.evidence"
    verbose_name = "Evidence"

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "marsad.web"
    label = "web"
    verbose_name = "Marsad web app"

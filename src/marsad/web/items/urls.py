from django.urls import path, register_converter

from . import redaction, seen, views


class Sha256:
    regex = "[0-9a-fA-F]{64}"

    def to_python(self, value: str) -> str:
        return value.lower()

    def to_url(self, value: str) -> str:
        return value


register_converter(Sha256, "sha256")

app_name = "items"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("seen/", seen.seen, name="seen"),
    path("seen/add/", seen.seen_add, name="seen_add"),
    path("<sha256:sha256>/", views.item_detail, name="detail"),
    path("<sha256:sha256>/media/", views.item_media, name="media"),
    path("<sha256:sha256>/thumb/", views.item_thumb, name="thumb"),
    path("<sha256:sha256>/preview/", views.item_preview, name="preview"),
    path("<sha256:sha256>/sheet/", views.item_sheet, name="sheet"),
    path("<sha256:sha256>/graphic/", views.item_graphic, name="graphic"),
    path("<sha256:sha256>/redact/", redaction.redact, name="redact"),
    path("<sha256:sha256>/redacted/<sha256:derived>/", redaction.redacted_file, name="redacted"),
    path("<sha256:sha256>/redacted/<sha256:derived>/decide/", redaction.decide, name="redaction_decide"),
]

from django.contrib import admin

from marsad.custody.admin import ReadOnlyAdmin

from .models import CopyLink


@admin.register(CopyLink)
class CopyLinkAdmin(ReadOnlyAdmin):
    list_display = ["a", "b", "distance", "share_a", "share_b", "reason", "created"]

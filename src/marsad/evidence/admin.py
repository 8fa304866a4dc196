"""Admin views: evidence is read-only here; originals are never edited."""

from django.contrib import admin

from marsad.custody.admin import ReadOnlyAdmin

from .models import AnalysisResult, Capture, Derivative, Item


class CaptureInline(admin.TabularInline):
    model = Capture
    fields = ["source_kind", "original_name", "ingested_at", "ingested_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "kind", "mime", "size", "captured_at", "analysis", "first_seen"]
    list_filter = ["kind", "analysis"]
    search_fields = ["sha256"]
    inlines = [CaptureInline]


@admin.register(Capture)
class CaptureAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "item", "source_kind", "ingested_at", "ingested_by"]
    list_filter = ["source_kind"]
    search_fields = ["item__sha256", "original_name"]


@admin.register(Derivative)
class DerivativeAdmin(ReadOnlyAdmin):
    list_display = ["item", "role", "sha256", "size", "created"]


@admin.register(AnalysisResult)
class AnalysisResultAdmin(ReadOnlyAdmin):
    list_display = ["item", "step", "ok", "error", "created"]

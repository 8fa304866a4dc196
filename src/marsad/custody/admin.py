from django.contrib import admin

from .models import Checkpoint, LogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence and custody records are shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["index", "type", "item", "time"]
    list_filter = ["type"]
    search_fields = ["item"]
    exclude = ["details", "salt"]  # restricted; never shown in lists or forms


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["size", "created"]

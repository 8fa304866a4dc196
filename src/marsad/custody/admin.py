from django.contrib import admin

from .models import Checkpoint, LogEntry


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    list_display = ["index", "type", "item", "time"]
    list_filter = ["type"]
    search_fields = ["item"]
    exclude = ["details"]  # restricted; never shown in lists or forms

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Checkpoint)
class CheckpointAdmin(LogEntryAdmin):
    list_display = ["size", "created"]
    list_filter = []
    search_fields = []
    exclude = []

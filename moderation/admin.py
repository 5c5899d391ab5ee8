from django.contrib import admin

from cocreate.admin_views import ReadOnlyAdmin

from .models import Appeal, AuditEntry, Case, Flag, Sanction, VoteAlert


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "kind", "object_id", "target_label", "reason"]
    list_filter = ["action", "kind"]
    search_fields = ["reason", "target_label"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["opened_at", "kind", "object_id", "source", "state", "flag_count", "held"]
    list_filter = ["state", "source", "kind"]


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "object_id", "reason", "reporter"]


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "member", "type", "ends_at", "lifted_at"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "member", "state"]


@admin.register(VoteAlert)
class VoteAlertAdmin(ReadOnlyAdmin):
    list_display = ["detected_at", "type", "state", "summary"]

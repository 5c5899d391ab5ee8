from django.contrib import admin

from .models import BacklogItem, CustomerRecord, PriorityWeights, TriageAction


@admin.register(BacklogItem)
class BacklogItemAdmin(admin.ModelAdmin):
    list_display = ["title", "product", "status", "effort_estimate", "impact", "confidence", "target_release"]
    list_filter = ["status", "product"]
    search_fields = ["title"]
    raw_id_fields = ["ideas", "created_by"]


@admin.register(TriageAction)
class TriageActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "idea", "actor", "backlog_item"]
    list_filter = ["kind"]
    raw_id_fields = ["idea", "actor", "backlog_item", "duplicate_of", "product"]

    def has_change_permission(self, request, obj=None):
        return False  # the log is a record: read only


@admin.register(CustomerRecord)
class CustomerRecordAdmin(admin.ModelAdmin):
    list_display = ["external_id", "member", "segment", "clv", "imported_at"]
    search_fields = ["external_id", "member__email"]
    raw_id_fields = ["member", "imported_by"]


admin.site.register(PriorityWeights)

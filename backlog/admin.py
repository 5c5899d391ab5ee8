from django.contrib import admin

from .models import BacklogItem, CLVFit, CustomerRecord, PriorityWeights, Transaction, TriageAction


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
    list_display = ["external_id", "member", "email", "segment", "clv", "predicted_clv", "p_alive", "at_risk"]
    list_filter = ["at_risk", "segment"]
    search_fields = ["external_id", "email", "member__email"]
    raw_id_fields = ["member", "imported_by", "prediction_fit"]


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = ["customer", "occurred_on", "amount", "currency", "reference", "source", "imported_at"]
    search_fields = ["customer__external_id", "reference"]
    raw_id_fields = ["customer", "imported_by"]

    def has_change_permission(self, request, obj=None):
        return False  # imported data: corrected by importing, not edited


@admin.register(CLVFit)
class CLVFitAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "status",
        "window_start",
        "window_end",
        "customers",
        "transactions",
        "message",
    ]
    list_filter = ["status"]

    def has_change_permission(self, request, obj=None):
        return False  # a fit is a record of what was computed


admin.site.register(PriorityWeights)

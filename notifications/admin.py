from django.contrib import admin

from cocreate.admin_views import ReadOnlyAdmin

from .models import EmailFailure


@admin.register(EmailFailure)
class EmailFailureAdmin(ReadOnlyAdmin):
    """Notification email the mail server did not take, after its retries: for staff to look into (a
    wrong address, a mail server refusing or away). The notifications it carried stay on the site."""

    list_display = ["created_at", "kind", "address", "attempts", "error"]
    list_filter = ["kind", "created_at"]
    search_fields = ["address"]
    readonly_fields = ["created_at", "member", "notification", "kind", "address", "attempts", "error"]

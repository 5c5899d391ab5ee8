from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError

from .models import Member, Segment, SegmentMembership
from .roles import Role
from .services import role_grant, role_revoke


class SegmentMembershipInline(admin.TabularInline):
    model = SegmentMembership
    extra = 0
    autocomplete_fields = ["segment"]


def _role_action(role: Role, grant: bool):
    def action(modeladmin, request, queryset):
        for member in queryset:
            if grant:
                role_grant(member=member, role=role, granted_by=request.user)
            else:
                try:
                    role_revoke(member=member, role=role, revoked_by=request.user)
                except ValidationError as error:  # the last administrator keeps the role
                    modeladmin.message_user(request, " ".join(error.messages), level=messages.ERROR)
                    return
        modeladmin.message_user(
            request, f"{'Granted' if grant else 'Revoked'} {role.label} for {queryset.count()}."
        )

    action.__name__ = f"{'grant' if grant else 'revoke'}_{role.value}"
    action.short_description = f"{'Grant' if grant else 'Revoke'} role: {role.label}"
    action.allowed_permissions = ["grant_role"]
    return action


@admin.register(Member)
class MemberAdmin(UserAdmin):
    """Roles are granted with the actions (they keep is_staff in step), not by editing groups."""

    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Profile", {"fields": ["display_name", "email", "bio", "avatar"]}),
        ("Status", {"fields": ["is_active", "email_verified", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "deleted_at"]}),
    ]
    readonly_fields = [
        "is_staff",
        "is_superuser",
        "groups",
        "email_verified",
        "deleted_at",
        "last_login",
        "date_joined",
    ]
    list_display = ["username", "email", "display_name", "is_staff", "email_verified", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    inlines = [SegmentMembershipInline]
    actions = [_role_action(role, grant) for role in Role if role != Role.CUSTOMER for grant in (True, False)]

    def has_grant_role_permission(self, request):
        return request.user.has_perm("community.grant_role")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "market_size", "margin_per_period", "retention_rate", "discount_rate", "clv"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    filter_horizontal = ["managers"]

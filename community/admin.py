from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Member, Segment, SegmentMembership


class SegmentMembershipInline(admin.TabularInline):
    model = SegmentMembership
    extra = 0
    autocomplete_fields = ["segment"]


@admin.register(Member)
class MemberAdmin(UserAdmin):
    fieldsets = [*UserAdmin.fieldsets, (None, {"fields": ["display_name", "bio", "avatar"]})]
    list_display = ["username", "email", "display_name", "is_staff", "date_joined"]
    inlines = [SegmentMembershipInline]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "market_size", "margin_per_period", "retention_rate", "discount_rate", "clv"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

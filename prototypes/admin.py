from django.contrib import admin

from .models import Prototype, Variant, VariantVersion


class VariantInline(admin.TabularInline):
    model = Variant
    fields = ["name", "kind", "position", "current_version"]
    readonly_fields = ["current_version"]
    extra = 0


@admin.register(Prototype)
class PrototypeAdmin(admin.ModelAdmin):
    """Read and tidy only: uploads go through the prototype pages, whose services validate them."""

    list_display = ["title", "stage", "status", "opens_at", "closes_at", "beta_seats"]
    list_filter = ["stage", "status"]
    search_fields = ["title"]
    filter_horizontal = ["target_segments"]
    raw_id_fields = ["linked_ideas", "created_by"]
    inlines = [VariantInline]


@admin.register(VariantVersion)
class VariantVersionAdmin(admin.ModelAdmin):
    list_display = ["variant", "number", "created_at"]
    readonly_fields = ["bundle", "bundle_entry"]

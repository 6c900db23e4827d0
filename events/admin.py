from django.contrib import admin

from govgrid.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Category, Event, EventLog, Holiday


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "level",
        "limit_hours",
        "limit_unit",
        "department_type",
        "grid_can_resolve",
        "active",
    ]
    list_filter = ["kind", "limit_unit", "grid_can_resolve", "active"]
    search_fields = ["code", "name", "name_en", "department_type"]
    list_editable = ["limit_hours", "grid_can_resolve", "active"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


class ReadOnlyLog(ReadOnlyInline):
    model = EventLog
    fields = ["seq", "created_at", "action", "from_status", "to_status", "actor_label", "note"]
    readonly_fields = fields


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Read-only in admin: cases change only through the workflow (the case pages and API)."""

    list_display = ["number", "created_at", "category", "grid", "status", "overdue", "source"]
    list_filter = ["status", "overdue", "source", "category__parent"]
    search_fields = ["number", "tracking_code", "description", "address"]
    inlines = [ReadOnlyLog]

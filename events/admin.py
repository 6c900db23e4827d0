from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govgrid.admin import ReadOnlyAdmin, ReadOnlyInline

from .choices import Status
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
    fields = ["created_at", "step", "from_label", "to_label", "actor_label", "note"]
    readonly_fields = fields

    @admin.display(description=_("action"))
    def step(self, row):
        from .services import LOG_LABELS

        return LOG_LABELS.get(row.action, row.action)

    @admin.display(description=_("from"))
    def from_label(self, row):
        return _status_label(row.from_status)

    @admin.display(description=pgettext_lazy("status", "to"))
    def to_label(self, row):
        return _status_label(row.to_status)


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Read-only in admin: cases change only through the workflow (the case pages and API)."""

    list_display = ["number", "created_at", "category", "grid", "status", "overdue", "source"]
    list_filter = ["status", "overdue", "source", "category__parent"]
    search_fields = ["number", "tracking_code", "description", "address"]
    inlines = [ReadOnlyLog]

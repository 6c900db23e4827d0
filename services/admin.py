from django import forms
from django.contrib import admin
from django.db import models
from leaflet.admin import LeafletGeoAdmin

from govgrid.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import ProxyDeadlineMark, ProxyLog, ProxyRequest, ServiceItem, ServicePoint
from .services import ServiceError, service_point_check


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "department", "limit_days", "limit_unit", "proxy_allowed", "active"]
    list_filter = ["category", "proxy_allowed", "at_community", "online", "active"]
    search_fields = ["code", "name", "aliases", "keywords", "department"]
    list_editable = ["proxy_allowed", "active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ServicePointForm(forms.ModelForm):
    """Refuses points outside the deployment and malformed opening hours, as the service does."""

    class Meta:
        model = ServicePoint
        fields = ["name", "kind", "point", "address", "phone", "hours_text", "services_text", "items", "active"]

    def clean(self):
        data = super().clean()
        if data.get("point") and data.get("hours_text"):
            try:
                self.instance.grid, self.instance.hours = service_point_check(
                    point=data["point"], hours_text=data["hours_text"]
                )
            except ServiceError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(ServicePoint)
class ServicePointAdmin(LeafletGeoAdmin):
    form = ServicePointForm
    list_display = ["name", "kind", "grid", "hours_text", "phone", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "address", "grid__code", "grid__name"]
    filter_horizontal = ["items"]
    readonly_fields = ["grid", "hours"]


class ReadOnlyLog(ReadOnlyInline):
    model = ProxyLog
    fields = ["created_at", "action", "from_status", "to_status", "actor_label", "note"]
    readonly_fields = fields


@admin.register(ProxyRequest)
class ProxyRequestAdmin(ReadOnlyAdmin):
    """Read-only: requests change only through the proxy workflow (phone view, API)."""

    list_display = ["code", "created_at", "item", "grid", "status", "overdue", "worker", "due_at", "satisfaction"]
    list_filter = ["status", "overdue", "item__category"]
    search_fields = ["code", "item__name", "grid__code", "grid__name"]
    exclude = ["phone_encrypted"]
    inlines = [ReadOnlyLog]


@admin.register(ProxyLog)
class ProxyLogAdmin(ReadOnlyAdmin):
    list_display = ["request", "created_at", "action", "from_status", "to_status", "actor_label"]
    list_filter = ["action"]
    search_fields = ["request__code"]


@admin.register(ProxyDeadlineMark)
class ProxyDeadlineMarkAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "deadline", "created_at"]
    list_filter = ["kind"]

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Grid, GridBoundaryVersion, Membership
from .services import grid_admin_save


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "phone", "on_duty", "last_position_at"]
    readonly_fields = ["last_position_at"]


@admin.register(Grid)
class GridAdmin(LeafletGeoAdmin):
    list_display = ["code", "name", "level", "kind", "households", "population", "boundary_generated", "active_to"]
    list_filter = ["level", "kind", "boundary_generated"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["label_point", "updated_at"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        grid_admin_save(actor=request.user, grid=obj, changed=form.changed_data if change else None)


@admin.register(GridBoundaryVersion)
class GridBoundaryVersionAdmin(LeafletGeoAdmin):
    list_display = ["grid", "valid_until", "replaced_by", "boundary_generated", "note"]
    search_fields = ["grid__code", "grid__name"]
    readonly_fields = ["grid", "valid_until", "replaced_by", "boundary_generated", "note"]


@admin.register(Membership)
class MembershipAdmin(LeafletGeoAdmin):
    list_display = ["user", "grid", "role", "phone", "on_duty", "last_position_at"]
    list_filter = ["role", "on_duty"]
    search_fields = ["user__username", "user__first_name", "grid__code", "grid__name", "phone"]
    autocomplete_fields = ["user", "grid"]

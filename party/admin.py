from django.contrib import admin

from govgrid.admin import ReadOnlyInline

from .models import (
    Activity,
    ActivitySignup,
    CoBuildItem,
    CoBuildProject,
    Evaluation,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    Unit,
    Wish,
    WishLog,
    YearPolicy,
)


@admin.register(PartyOrg)
class PartyOrgAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "grid", "scope_code", "secretary"]
    list_filter = ["kind"]
    search_fields = ["name", "scope_code", "secretary"]
    raw_id_fields = ["parent", "grid"]

    def save_model(self, request, obj, form, change):
        # scope_code follows the grid, or the parent's scope for an unbound node
        obj.scope_code = obj.grid.code if obj.grid_id else (obj.parent.scope_code if obj.parent_id else "")
        super().save_model(request, obj, form, change)


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    """Phones and ID numbers are shown masked; the roster import and the organiser pages set them."""

    list_display = ["name", "org", "kind", "home_grid", "phone_masked", "id_masked", "hours", "points", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "org__name", "home_grid__code"]
    raw_id_fields = ["user", "org", "home_grid", "work_unit"]
    readonly_fields = ["phone_masked", "id_masked", "hours", "points"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "contact_name", "contact_phone_masked", "co_building", "hours"]
    list_filter = ["kind", "co_building"]
    search_fields = ["name", "community__name"]
    raw_id_fields = ["community"]
    readonly_fields = ["contact_phone_masked", "hours"]


class WishLogInline(ReadOnlyInline):
    model = WishLog
    fields = ["created_at", "action", "actor_label", "note"]
    readonly_fields = fields


@admin.register(Wish)
class WishAdmin(admin.ModelAdmin):
    """Read-only: wishes move only through the party pages and API (the services)."""

    list_display = ["number", "title", "grid", "status", "assignee_member", "assignee_unit", "due_at", "rating"]
    list_filter = ["status"]
    search_fields = ["number", "tracking_code", "title"]
    inlines = [WishLogInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "community", "starts_at", "hours", "capacity"]
    list_filter = ["kind"]
    search_fields = ["title"]
    raw_id_fields = ["community", "org"]


@admin.register(ActivitySignup)
class ActivitySignupAdmin(admin.ModelAdmin):
    list_display = ["activity", "member", "signed_up_at", "checked_in_at"]
    raw_id_fields = ["activity", "member"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(admin.ModelAdmin):
    """Read-only: totals on members and units follow these rows, so they are added by the services."""

    list_display = ["date", "member", "unit", "source", "hours", "points", "note"]
    list_filter = ["source"]
    search_fields = ["member__name", "unit__name", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CoBuildItem)
class CoBuildItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "community", "unit"]
    list_filter = ["kind"]
    raw_id_fields = ["community", "unit"]


@admin.register(CoBuildProject)
class CoBuildProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "community", "owner", "starts_on", "ends_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["community", "need", "resource", "unit"]


@admin.register(YearPolicy)
class YearPolicyAdmin(admin.ModelAdmin):
    list_display = ["year", "min_hours", "pass_mark"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["year", "member", "unit", "hours", "accepted", "completed", "score", "passed"]
    list_filter = ["year", "passed"]
    raw_id_fields = ["member", "unit", "evaluated_by"]


@admin.register(WishLog)
class WishLogAdmin(admin.ModelAdmin):
    """Append-only: the steps of wishes, for reading."""

    list_display = ["wish", "action", "actor_label", "note", "created_at"]
    list_filter = ["action"]
    search_fields = ["wish__number", "actor_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

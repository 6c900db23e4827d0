from django.contrib import admin

from .models import Department, DepartmentMember, SupervisionOrder


class DepartmentMemberInline(admin.TabularInline):
    model = DepartmentMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "level", "area", "phone", "active"]
    list_filter = ["level", "type", "active"]
    search_fields = ["name", "type", "area__code", "area__name"]
    autocomplete_fields = ["area"]
    inlines = [DepartmentMemberInline]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin):
    list_display = ["event", "deadline", "department", "addressee", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["event__number"]
    readonly_fields = ["event", "deadline", "department", "addressee", "reason", "created_at"]

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .apikeys import api_key_revoke, api_key_set_secret
from .models import ApiKey, PersonalDataAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through their services (or never): admin shows them, no one edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """An append-only history under its record: shown, never added to or removed from."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"), choices=ApiKey.SCOPES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["name", "contact", "owner", "scopes", "rate_limit", "expires_at"]

    def clean(self):
        data = super().clean()
        rest = {ApiKey.SCOPE_READ, ApiKey.SCOPE_WRITE} & set(data.get("scopes") or [])
        if rest and not data.get("owner"):
            self.add_error("owner", _("A key for the REST API acts as an account: choose one."))
        if data.get("rate_limit") == 0:
            self.add_error("rate_limit", _("At least one request per hour."))
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys for integrations. The key itself is shown once, on creation; only its hash is kept."""

    form = ApiKeyForm
    list_display = ["name", "prefix", "owner", "scope_list", "rate_limit", "state", "last_used_at", "created_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "contact", "owner__username"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    autocomplete_fields = ["owner"]
    actions = ["revoke"]

    @admin.display(description=gettext_lazy("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes or [])

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj):
        if obj.revoked_at:
            return _("revoked")
        if obj.expires_at and obj.expires_at <= timezone.now():
            return _("expired")
        return _("active")

    def save_model(self, request, obj, form, change):
        raw = None if change else api_key_set_secret(key=obj)
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(
                request,
                _("The key for %(name)s is %(key)s. Copy it now: it is not shown again.")
                % {"name": obj.name, "key": raw},
            )

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(key=key)
        messages.success(request, _("Revoked."))

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row shows who had access and when it was last used


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """Who was shown whose whole phone number, and when: read-only for everyone, superusers
    included (rows are written only by `govgrid.audit.personal_data_reveal_record`)."""

    list_display = ["at", "username", "kind", "record_link", "grid_code"]
    list_filter = ["kind", "at"]
    date_hierarchy = "at"
    search_fields = ["username", "label"]
    ordering = ["-at", "-pk"]
    fields = ["at", "username", "actor", "kind", "record_link", "content_type", "object_id", "grid_code"]
    readonly_fields = fields
    actions = None
    show_full_result_count = False  # the table only grows: spare a COUNT(*) over all of it

    @admin.display(description=gettext_lazy("record"), ordering="label")
    def record_link(self, obj):
        """The label, linked to the record's own admin page when there is one."""
        if obj.content_type_id and obj.object_id:
            model = ContentType.objects.get_for_id(obj.content_type_id)
            try:
                url = reverse(f"admin:{model.app_label}_{model.model}_change", args=[obj.object_id])
            except NoReverseMatch:
                return obj.label
            return format_html('<a href="{}">{}</a>', url, obj.label)
        return obj.label

"""Forms of the services pages. They check the shape of the input; `services.services` decides
what a valid request is (item that allows proxy handling, a place inside the area, a phone)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grids.choices import Level
from grids.models import Grid

from .models import ServiceItem


def item_choices():
    items = ServiceItem.objects.filter(active=True, proxy_allowed=True).order_by("category", "code")
    return [("", _("Choose the service"))] + [(i.code, i.name) for i in items]


def community_choices():
    """Communities and villages grouped by township, for residents who do not share a location."""
    grids = Grid.objects.filter(level__in=(Level.TOWNSHIP, Level.COMMUNITY), active_to__isnull=True).order_by("code")
    groups: dict[str, tuple[str, list]] = {}
    for grid in grids.only("code", "name", "level"):
        if grid.level == Level.TOWNSHIP:
            groups[grid.code] = (grid.name, [])
        elif grid.code[:9] in groups:
            groups[grid.code[:9]][1].append((grid.code, grid.name))
    return [("", _("Choose your community or village"))] + [g for g in groups.values() if g[1]]


class ProxyForm(forms.Form):
    item = forms.ChoiceField(label=_("Service"))
    community = forms.ChoiceField(label=_("Community or village"), required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    name = forms.CharField(label=_("Your name"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, widget=forms.TextInput(attrs={"type": "tel"}))
    note = forms.CharField(
        label=_("Anything the worker should know"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = item_choices()
        self.fields["community"].choices = community_choices()


class RatingForm(forms.Form):
    SCORES = [
        (5, _("Very satisfied")),
        (4, _("Satisfied")),
        (3, _("Acceptable")),
        (2, _("Dissatisfied")),
        (1, _("Very dissatisfied")),
    ]
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you?"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Catalogue workbook (.xlsx)"))

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


def community_choices(empty=None):
    """Communities and villages grouped by township, for residents who do not share a location."""
    grids = Grid.objects.filter(level__in=(Level.TOWNSHIP, Level.COMMUNITY), active_to__isnull=True).order_by("code")
    groups: dict[str, tuple[str, list]] = {}
    for grid in grids.only("code", "name", "level"):
        if grid.level == Level.TOWNSHIP:
            groups[grid.code] = (grid.name, [])
        elif grid.code[:9] in groups:
            groups[grid.code[:9]][1].append((grid.code, grid.name))
    return [("", empty or _("Choose your community or village"))] + [g for g in groups.values() if g[1]]


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

    def __init__(self, *args, for_resident=False, **kwargs):
        """`for_resident`: a grid worker fills it in for a resident (the words say "the resident's").
        The pages have no map: the community is required unless a location came with the link
        (the near-me page passes ?lat=&lng=)."""
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = item_choices()
        source = self.data if self.is_bound else self.initial
        community = self.fields["community"]
        community.required = not (source.get("lat") not in (None, "") and source.get("lng") not in (None, ""))
        if for_resident:
            community.label = _("Resident's community or village")
            community.choices = community_choices(_("Choose the resident's community or village"))
            community.error_messages["required"] = _("Choose the resident's community or village.")
            self.fields["name"].label = _("Resident's name")
            self.fields["phone"].label = _("Resident's phone")
            self.fields["address"].label = _("Resident's address")
            self.fields["note"].label = _("Note")
        else:
            community.choices = community_choices()
            community.error_messages["required"] = _("Choose your community or village.")


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

"""Forms of the public pages: a resident's report and the rating of a closed case.

They check the shape of the input only; `events.services` decides what a valid case is (category,
point inside the service area, photos that really are images) and its messages are shown on the
field they concern.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category
from .services import MAX_DESCRIPTION
from .uploads import MAX_PHOTOS

MAX_ADDRESS = 200
MAX_COMMENT = 500


def category_choices() -> list:
    """Reportable categories (minor classes) grouped under their major class, in catalogue order."""
    minors = (
        Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
        .select_related("parent")
        .order_by("parent__code", "code")
    )
    groups: dict[int, tuple[str, list]] = {}
    for minor in minors:
        groups.setdefault(minor.parent_id, (minor.parent.label, []))[1].append((minor.code, minor.label))
    return [("", _("Choose what kind of problem it is")), *groups.values()]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero to six uploads; whether each is a real image is checked by the service."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most 6 photos."), code="max_photos")
        return [super(PhotosField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    """A resident's report: where (a map point), what (category and words), photos, and how to
    reach them if they wish. The idempotency key makes a double submit file one case."""

    category = forms.ChoiceField(
        label=_("What kind of problem?"),
        error_messages={
            "required": _("Choose what kind of problem it is."),
            "invalid_choice": _("Choose what kind of problem it is from the list."),
        },
    )
    description = forms.CharField(
        label=_("Describe what you see"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5, "data-counter": "description-count"}),
        error_messages={
            "required": _("Describe the problem."),
            "max_length": _("The description is longer than 4,000 characters."),
        },
    )
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90)
    lng = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180)
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=MAX_ADDRESS,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": _("The address is longer than 200 characters.")},
    )
    photos = PhotosField(label=_("Photos"))
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    name = forms.CharField(
        label=_("Name"), required=False, max_length=40, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    # Made when the form is shown; a resubmission with the same key returns the case already filed.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()

    def clean_idempotency_key(self):
        return self.cleaned_data["idempotency_key"].strip()[:64]

    def clean(self):
        data = super().clean()
        # Both halves of the point are one answer: say once, on the map, what is missing.
        if "lat" in self.errors or "lng" in self.errors:
            self.errors.pop("lat", None)
            self.errors.pop("lng", None)
            self.add_error("lat", _("Tap the map to mark where the problem is."))
        return data


class RatingForm(forms.Form):
    """The reporter's rating of a closed case (回访评价), 1 to 5, with an optional comment."""

    SCORES = [
        (5, _("Very satisfied")),
        (4, _("Satisfied")),
        (3, _("Acceptable")),
        (2, _("Dissatisfied")),
        (1, _("Very dissatisfied")),
    ]

    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with how this was handled?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Rate from 1 to 5."), "invalid_choice": _("Rate from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

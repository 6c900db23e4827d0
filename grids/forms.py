from django import forms
from django.utils.translation import gettext_lazy as _

MAX_ROSTER_BYTES = 1024 * 1024


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("Roster CSV"), help_text=_("Columns: username,name,role,phone (UTF-8)."))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            return f.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
            ) from None

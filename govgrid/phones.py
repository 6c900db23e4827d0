"""One check of the phone numbers residents and staff type (public case report, wish, proxy
request, party roster): a number a grid worker can actually call back."""

import re

from django.utils.translation import gettext as _

# +86 / 0086 dropped; then a mobile (1[3-9] and 9 digits), a landline with its area code
# (0 and 9 to 11 digits), a local landline (7 or 8 digits, not starting 0 or 1) or, with a
# leading +, an international number (7 to 15 digits). Short service numbers (110, 12345) are
# not a resident's phone.
_CHINA = re.compile(r"^(?:1[3-9]\d{9}|0\d{9,11}|[2-9]\d{6,7})$")
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{6,14}$")


class InvalidPhone(ValueError):
    """`str(exc)` is the message for the user, in their language."""


def clean_phone(raw, *, error: type[Exception] = InvalidPhone) -> str:
    """The number without spaces, dashes, brackets or the +86 prefix; "" for nothing typed.
    Raises `error` (an app's own error class, raised with field="phone") with the message
    "123 is not a phone number." for anything else; InvalidPhone by default."""
    phone = re.sub(r"[\s\-()（）]", "", str(raw or ""))
    if not phone:
        return ""
    local = re.sub(r"^(?:\+86|0086)", "", phone)
    if _CHINA.match(local):
        return local
    if local == phone and _INTERNATIONAL.match(phone):
        return phone
    message = _("%(phone)s is not a phone number.") % {"phone": phone[:20]}
    raise InvalidPhone(message) if error is InvalidPhone else error(message, field="phone")

"""What every /api/v1/ endpoint shares: API-key authentication beside the session, the scope check,
one error body, pagination and the OpenAPI description of the key.

Error body of every API error (4xx):

    {"detail": "<message for people>", "code": "<machine code>", "fields": {"<field>": ["<message>", …]}}

`fields` is present for input errors only.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .apikeys import ApiKeyError, api_key_check
from .models import ApiKey

SCHEMES = (b"token", b"api-key")


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` (or `Api-Key <key>`): the request acts as the key's owner.

    The scope is checked by `ApiKeyScope`; here only whether the key is genuine and active (any
    REST scope will do), so a bad key is refused before anything else runs."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in SCHEMES:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send one key: Authorization: Token <key>."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None
        try:
            key = api_key_check(raw, scope=(ApiKey.SCOPE_READ, ApiKey.SCOPE_WRITE))
        except ApiKeyError as exc:
            if exc.status == 429:
                raise exceptions.Throttled(detail=exc.message) from None
            raise exceptions.AuthenticationFailed(exc.message) from None
        if key.owner is None or not key.owner.is_active:
            raise exceptions.AuthenticationFailed(_("This API key acts for no active account."))
        return key.owner, key

    def authenticate_header(self, request):
        return "Token"


class ApiKeyScope(BasePermission):
    """A key reads with scope `read` and writes with scope `write`; a session is not limited here."""

    message = _("This API key does not have the scope for this request.")

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return True
        return request.auth.has_scope(ApiKey.SCOPE_READ if request.method in SAFE_METHODS else ApiKey.SCOPE_WRITE)


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=`: 50 by default, at most 1000 a page; the body has count, next, previous, results."""

    default_limit = 50
    max_limit = 1000


def _flatten(detail, prefix="") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [messages]} ("photos.0" for an item of a list)."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
    elif isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            out[prefix or "non_field_errors"] = [str(v) for v in detail]
        else:
            for i, value in enumerate(detail):
                out.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _code(exc, default: str) -> str:
    """The code of the first error (DRF's `get_codes()` nests them like the messages)."""
    codes = exc.get_codes()
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else default


def exception_handler(exc, context):
    """DRF's handler, with every error body in the one shape described above."""
    from rest_framework.views import exception_handler as drf_exception_handler  # views imports this module

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()))
        detail = first[1][0] if first[0] == "non_field_errors" else f"{first[0]}: {first[1][0]}"
        response.data = {"detail": detail, "code": _code(exc, "invalid"), "fields": fields}
    else:
        detail = exc.detail
        response.data = {"detail": str(detail), "code": getattr(detail, "code", None) or exc.default_code}
    return response


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "govgrid.api.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: an API key from the administrators (scopes read, write).",
        }


class Ordering(OrderingFilter):
    """`?ordering=field,-other` over the view's `ordering_fields`; an unknown field is a 400, not
    silently ignored, so a client learns of its typo."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            terms = [t.strip() for t in params.split(",") if t.strip()]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            bad = [t for t in terms if t.lstrip("-") not in allowed]
            if bad:
                raise exceptions.ValidationError(
                    {self.ordering_param: [_("Order by one of: %(fields)s.") % {"fields": ", ".join(sorted(allowed))}]}
                )
            return terms
        return self.get_default_ordering(view)


ERROR_SCHEMA = {
    "type": "object",
    "description": "The body of every API error.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {"type": "string", "description": "What went wrong, for programs (invalid, not_found, …)."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Input errors by field.",
        },
        "field": {"type": "string", "description": "The field a refusal of the workflow concerns (older clients)."},
    },
    "required": ["detail", "code"],
}
ERROR_RESPONSES = {
    "400": "Bad input.",
    "403": "Not signed in, a bad API key, or not allowed.",
    "404": "Not found, or outside your jurisdiction.",
    "429": "Too many requests.",
}


def error_responses_hook(result, generator, request, public):
    """drf-spectacular postprocessing: document the one error body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    status, {"content": {"application/json": {"schema": ref}}, "description": description}
                )
    return result

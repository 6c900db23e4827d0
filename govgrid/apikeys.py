"""API keys: creating, revoking and checking them (see `govgrid.models.ApiKey`)."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import ratelimit
from .models import ApiKey

KEY_PREFIX = "gg_"
LAST_USED_EVERY = timedelta(minutes=1)  # one write a minute per key, not one per request


class ApiKeyError(Exception):
    """A key that may not be used: `status` 403 (missing, wrong, revoked, out of scope) or 429."""

    def __init__(self, message: str, *, status: int = 403):
        super().__init__(message)
        self.message, self.status = message, status


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, scopes: list[str], owner=None, rate_limit: int = 1000, **fields) -> tuple[ApiKey, str]:
    """Create a key; returns it with the raw key, which is shown once and never stored."""
    unknown = set(scopes) - {s for s, _label in ApiKey.SCOPES}
    if unknown:
        raise ValueError(f"unknown scopes {sorted(unknown)}")
    key = ApiKey(name=name, scopes=list(scopes), owner=owner, rate_limit=rate_limit, **fields)
    raw = api_key_set_secret(key=key)
    key.save()
    return key, raw


def api_key_set_secret(*, key: ApiKey) -> str:
    """Give an unsaved key (the admin's add form) its prefix and hash; returns the raw key."""
    key.prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{key.prefix}_{secrets.token_urlsafe(24)}"
    key.hashed_key = _digest(raw)
    return raw


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db(fields=["revoked_at"])
    return key


def api_key_check(raw: str | None, *, scope: str | tuple[str, ...]) -> ApiKey:
    """The active key `raw` holding `scope` (or one of several), counted against its hourly
    limit; else ApiKeyError."""
    scopes = (scope,) if isinstance(scope, str) else scope
    raw = (raw or "").strip()
    if not raw:
        raise ApiKeyError(_("An API key is required."))
    parts = raw.split("_")
    key = None
    if raw.startswith(KEY_PREFIX) and len(parts) >= 3 and len(raw) <= 100:
        key = ApiKey.objects.filter(prefix=parts[1]).select_related("owner").first()
    if key is None or not secrets.compare_digest(key.hashed_key, _digest(raw)):
        raise ApiKeyError(_("Invalid API key."))
    if not key.is_active:
        raise ApiKeyError(_("This API key has been revoked or has expired."))
    if not any(key.has_scope(s) for s in scopes):
        raise ApiKeyError(_("This API key may not be used for %(scope)s.") % {"scope": " / ".join(scopes)})
    if not ratelimit.hit(f"apikey:{key.pk}", limit=key.rate_limit, window=3600):
        raise ApiKeyError(_("This API key has made too many requests this hour."), status=429)
    now = timezone.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key

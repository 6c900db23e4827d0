"""A fixed-window rate limit on the cache (Redis in production): enough to keep one address from
flooding the public form and API."""

import time

from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(key: str, *, limit: int, window: int) -> bool:
    """Count one hit; False when `limit` hits in the current `window` seconds were already made."""
    bucket = f"rl:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, window + 5):
        return True
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, window + 5)
        return True

"""Writes of the core package (see DESIGN.md conventions: every write is a service)."""

from django.db import transaction
from django.utils import timezone

from .models import Heartbeat


@transaction.atomic
def heartbeat_record(*, name: str, hostname: str = "") -> Heartbeat:
    """Record that the process called `name` is alive now."""
    beat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now(), "hostname": hostname})
    return beat


def notification_mark_read(*, user, ids: list[int]) -> int:
    from .models import Notification

    return Notification.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())

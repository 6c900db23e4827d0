"""Notifications: an in-app inbox for every user, and SMS for what cannot wait.

`notify(...)` queues delivery for after the current transaction commits; the Celery task writes
inbox rows and SMS messages keyed by `dedupe_key`, so a retried task never notifies twice.
SMS_BACKEND is `console` (logged, the default) or `webhook:<url>` (a JSON POST per message, for
the county's SMS gateway).
"""

import json
import logging
import urllib.request

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from . import live

log = logging.getLogger(__name__)


def notify(*, user_ids, kind: str, title: str, body: str = "", url: str = "", dedupe_key: str, sms: bool = False):
    """Queue a notification to users after commit."""
    user_ids = sorted({uid for uid in user_ids if uid})
    if not user_ids:
        return
    from .tasks import deliver_notification

    transaction.on_commit(
        lambda: deliver_notification.delay(user_ids, kind, title[:200], body, url[:200], dedupe_key[:100], sms)
    )


def notify_resident(*, phone_encrypted: str, text, values: dict, dedupe_key: str) -> None:
    """Queue an SMS to a resident after commit (RESIDENT_SMS), written in the site's language
    (`text` is a lazy translation, `values` fill it). The number stays encrypted on its way; only
    the backend gets it whole, and the kept message shows it masked."""
    if not phone_encrypted or not settings.RESIDENT_SMS:
        return
    from .tasks import deliver_resident_sms

    # Values are phrases set into a sentence: their own closing stops would double the text's.
    values = {k: v.strip().rstrip("。.！!；; ") if isinstance(v, str) else v for k, v in values.items()}
    with translation.override(settings.LANGUAGE_CODE):
        body = str(text) % values
    transaction.on_commit(lambda: deliver_resident_sms.delay(phone_encrypted, body[:500], dedupe_key[:120]))


def notification_create(*, user_id: int, kind: str, title: str, body: str, url: str, dedupe_key: str):
    from .models import Notification

    try:
        with transaction.atomic():
            note = Notification.objects.create(
                user_id=user_id, kind=kind, title=title, body=body, url=url, dedupe_key=f"{dedupe_key}:{user_id}"
            )
    except IntegrityError:
        return None
    live.send_now([live.user_group(user_id)], {"type": "notification.created", "title": title, "url": url})
    return note


def sms_send(*, phone: str, body: str, dedupe_key: str, shown: str = "") -> None:
    """Send once per dedupe key through the configured backend; failures raise (the task retries).
    `shown` is what the kept message and the log say instead of the number (a resident's, masked)."""
    from .models import SmsMessage

    shown = shown or phone
    message, _ = SmsMessage.objects.get_or_create(dedupe_key=dedupe_key, defaults={"phone": shown, "body": body[:500]})
    if message.status == "sent":
        return
    message.attempts += 1
    backend = settings.SMS_BACKEND
    try:
        if backend.startswith("webhook:"):
            request = urllib.request.Request(
                backend.removeprefix("webhook:"),
                data=json.dumps({"phone": phone, "text": body, "id": dedupe_key}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        else:
            log.info("SMS to %s: %s", shown, body)
    except Exception as exc:
        message.error = str(exc)[:300]
        message.status = "failed"
        message.save(update_fields=["attempts", "error", "status"])
        raise
    message.status, message.sent_at, message.error = "sent", timezone.now(), ""
    message.save(update_fields=["attempts", "status", "sent_at", "error"])

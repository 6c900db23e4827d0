import socket

from celery import shared_task

from .services import heartbeat_record


@shared_task(
    name="govgrid.heartbeat",
    ignore_result=True,
    time_limit=30,
    soft_time_limit=20,
    autoretry_for=(Exception,),
    retry_kwargs={"max_retries": 3, "countdown": 5},
)
def heartbeat() -> int:
    """Beat queues this every minute; a worker running it proves both are alive."""
    return heartbeat_record(name="celery", hostname=socket.gethostname()).pk


# Deliveries retry with backoff; dedupe keys make a retry harmless.
DELIVERY = {
    "ignore_result": True,
    "time_limit": 60,
    "soft_time_limit": 50,
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_kwargs": {"max_retries": 5},
}


@shared_task(name="govgrid.deliver_notification", **DELIVERY)
def deliver_notification(user_ids, kind, title, body, url, dedupe_key, sms=False):
    """Write inbox entries (and SMS) for each user; safe to retry (dedupe keys)."""
    from grids.models import Membership

    from .notify import notification_create, sms_send

    for user_id in user_ids:
        notification_create(user_id=user_id, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key)
    if sms:
        phones = dict(Membership.objects.filter(user_id__in=user_ids).exclude(phone="").values_list("user_id", "phone"))
        for user_id, phone in phones.items():
            sms_send(phone=phone, body=title, dedupe_key=f"{dedupe_key}:{user_id}")


@shared_task(name="govgrid.deliver_resident_sms", **DELIVERY)
def deliver_resident_sms(phone_encrypted, body, dedupe_key):
    """Send one SMS to a resident (see govgrid.notify.notify_resident); safe to retry."""
    from . import crypto
    from .notify import sms_send

    phone = crypto.decrypt(phone_encrypted)
    if phone:
        sms_send(phone=phone, body=body, dedupe_key=dedupe_key, shown=crypto.mask_phone(phone))

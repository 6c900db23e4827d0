from celery import shared_task


@shared_task(name="party.wish_deadline_scan", ignore_result=True, time_limit=55, soft_time_limit=50)
def wish_deadline_scan() -> dict:
    """Beat runs this every five minutes; overlapping runs are harmless (see party.services)."""
    from .services import wish_deadline_scan as scan

    return scan()

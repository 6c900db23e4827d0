from celery import shared_task


@shared_task(name="events.deadline_scan", ignore_result=True, time_limit=55, soft_time_limit=50)
def deadline_scan() -> dict:
    """Beat runs this every minute; overlapping runs are harmless (see events.deadlines)."""
    from .deadlines import deadline_scan as scan

    return scan()

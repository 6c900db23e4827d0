from celery import shared_task


@shared_task(name="services.proxy_deadline_scan", ignore_result=True, time_limit=55, soft_time_limit=50)
def proxy_deadline_scan() -> dict:
    """Beat runs this every minute; overlapping runs are harmless (ProxyDeadlineMark)."""
    from .services import proxy_deadline_scan as scan

    return scan()

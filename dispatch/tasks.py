from celery import shared_task


@shared_task(name="dispatch.spike_scan", ignore_result=True, time_limit=300, soft_time_limit=280)
def spike_scan() -> int:
    """Hourly: early warnings for spikes per community and category (see dispatch.services)."""
    from .services import spike_scan as scan

    return len(scan())


@shared_task(name="dispatch.bulletins_build", ignore_result=True, time_limit=900, soft_time_limit=880)
def bulletins_build() -> int:
    """08:00: yesterday's bulletin for the county and every township (rebuilding is harmless)."""
    from .services import bulletins_build_all

    return len(bulletins_build_all())


@shared_task(name="dispatch.whistle_scan", ignore_result=True, time_limit=55, soft_time_limit=50)
def whistle_scan() -> int:
    """Every minute: summoned departments that did not report in time are marked late, once."""
    from .services import whistle_scan as scan

    return scan()

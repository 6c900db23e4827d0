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


@shared_task(name="dispatch.dashboard_charts_refresh", ignore_result=True, time_limit=120, soft_time_limit=110)
def dashboard_charts_refresh(user_id: int, root: str, language: str | None = None) -> None:
    """Recompute a dashboard's cached 30-day charts as that user sees them (see
    dispatch.selectors.dashboard_charts_cached)."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from .selectors import dashboard_charts_store

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        with translation.override(language):
            dashboard_charts_store(user=user, root=root)

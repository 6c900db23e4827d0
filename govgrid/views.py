import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from grids.selectors import grid_roots

from .models import Heartbeat, Notification
from .permissions import (
    ADMIN,
    COMMAND_CENTER,
    DEPARTMENT_STAFF,
    GRID_WORKER,
    PARTY_ORGANISER,
    ROLE_LABELS,
    user_roles,
)
from .services import notification_mark_read


def _check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _check_redis() -> dict:
    if not settings.REDIS_URL:
        return {"status": "not configured"}
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "ok"}


def _check_celery(database_ok: bool) -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "eager"}
    from .celery import app

    try:
        replies = app.control.ping(timeout=0.5)
    except Exception as exc:  # broker down: kombu raises several unrelated types
        return {"status": "down", "error": exc.__class__.__name__}
    result = {"status": "ok" if replies else "down", "workers": sorted(name for r in replies for name in r)}
    if database_ok:
        beat = Heartbeat.objects.filter(name="celery").first()
        result["last_heartbeat"] = beat.at.isoformat() if beat else None
        result["heartbeat_age_s"] = round((timezone.now() - beat.at).total_seconds()) if beat else None
    return result


@never_cache
def healthz(request):
    """Machine-readable state of the database, Redis and Celery; 503 when the database is down."""
    database = _check_database()
    redis_state = _check_redis()
    celery_state = _check_celery(database["status"] == "ok")
    parts = (database, redis_state, celery_state)
    overall = (
        "down" if database["status"] == "down" else ("degraded" if any(p["status"] == "down" for p in parts) else "ok")
    )
    return JsonResponse(
        {"status": overall, "database": database, "redis": redis_state, "celery": celery_state},
        status=503 if overall == "down" else 200,
    )


def home(request):
    """Residents find their way in (report, track, services, wishes); staff see their roles."""
    if not request.user.is_authenticated:
        return render(request, "public/portal.html")
    roles = [ROLE_LABELS[r] for r in ROLE_LABELS if r in user_roles(request.user)]
    context = {
        "role_labels": roles,
        "jurisdiction": grid_roots(user=request.user)[:20],
        "party_member": hasattr(request.user, "party_member"),  # a party roster row, no staff role needed
    }
    return render(request, "home.html", context)


def landing_url(user) -> str:
    """Where a user starts after signing in: the phone task list for field staff, the member
    pages for a party member with no staff role, the home page for everyone else."""
    roles = set(user_roles(user))
    if roles & {COMMAND_CENTER, ADMIN, PARTY_ORGANISER} or user.is_staff:
        name = "home"
    elif roles & {GRID_WORKER, DEPARTMENT_STAFF}:
        name = "mobile:inbox"
    elif not roles and hasattr(user, "party_member"):
        name = "party_m:inbox"
    else:
        name = "home"
    try:
        return reverse(name)
    except NoReverseMatch:  # an app switched off in this deployment
        return reverse("home")


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_url(self.request.user)


def favicon(request):
    """Pages without a <link rel="icon"> (admin, API docs) make browsers ask for /favicon.ico."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)


@login_required
def inbox(request):
    """The user's notifications, newest first; opening the page marks them read."""
    notes = list(Notification.objects.filter(user=request.user)[:100])
    unread = [n.pk for n in notes if n.read_at is None]
    if unread:
        notification_mark_read(user=request.user, ids=unread)
    return render(request, "inbox.html", {"notes": notes, "unread": set(unread)})

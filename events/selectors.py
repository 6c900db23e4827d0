"""Reads of cases, always scoped: a user sees the cases of their grid subtrees, plus those assigned
to them or to their departments, or to which a whistle summoned their department. Anything else is
a 404."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from grids.selectors import jurisdiction_q

from .choices import OPEN_STATUSES
from .models import Event


def event_scope_q(user) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    return (
        jurisdiction_q(user, "grid__code")
        | Q(assignee_user=user)
        | Q(assignee_department__memberships__user=user)
        | Q(whistles__responses__department__memberships__user=user)  # summoned by a whistle (吹哨)
    )


def event_list(*, user, filters: dict | None = None) -> QuerySet:
    """Cases the user may see, filtered by `status`, `category`, `grid`, `overdue`, `source`,
    `date_from`, `date_to`, `q` (number or words), `assigned_to_me`."""
    f = filters or {}
    qs = Event.objects.filter(event_scope_q(user)).distinct()
    if f.get("status"):
        statuses = f["status"] if isinstance(f["status"], list | tuple) else [f["status"]]
        qs = qs.filter(status__in=statuses)
    if f.get("open"):
        qs = qs.filter(status__in=OPEN_STATUSES)
    if f.get("category"):
        qs = qs.filter(Q(category__code=f["category"]) | Q(category__parent__code=f["category"]))
    if f.get("grid"):
        qs = qs.filter(grid__code__startswith=f["grid"])
    if f.get("overdue"):
        qs = qs.filter(overdue=True, status__in=OPEN_STATUSES)
    if f.get("source"):
        qs = qs.filter(source=f["source"])
    if f.get("date_from"):
        qs = qs.filter(created_at__date__gte=f["date_from"])
    if f.get("date_to"):
        qs = qs.filter(created_at__date__lte=f["date_to"])
    if f.get("q"):
        q = f["q"].strip()
        qs = qs.filter(Q(number__startswith=q) | Q(description__icontains=q) | Q(address__icontains=q))
    if f.get("assigned_to_me"):
        qs = qs.filter(Q(assignee_user=user) | Q(assignee_department__memberships__user=user))
    return qs.select_related("category", "grid", "assignee_department", "assignee_user")


def event_get(*, user, number: str) -> Event:
    event = (
        Event.objects.filter(event_scope_q(user), number=str(number)[:16])
        .select_related("category", "grid", "assignee_department", "assignee_user", "merged_into")
        .distinct()
        .first()
    )
    if event is None:
        raise Http404("case not found")
    return event


def event_by_tracking_code(code: str) -> Event:
    """Public tracking: no login, the code is the key."""
    event = Event.objects.filter(tracking_code=str(code).upper()[:12]).select_related("category", "grid").first()
    if event is None:
        raise Http404("case not found")
    return event


def worker_inbox(*, user) -> QuerySet:
    """A worker's or clerk's open tasks: overdue first, then due soonest."""
    from django.db.models import F

    return event_list(user=user, filters={"open": True, "assigned_to_me": True}).order_by(
        "-overdue", F("due_at").asc(nulls_last=True), "created_at"
    )


def intake_queue(*, user) -> QuerySet:
    return (
        event_list(user=user, filters={"status": ["reported", "returned"]})
        .select_related("possible_duplicate_of")
        .order_by("level", "created_at")
    )


def public_timeline(event: Event) -> list[dict]:
    """The steps of a case without personal data or internal notes, for the tracking page."""
    public_actions = {"report", "accept", "dispatch", "claim", "resolve", "close", "rework", "reject", "merge", "rate"}
    return [
        {"action": row.action, "status": row.to_status, "at": timezone.localtime(row.created_at)}
        for row in event.log.filter(action__in=public_actions).order_by("seq")
    ]


def public_outcome(event: Event) -> dict:
    """What the reporter is told of the outcome: the handling result of a closed case, or the
    reason a rejected report was not taken on. Only that text: no names, no internal notes."""
    from .choices import Status

    if event.status == Status.CLOSED:
        return {"result": event.result, "reason": ""}
    if event.status == Status.REJECTED:
        reason = event.log.filter(action="reject").order_by("-seq").values_list("note", flat=True).first()
        return {"result": "", "reason": reason or ""}
    return {"result": "", "reason": ""}

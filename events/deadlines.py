"""The deadline scan (every minute from beat): remind before the deadline, and at the deadline mark
the case overdue, issue a supervision order (督办单) and escalate it one grid level.

Each of these happens exactly once per case and deadline, however often and however
concurrently the scan runs: a `DeadlineMark` row with a unique (event, kind, deadline) is
inserted first, and only the inserter acts.
"""

import logging

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import routing
from govgrid.notify import notify
from grids.selectors import grid_chief_ids

from .choices import OPEN_STATUSES, Status
from .models import DeadlineMark, Event
from .services import EventError, _assignee_ids, event_transition

log = logging.getLogger(__name__)


def _claim(event_id: int, kind: str, deadline) -> bool:
    """Insert the mark; False when another scan got there first."""
    try:
        with transaction.atomic():
            DeadlineMark.objects.create(event_id=event_id, kind=kind, deadline=deadline)
        return True
    except IntegrityError:
        return False


def deadline_scan(*, now=None) -> dict:
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0, "supervised": 0, "escalated": 0}
    open_with_deadline = Event.objects.filter(status__in=OPEN_STATUSES, due_at__isnull=False).exclude(
        status=Status.RESOLVED
    )

    reminded = DeadlineMark.objects.filter(
        event=OuterRef("pk"), kind=DeadlineMark.REMINDER, deadline=OuterRef("due_at")
    )
    for event in (
        open_with_deadline.filter(overdue=False, due_at__gt=now, remind_at__lte=now)
        .exclude(Exists(reminded))
        .select_related("assignee_department")
        .only("pk", "number", "due_at", "assignee_user_id", "assignee_department_id")
    ):
        if _claim(event.pk, DeadlineMark.REMINDER, event.due_at):
            counts["reminded"] += 1
            # Sent: only reminders still to send keep a remind_at, which keeps the scan's query small
            # (bench/deadlines.py); an extension sets a new one.
            Event.objects.filter(pk=event.pk, due_at=event.due_at).update(remind_at=None)
            with transaction.atomic():
                notify(
                    user_ids=_assignee_ids(event),
                    kind="event.reminder",
                    title=_("Case %(number)s is due at %(due)s")
                    % {"number": event.number, "due": timezone.localtime(event.due_at).strftime("%m-%d %H:%M")},
                    url=f"/cases/{event.number}/",
                    dedupe_key=f"remind:{event.pk}:{event.due_at.isoformat()}",
                )

    for event_id, due_at in open_with_deadline.filter(overdue=False, due_at__lte=now).values_list("pk", "due_at"):
        if not _claim(event_id, DeadlineMark.OVERDUE, due_at):
            continue
        counts["overdue"] += 1
        with transaction.atomic():
            event = event_transition(event=Event(pk=event_id), action="mark_overdue", actor=None)
            # The head of the responsible department, or, for a case no department holds, the chief
            # of its grid (the nearest grid chief up the tree).
            heads = (
                routing.department_head_ids(event.assignee_department_id)
                if event.assignee_department_id
                else grid_chief_ids(event.grid.code)
            )
            order = routing.supervision_order_issue(
                event_id=event.pk,
                deadline=due_at,
                department_id=event.assignee_department_id,
                addressee_id=(heads[0] if heads else event.assignee_user_id),
                reason=_("Case %(number)s passed its deadline.") % {"number": event.number},
                grid_code=event.grid.code,
            )
            if order:
                counts["supervised"] += 1
                notify(
                    user_ids=heads or _assignee_ids(event),
                    kind="supervision",
                    title=_("Supervision order: case %(number)s is overdue") % {"number": event.number},
                    url=f"/cases/{event.number}/",
                    dedupe_key=f"supervise:{order.pk}",
                    sms=True,
                )
        if _claim(event_id, DeadlineMark.ESCALATION, due_at):
            try:
                event_transition(
                    event=Event(pk=event_id),
                    action="escalate",
                    actor=None,
                    reason=_("Overdue: escalated one grid level."),
                )
                counts["escalated"] += 1
            except EventError as exc:  # already at the top level: the mark stays, nothing to escalate
                log.info("case %s not escalated: %s", event_id, exc.message)
    if any(counts.values()):
        log.info("deadline scan on %s: %s", connection.vendor, counts)
    return counts

"""What `events` needs from `dispatch`: which department owns a category at a place, and issuing a
supervision order. This module imports nothing from `events` (DESIGN.md: dependencies point one
way); it takes ids and codes."""

from datetime import datetime

from django.db import IntegrityError, transaction

from govgrid import live

from .models import Department, SupervisionOrder


def department_for(*, department_type: str, grid_code: str) -> Department | None:
    """The active department of this type whose area covers the grid, nearest level first."""
    if not department_type:
        return None
    candidates = departments_serving(grid_code).filter(type=department_type)
    return max(candidates, key=lambda d: len(d.area.code), default=None)


def departments_serving(grid_code: str):
    """Active departments whose area covers the grid (its own or any ancestor's)."""
    covering = [grid_code[:n] for n in range(len(grid_code), 0, -1)]
    return Department.objects.filter(active=True, area__code__in=covering).select_related("area")


def department_head_ids(department_id: int) -> list[int]:
    from .models import DepartmentMember

    members = DepartmentMember.objects.filter(department_id=department_id)
    heads = [m.user_id for m in members if m.is_head]
    return heads or [m.user_id for m in members]


def supervision_order_issue(
    *,
    event_id: int,
    deadline: datetime,
    department_id: int | None,
    addressee_id: int | None,
    reason: str,
    grid_code: str = "",
) -> SupervisionOrder | None:
    """Issue the supervision order of a missed deadline; None when it was issued already.
    Dashboards over `grid_code` (the case's grid) hear of it after commit."""
    try:
        with transaction.atomic():
            order = SupervisionOrder.objects.create(
                event_id=event_id,
                deadline=deadline,
                department_id=department_id,
                addressee_id=addressee_id,
                reason=reason[:200],
            )
    except IntegrityError:
        return None
    if grid_code:
        live.publish(
            live.grid_groups(grid_code),
            {
                "type": "supervision.issued",
                "supervision": {"id": order.pk, "event": event_id, "reason": order.reason, "grid": grid_code},
            },
        )
    return order

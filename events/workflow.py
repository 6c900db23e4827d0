"""The closed loop as data: which action moves a case from which statuses to which, and who may
take it. `services.event_transition` is the only code that reads this table to change a status.

Who:
- CENTER: command-center staff (or administrators) whose jurisdiction covers the case's grid
  (an escalated case also reaches the staff of the grid levels above it).
- ASSIGNEE: the assigned worker, or a member of the assigned department.
- GRID: a field worker (grid chief, full-time, part-time worker…) seated on the case's grid or
  above it, who verifies results on the ground.
- PUBLIC: the reporter, holding the tracking code.
- SYSTEM: the deadline scan.
"""

from dataclasses import dataclass

from .choices import Status as S

CENTER, ASSIGNEE, GRID, PUBLIC, SYSTEM = "center", "assignee", "grid", "public", "system"


@dataclass(frozen=True)
class Step:
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (extension, escalation, rating)
    who: frozenset[str]
    requires: tuple[str, ...] = ()  # details the action cannot go without


OPEN = (S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS, S.RESOLVED)

WORKFLOW: dict[str, Step] = {
    "accept": Step((S.REPORTED,), S.ACCEPTED, frozenset({CENTER})),
    "reject": Step((S.REPORTED,), S.REJECTED, frozenset({CENTER}), ("reason",)),
    "merge": Step((S.REPORTED,), S.MERGED, frozenset({CENTER}), ("into",)),
    "dispatch": Step((S.ACCEPTED, S.RETURNED), S.DISPATCHED, frozenset({CENTER})),
    "claim": Step((S.DISPATCHED,), S.IN_PROGRESS, frozenset({ASSIGNEE})),
    "return": Step((S.DISPATCHED,), S.RETURNED, frozenset({ASSIGNEE}), ("reason",)),
    "resolve": Step((S.ACCEPTED, S.IN_PROGRESS), S.RESOLVED, frozenset({ASSIGNEE, CENTER, GRID}), ("result",)),
    "close": Step((S.RESOLVED,), S.CLOSED, frozenset({GRID, CENTER})),
    "rework": Step((S.RESOLVED,), S.IN_PROGRESS, frozenset({GRID, CENTER}), ("reason",)),
    "request_extension": Step((S.IN_PROGRESS,), None, frozenset({ASSIGNEE}), ("hours", "reason")),
    "approve_extension": Step((S.IN_PROGRESS,), None, frozenset({CENTER})),
    "escalate": Step(OPEN, None, frozenset({CENTER, ASSIGNEE, GRID, SYSTEM}), ("reason",)),
    "mark_overdue": Step(OPEN, None, frozenset({SYSTEM})),
    "rate": Step((S.CLOSED,), None, frozenset({PUBLIC, CENTER}), ("satisfaction",)),
}


def allowed_actions(status: str, roles: set[str]) -> list[str]:
    """The actions someone holding `roles` may take on a case in `status` (for buttons)."""
    return [name for name, step in WORKFLOW.items() if status in step.sources and step.who & roles]

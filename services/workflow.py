"""The proxy-handling (代办) loop as data: which action moves a request from which statuses to
which, and who may take it. `services.proxy_transition` is the only code that changes a status.

Who:
- WORKER: a field worker seated on the request's grid, above it, or (for a request routed to a
  community) on a grid inside it; once a worker accepted, only that worker (or a chief above).
- CENTER: command-center staff whose jurisdiction covers the grid (they may reassign by declining).
- PUBLIC: the resident, holding the tracking code.
- SYSTEM: the deadline scan.
"""

from dataclasses import dataclass

from .choices import ProxyStatus as S

WORKER, CENTER, PUBLIC, SYSTEM = "worker", "center", "public", "system"


@dataclass(frozen=True)
class Step:
    sources: tuple[str, ...]
    target: str | None
    who: frozenset[str]
    requires: tuple[str, ...] = ()


WORKFLOW: dict[str, Step] = {
    "accept": Step((S.REQUESTED,), S.ACCEPTED, frozenset({WORKER})),
    "decline": Step((S.REQUESTED, S.ACCEPTED, S.COLLECTED), S.DECLINED, frozenset({WORKER, CENTER}), ("reason",)),
    "collect": Step((S.ACCEPTED, S.COLLECTED), S.COLLECTED, frozenset({WORKER}), ("materials",)),
    "submit": Step((S.COLLECTED,), S.SUBMITTED, frozenset({WORKER}), ("submitted_to",)),
    "complete": Step((S.SUBMITTED,), S.COMPLETED, frozenset({WORKER}), ("result",)),
    "fail": Step((S.SUBMITTED,), S.FAILED, frozenset({WORKER}), ("result",)),
    "cancel": Step((S.REQUESTED, S.ACCEPTED), S.CANCELLED, frozenset({PUBLIC})),
    "rate": Step((S.COMPLETED, S.FAILED), None, frozenset({PUBLIC}), ("satisfaction",)),
    "mark_overdue": Step((S.REQUESTED, S.ACCEPTED, S.COLLECTED, S.SUBMITTED), None, frozenset({SYSTEM})),
}


def allowed_actions(status: str, roles: set[str]) -> list[str]:
    return [name for name, step in WORKFLOW.items() if status in step.sources and step.who & roles]
